// A query workload inside the FE simulator, enough to show what autoscaling and a CN leaving do to queries. Queries
// arrive from a trace (arrival time, work in CN-seconds, width: how many CNs its fragments may use, timeout). Each CN
// offers `slotsPerCN` fragment slots. A query starts when `min(width, schedulable CNs)` CNs have a free slot: its
// fragments go to the least busy of them and stay there until it ends, `work / CNs used` seconds later, so a CN added
// after a query started does nothing for it. Queries wait in arrival order (the FE's query queue) while no such set
// of slots is free. The engine reports what the FE and the CN report: NumRunningQueries and CpuUsedPct per CN
// (fragments over slots), SHOW RUNNING QUERIES, and the CN's own count of running queries (`runningOn`, the
// `starrocks_be_pip_query_ctx_cnt` gauge of its /metrics).
//
// A CN leaving, as StarRocks does it (docs/fe-simulator.md cites the source of each point):
// - The FE schedules only on the CNs it lists, alive and not excluded (`FeView.schedulable`); a DROP takes a CN out
//   of that set and cancels nothing: its running fragments go on and their queries still finish. A 4.x blacklist
//   entry (`FeView.blacklistedOn`) takes it out for the queries that FE coordinates only, and keeps it watched.
// - A CN sent SIGTERM (`stopGracefully`) rejects new fragments at once and exits when its running ones are done or
//   its graceful wait is over (`loop_count_wait_fragments_finish` x 10 s: 0 on 3.3, 20 s from 3.4).
// - A fragment the FE places on a CN that rejects it (stopping, or already gone) fails its attempt, and that FE
//   blacklists the CN; the query is re-planned once on the other CNs (`max_query_retry_time`), then fails.
// - When a CN's process is gone (`exit`), its queries get no answer from it. If the FE still lists the CN, its
//   heartbeats fail and the FE declares it dead (`FeView.dead`): `CoordinatorMonitor` cancels those queries, and a
//   SELECT that sent no rows yet is re-planned once on the CNs left. If the FE dropped the CN before, nothing
//   watches it: they hang until their timeout (`query_timeout`, 300 s).
//
// Time is given by the caller (`advance(nowMs)`), so a test or a benchmark decides how fast a trace plays.

export interface TraceQuery {
  /** Arrival, in ms from the start of the trace. */
  at: number;
  /** CN-seconds of work: a query on n CNs runs work / n seconds. */
  work: number;
  /** The most CNs its fragments use. */
  width: number;
  /** The query's `query_timeout`, counted from its arrival. Default 300 s. */
  timeoutMs?: number;
  /** The FE (listener index) the client sent it to, which coordinates it. Default 0. */
  fe?: number;
}

/** Why a query failed: its timeout; a CN the FE declared dead under it; a CN rejecting it twice; a KILL. */
export type QueryError = 'timeout' | 'cn-lost' | 'rejected' | 'killed' | 'no-compute';

export interface QueryRecord {
  id: number;
  /** The query's id: what `KILL QUERY '<id>'` takes. */
  queryId: string;
  /**
   * The id of its current attempt: the query id, and a new one for each re-plan (`StmtExecutor` sets a new
   * executionId for a retry). /current_queries and the instance ids show this one, which KILL QUERY does not find.
   */
  executionId: string;
  /** The coordinating FE (listener index). */
  fe: number;
  arrivedAt: number;
  startedAt: number | null;
  endsAt: number | null;
  finishedAt: number | null;
  failed: boolean;
  error: QueryError | null;
  /** The CN addresses its fragments run on. */
  cns: string[];
  /** CNs whose process went away while its fragments ran there: no answer will come from them. */
  lostCns: string[];
  /** When the first of them went away. */
  lostAt: number | null;
  /** Re-planned once after a CN rejected its fragments. */
  retried: boolean;
  timeoutMs: number;
}

