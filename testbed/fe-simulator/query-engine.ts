// A query workload inside the FE simulator, enough to show what autoscaling does to queries. Queries arrive from a
// trace (arrival time, work in CN-seconds, width: how many CNs its fragments may use). Each alive registered CN offers
// `slotsPerCN` fragment slots. A query starts when `min(width, alive CNs)` CNs have a free slot: its fragments go to
// the least busy of them and stay there until it ends, `work / CNs used` seconds later, so a CN added after a query
// started does nothing for it. Queries wait in arrival order (the FE's query queue) while no such set of slots is
// free. A CN dropped from the FE takes no new fragments; a CN whose pod stops while fragments run on it fails their
// queries, which is how an unsafe scale-in shows. The engine reports what the FE reports: NumRunningQueries and
// CpuUsedPct per CN (fragments over slots), and SHOW RUNNING QUERIES.
//
// Time is given by the caller (`advance(nowMs)`), so a test or a benchmark decides how fast a trace plays.

export interface TraceQuery {
  /** Arrival, in ms from the start of the trace. */
  at: number;
  /** CN-seconds of work: a query on n CNs runs work / n seconds. */
  work: number;
  /** The most CNs its fragments use. */
  width: number;
}

export interface QueryRecord {
  id: number;
  arrivedAt: number;
  startedAt: number | null;
  endsAt: number | null;
  finishedAt: number | null;
  failed: boolean;
  /** The CN addresses its fragments run on. */
  cns: string[];
}

export interface QueryEngineOptions {
  slotsPerCN: number;
}

export class QueryEngine {
  readonly records: QueryRecord[] = [];
  private readonly waiting: { record: QueryRecord; query: TraceQuery }[] = [];
  private readonly fragments = new Map<string, number>();
  private aliveCns: readonly string[] = [];
  private nextId = 1;

  constructor(private readonly options: QueryEngineOptions) {}

  /** The CNs that may take new fragments: registered and alive in the FE (the caller keeps this current). */
  setAliveComputeNodes(addresses: readonly string[]): void {
    this.aliveCns = [...addresses];
  }

  submit(query: TraceQuery, nowMs: number): QueryRecord {
    const record: QueryRecord = {
      id: this.nextId++,
      arrivedAt: nowMs,
      startedAt: null,
      endsAt: null,
      finishedAt: null,
      failed: false,
      cns: [],
    };
    this.records.push(record);
    this.waiting.push({ record, query });
    return record;
  }

  /** Ends the queries whose time is up, then starts waiting ones in arrival order while slots allow. */
  advance(nowMs: number): void {
    for (const record of this.records) {
      if (record.startedAt === null || record.finishedAt !== null || record.failed) continue;
      if (record.endsAt !== null && record.endsAt <= nowMs) this.finish(record, nowMs);
    }
    while (this.waiting.length > 0) {
      const head = this.waiting[0];
      if (head === undefined || !this.start(head.record, head.query, nowMs)) break;
      this.waiting.shift();
    }
  }

  /** A CN's pod stopped: every query with a fragment on it fails. */
  stopComputeNode(address: string, nowMs: number): number {
    let failed = 0;
    for (const record of this.records) {
      if (record.startedAt === null || record.finishedAt !== null || record.failed) continue;
      if (!record.cns.includes(address)) continue;
      record.failed = true;
      record.finishedAt = nowMs;
      for (const cn of record.cns) this.release(cn);
      failed += 1;
    }
    this.fragments.delete(address);
    return failed;
  }

  runningOn(address: string): number {
    return this.fragments.get(address) ?? 0;
  }

  cpuPercent(address: string): number {
    return Math.min(100, (100 * this.runningOn(address)) / this.options.slotsPerCN);
  }

  queue(): { running: number; pending: number } {
    const running = this.records.filter((r) => r.startedAt !== null && r.finishedAt === null && !r.failed).length;
    return { running, pending: this.waiting.length };
  }

  private start(record: QueryRecord, query: TraceQuery, nowMs: number): boolean {
    const want = Math.min(Math.max(1, query.width), this.aliveCns.length);
    if (want === 0) return false;
    const free = this.aliveCns
      .filter((cn) => this.runningOn(cn) < this.options.slotsPerCN)
      .sort((a, b) => this.runningOn(a) - this.runningOn(b));
    if (free.length < want) return false;
    record.cns = free.slice(0, want);
    for (const cn of record.cns) this.fragments.set(cn, this.runningOn(cn) + 1);
    record.startedAt = nowMs;
    record.endsAt = nowMs + (query.work * 1000) / want;
    return true;
  }

  private finish(record: QueryRecord, nowMs: number): void {
    record.finishedAt = nowMs;
    for (const cn of record.cns) this.release(cn);
  }

  private release(address: string): void {
    const count = this.runningOn(address);
    if (count <= 1) this.fragments.delete(address);
    else this.fragments.set(address, count - 1);
  }
}