/** What the FE knows of its compute nodes when the engine advances (FeSimulator.advanceQueries keeps it current). */
export interface FeView {
  /** Listed, alive, and not excluded from scheduling (a SHUTDOWN heartbeat, a blacklist). */
  schedulable: readonly string[];
  /** Every CN the FE lists. */
  registered: readonly string[];
  /** Listed CNs the FE declared dead (the 4th failed heartbeat): their queries are cancelled. */
  dead: readonly string[];
  /**
   * Per FE (listener index), the CNs blacklisted by hand there (4.x): that FE places no new fragment on them; they
   * stay listed, heartbeated and watched, and other FEs still use them.
   */
  blacklistedOn?: readonly (readonly string[] | undefined)[];
  /**
   * Alive BEs (shared-nothing): they run fragments too, so queries go on with no CN. With no alive BE and no
   * schedulable CN at all, the FE fails a query at once: "No alive backend or compute node" (StarRocks #60847;
   * `qe/scheduler/DefaultWorkerProvider`).
   */
  backends?: readonly string[];
}

export type CnProcessState = 'running' | 'stopping' | 'exited';

export interface QueryEngineOptions {
  slotsPerCN: number;
  /**
   * How much longer a query placed on `cns` at `nowMs` takes than its work says (default 1): e.g. a CN whose data
   * cache is still cold (bench/cost-control.ts).
   */
  workFactor?: (cns: readonly string[], nowMs: number) => number;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 300_000;

export class QueryEngine {
  readonly records: QueryRecord[] = [];
  private readonly waiting: { record: QueryRecord; query: TraceQuery }[] = [];
  /** The trace entry of each query, to re-plan it. */
  private readonly queries = new Map<number, TraceQuery>();
  private readonly fragments = new Map<string, number>();
  private readonly processes = new Map<string, { state: CnProcessState; exitAt: number }>();
  /** CNs that rejected a fragment: this FE schedules nothing more on them (until a new process answers). */
  private readonly autoBlacklist = new Set<string>();
  private view: FeView = { schedulable: [], registered: [], dead: [] };
  private nextId = 1;
  /** The time of the last `advance`: a KILL arriving between steps takes effect then. */
  private lastAdvanceMs = 0;

  constructor(private readonly options: QueryEngineOptions) {}

  setFeView(view: FeView): void {
    this.view = {
      schedulable: [...view.schedulable],
      registered: [...view.registered],
      dead: [...view.dead],
      blacklistedOn: (view.blacklistedOn ?? []).map((addresses) => [...(addresses ?? [])]),
      backends: [...(view.backends ?? [])],
    };
  }

  /** Shorthand for a view where these CNs are listed, alive and schedulable, and no other CN is listed. */
  setAliveComputeNodes(addresses: readonly string[]): void {
    this.setFeView({ schedulable: addresses, registered: addresses, dead: [] });
  }

  submit(query: TraceQuery, nowMs: number): QueryRecord {
    const id = this.nextId++;
    const record: QueryRecord = {
      id,
      queryId: executionIdOf(id, 0),
      executionId: executionIdOf(id, 0),
      fe: query.fe ?? 0,
      arrivedAt: nowMs,
      startedAt: null,
      endsAt: null,
      finishedAt: null,
      failed: false,
      error: null,
      cns: [],
      lostCns: [],
      lostAt: null,
      retried: false,
      timeoutMs: query.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    };
    this.records.push(record);
    this.queries.set(record.id, query);
    this.waiting.push({ record, query });
    return record;
  }

  /** Timeouts, cancellations, completions and exits due by `nowMs`, then waiting queries in arrival order. */
  advance(nowMs: number): void {
    this.lastAdvanceMs = nowMs;
    const dead = new Set(this.view.dead.filter((address) => this.view.registered.includes(address)));
    for (const record of this.running()) {
      if (record.arrivedAt + record.timeoutMs <= nowMs) this.fail(record, 'timeout', nowMs);
      else if (record.cns.some((cn) => dead.has(cn))) this.cancelForDeadNode(record, nowMs);
      else if (record.lostCns.length === 0 && record.endsAt !== null && record.endsAt <= nowMs) {
        this.finish(record, nowMs);
      }
    }
    for (const entry of [...this.waiting]) {
      if (entry.record.arrivedAt + entry.record.timeoutMs > nowMs) continue;
      this.waiting.splice(this.waiting.indexOf(entry), 1);
      this.fail(entry.record, 'timeout', nowMs);
    }
    for (const [address, process] of this.processes) {
      if (process.state === 'stopping' && (process.exitAt <= nowMs || this.runningOn(address) === 0)) {
        this.exit(address, nowMs);
      }
    }
    this.startWaiting(nowMs);
  }

  /** SIGTERM: the CN rejects new fragments now and exits when its fragments are done or after `gracefulWaitMs`. */
  stopGracefully(address: string, nowMs: number, gracefulWaitMs: number): void {
    if (this.processState(address) !== 'running') return;
    this.processes.set(address, { state: 'stopping', exitAt: nowMs + gracefulWaitMs });
    if (gracefulWaitMs <= 0) this.exit(address, nowMs);
  }

  /** The CN's process is gone now (killed, or its graceful wait ran out): its fragments stop without an answer. */
  exit(address: string, nowMs: number): void {
    this.processes.set(address, { state: 'exited', exitAt: nowMs });
    for (const record of this.running()) {
      if (!record.cns.includes(address) || record.lostCns.includes(address)) continue;
      record.lostCns.push(address);
      record.lostAt ??= nowMs;
    }
    this.fragments.delete(address);
  }

  /** A new process on the address (a pod recreated with the same IP): it takes fragments again. */
  restart(address: string): void {
    this.processes.delete(address);
    this.autoBlacklist.delete(address);
  }

  processState(address: string): CnProcessState {
    return this.processes.get(address)?.state ?? 'running';
  }

  /** KILL QUERY: the query fails at once, whatever it waits for. */
  kill(id: number, nowMs: number): boolean {
    const record = this.records.find((candidate) => candidate.id === id);
    if (record === undefined || record.finishedAt !== null) return false;
    const queued = this.waiting.findIndex((entry) => entry.record === record);
    if (queued >= 0) this.waiting.splice(queued, 1);
    this.fail(record, 'killed', nowMs);
    return true;
  }

  /** The engine's clock: the time of the last `advance`. */
  get nowMs(): number {
    return this.lastAdvanceMs;
  }

  /** `KILL QUERY '<id>'`: false when no query has that id or it already ended. */
  killQueryId(queryId: string): boolean {
    const record = this.records.find((candidate) => candidate.queryId === queryId.toLowerCase());
    return record === undefined ? false : this.kill(record.id, this.lastAdvanceMs);
  }

  /**
   * The fragment instances of the running queries `fe` coordinates, as SHOW PROC '/current_backend_instances' lists
   * them: one per query and CN, on every CN the query was planned on (the coordinator's own memory: a CN that was
   * dropped or is gone is still listed).
   */
  instances(fe: number): { queryId: string; instanceId: string; cn: string; startedAt: number }[] {
    return this.running()
      .filter((record) => record.fe === fe)
      .flatMap((record) =>
        record.cns.map((cn, index) => ({
          queryId: record.executionId,
          instanceId: instanceIdOf(record.executionId, index),
          cn,
          startedAt: record.startedAt ?? record.arrivedAt,
        })),
      );
  }

  /** Running queries with a fragment on this CN (SHOW PROC '/current_backend_instances', per address). */
  queriesOn(address: string): QueryRecord[] {
    return this.running().filter((record) => record.cns.includes(address) && !record.lostCns.includes(address));
  }

  /** Queries a gone CN left without an answer and nothing has ended yet: they wait for a watchdog or their timeout. */
  lostQueries(): QueryRecord[] {
    return this.running().filter((record) => record.lostCns.length > 0);
  }

  /** Running queries on this CN as the CN itself counts them (`starrocks_be_pip_query_ctx_cnt`). */
  runningOn(address: string): number {
    return this.fragments.get(address) ?? 0;
  }

  cpuPercent(address: string): number {
    return Math.min(100, (100 * this.runningOn(address)) / this.options.slotsPerCN);
  }

  queue(): { running: number; pending: number } {
    return { running: this.running().length, pending: this.waiting.length };
  }

  private running(): QueryRecord[] {
    return this.records.filter((record) => record.startedAt !== null && record.finishedAt === null);
  }

  private startWaiting(nowMs: number): void {
    while (this.waiting.length > 0) {
      const head = this.waiting[0];
      if (head === undefined || this.start(head.record, head.query, nowMs) === 'no-slots') break;
      this.waiting.shift();
    }
  }

  /**
   * Places the query on the least busy schedulable CNs. A CN that rejects the fragments (its process stopping or
   * gone) fails the attempt and is blacklisted by this FE; the query is re-planned once without it (and waits in the
   * queue if slots are short), and fails when a CN rejects it again.
   */
  private start(record: QueryRecord, query: TraceQuery, nowMs: number): 'started' | 'failed' | 'no-slots' {
    const backends = this.view.backends ?? [];
    if (this.view.schedulable.length === 0 && backends.length === 0) {
      this.fail(record, 'no-compute', nowMs);
      return 'failed';
    }
    const blacklisted = this.view.blacklistedOn?.[record.fe] ?? [];
    const computeNodes = this.view.schedulable.filter((cn) => !this.autoBlacklist.has(cn) && !blacklisted.includes(cn));
    const candidates = [...computeNodes, ...backends];
    const want = Math.min(Math.max(1, query.width), candidates.length);
    if (want === 0) return 'no-slots';
    const free = candidates
      .filter((cn) => this.runningOn(cn) < this.options.slotsPerCN)
      .sort((a, b) => this.runningOn(a) - this.runningOn(b));
    if (free.length < want) return 'no-slots';
    const chosen = free.slice(0, want);
    const rejecting = chosen.filter((cn) => this.processState(cn) !== 'running');
    if (rejecting.length > 0) {
      for (const cn of rejecting) this.autoBlacklist.add(cn);
      if (record.retried) {
        this.fail(record, 'rejected', nowMs);
        return 'failed';
      }
      record.retried = true;
      record.executionId = executionIdOf(record.id, 1);
      return this.start(record, query, nowMs);
    }
    record.cns = chosen;
    for (const cn of chosen) this.fragments.set(cn, this.runningOn(cn) + 1);
    record.startedAt = nowMs;
    record.endsAt = nowMs + (query.work * 1000 * (this.options.workFactor?.(chosen, nowMs) ?? 1)) / want;
    return 'started';
  }

  /**
   * CoordinatorMonitor cancels a query on a CN declared dead; a SELECT that has sent no rows yet (here: any query
   * before its end) is re-planned once on the CNs left, like a rejected one, and fails the second time.
   */
  private cancelForDeadNode(record: QueryRecord, nowMs: number): void {
    const query = this.queries.get(record.id);
    if (record.retried || query === undefined) {
      this.fail(record, 'cn-lost', nowMs);
      return;
    }
    this.releaseAll(record);
    Object.assign(record, { retried: true, startedAt: null, endsAt: null, cns: [], lostCns: [], lostAt: null });
    record.executionId = executionIdOf(record.id, 1);
    this.waiting.unshift({ record, query });
  }

  private finish(record: QueryRecord, nowMs: number): void {
    record.finishedAt = nowMs;
    this.releaseAll(record);
  }

  private fail(record: QueryRecord, error: QueryError, nowMs: number): void {
    record.failed = true;
    record.error = error;
    record.finishedAt = nowMs;
    this.releaseAll(record);
  }

  /** Frees the slots its fragments hold on CNs whose process is still there. */
  private releaseAll(record: QueryRecord): void {
    for (const cn of record.cns) {
      if (record.lostCns.includes(cn)) continue;
      const count = this.runningOn(cn);
      if (count <= 1) this.fragments.delete(cn);
      else this.fragments.set(cn, count - 1);
    }
  }
}

/**
 * An id as the FE prints it: a UUID whose first three groups (`hi`) are the attempt's own, and whose last two (`lo`)
 * its instances count up from (`ExecutionDAG.setInstanceId`: lo + n + 1). Attempt 0 is the query id.
 */
function executionIdOf(id: number, attempt: number): string {
  return `${id.toString(16).padStart(8, '0')}-${(0x5eed + attempt).toString(16)}-4a11-8000-000000000000`;
}

function instanceIdOf(executionId: string, index: number): string {
  return `${executionId.slice(0, executionId.lastIndexOf('-'))}-${(index + 1).toString(16).padStart(12, '0')}`;
}
