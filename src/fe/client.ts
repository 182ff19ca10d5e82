// The FE client: the MySQL text protocol only (FEs before 3.2 reject prepared statements), every FE address tried in
// turn, the one that answered remembered, one reusable connection per FE, and a deadline on every call.
import type { Connection, QueryResult } from 'mysql2';
import type { Logger } from '../runtime/logging.js';
import { ALWAYS_ACT, refuseUnless, type MayAct } from '../runtime/write-fence.js';
import { formatHostPort, parseHostPort, type HostPort } from '../cn/index.js';
import {
  classifyConnectionFailure,
  classifyFeAnswer,
  FeError,
  isConnectionFailure,
  redact,
  toDriverError,
  type FeErrorKind,
} from './errors.js';
import {
  currentQueryIds,
  instancesOn,
  isUnknownQueryAnswer,
  queriesOwning,
  renderKillQuery,
  SHOW_BACKEND_INSTANCES,
  SHOW_CURRENT_QUERIES,
} from './drain-queries.js';
import { parseIdleStatus, type FeIdleReading } from './idle-status.js';
import { parseComputeNodeRows, type ComputeNodeRecord, type ResultRow } from './records.js';
import { parseRunningQueryRows, SHOW_RUNNING_QUERIES, type QueryQueue } from './running-queries.js';
import {
  isReadStatement,
  parseIdempotentAnswer,
  renderAddComputeNodes,
  renderDropComputeNodes,
  SHOW_BACKENDS,
  SHOW_COMPUTE_NODES,
  type IdempotentAnswer,
} from './sql.js';
import { isRecord } from '../util/guards.js';

/**
 * The MySQL driver, loaded on the first connection: a manager with no group (or whose groups' FEs are not read yet)
 * does not carry it (its weight: docs/benchmarks.md, "Where the bytes went").
 */
let driver: Promise<typeof import('mysql2')> | undefined;
function loadDriver(): Promise<typeof import('mysql2')> {
  // `.default` is the driver's module.exports both under Node and in the bundle, which gives a CommonJS package
  // loaded by `import()` no named exports (hack/bundle.ts).
  driver ??= import('mysql2').then((module) => module.default);
  return driver;
}

export interface FeClientOptions {
  /** FE query addresses, `host:query_port` (9030 by default on the FE). Tried in this order, with failover. */
  addresses: string[];
  user: string;
  password: string;
  /** Time to open a connection and log in, per FE address. Default 5000. */
  connectTimeoutMs?: number;
  /** Time for one statement's answer. Default 10000. */
  queryTimeoutMs?: number;
  logger?: Logger;
  /** The write fence, asked before every statement that is not a read (runtime/write-fence.ts). Default: always. */
  mayAct?: MayAct;
}

/** What one FE said of the queries on a CN: their ids, or why it could not say. */
export type BackendQueries = { fe: string; queryIds: string[] } | { fe: string; error: FeError };

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_QUERY_TIMEOUT_MS = 10000;
// The outer guard fires only if the driver's own timers did not; it keeps a call from hanging on a driver bug.
const GUARD_SLACK_MS = 1000;

interface Endpoint {
  host: string;
  port: number;
  /** `host:port` as printed in errors and logs. */
  label: string;
}

/** Validates FE addresses (same syntax as CN addresses). Throws FeError InvalidAddress naming the bad entry. */
export function parseFeAddresses(addresses: readonly string[]): HostPort[] {
  if (addresses.length === 0) {
    throw new FeError('InvalidAddress', 'no FE address given: set at least one host:query_port');
  }
  return addresses.map((text, index) => {
    const parsed = parseHostPort(text.trim(), 'FE');
    if (!parsed.ok) throw new FeError('InvalidAddress', `FE address ${index}: ${parsed.message}`);
    return parsed.value;
  });
}

/** Validates CN addresses for ADD/DROP before any SQL is sent; duplicates are removed, order kept. */
export function parseCnAddressList(addresses: readonly string[]): HostPort[] {
  const seen = new Set<string>();
  const result: HostPort[] = [];
  for (const text of addresses) {
    const parsed = parseHostPort(text);
    if (!parsed.ok) throw new FeError('InvalidAddress', parsed.message);
    const key = formatHostPort(parsed.value);
    if (!seen.has(key)) {
      seen.add(key);
      result.push(parsed.value);
    }
  }
  return result;
}

/** The key FeSnapshotCache shares snapshots under: the same FE cluster seen by the same user. */
export function feCacheKey(addresses: readonly string[], user: string): string {
  return `${[...addresses]
    .map((a) => a.trim())
    .sort()
    .join(',')}|${user}`;
}

export class FeClient {
  readonly cacheKey: string;
  private readonly endpoints: readonly Endpoint[];
  private readonly user: string;
  private readonly password: string;
  private readonly connectTimeoutMs: number;
  private readonly queryTimeoutMs: number;
  private readonly logger: Logger | undefined;
  private readonly mayAct: MayAct;
  private readonly connections = new Map<string, Promise<Connection>>();
  private preferred = 0;
  private closed = false;

  constructor(options: FeClientOptions) {
    this.endpoints = parseFeAddresses(options.addresses).map((a) => ({
      host: a.host,
      port: a.port,
      label: formatHostPort(a),
    }));
    this.user = options.user;
    this.password = options.password;
    this.connectTimeoutMs = positiveOr(options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS);
    this.queryTimeoutMs = positiveOr(options.queryTimeoutMs, DEFAULT_QUERY_TIMEOUT_MS);
    this.logger = options.logger;
    this.mayAct = options.mayAct ?? ALWAYS_ACT;
    this.cacheKey = feCacheKey(options.addresses, options.user);
  }

  /** The FE address that answered last (the first one tried next time). */
  get currentAddress(): string {
    return this.endpoints[this.preferred]?.label ?? '';
  }

  async showComputeNodes(): Promise<ComputeNodeRecord[]> {
    const { result, endpoint } = await this.execute(SHOW_COMPUTE_NODES);
    if (!Array.isArray(result)) {
      throw new FeError('Unknown', `FE ${endpoint.label} answered SHOW COMPUTE NODES without rows`, {
        feAddress: endpoint.label,
      });
    }
    const rows: unknown[] = result;
    const parsed = parseComputeNodeRows(rows.filter(isResultRow));
    if (!parsed.ok)
      throw new FeError('Unknown', `FE ${endpoint.label}: ${parsed.message}`, { feAddress: endpoint.label });
    return parsed.value;
  }

  /**
   * How many BEs the FE reports alive (SHOW BACKENDS, the same privilege as SHOW COMPUTE NODES). Read only when a
   * group would go to 0 CNs: with no alive BE or CN at all, every query fails.
   */
  async aliveBackends(): Promise<number> {
    const { result, endpoint } = await this.execute(SHOW_BACKENDS);
    if (!Array.isArray(result)) {
      throw new FeError('Unknown', `FE ${endpoint.label} answered SHOW BACKENDS without rows`, {
        feAddress: endpoint.label,
      });
    }
    const rows: unknown[] = result;
    return rows.filter(isResultRow).filter((row) => String(row['Alive']).toLowerCase() === 'true').length;
  }

  /**
   * Every FE's GET /api/idle_status on `httpPort` (the FE's http_port): no credentials (the FE asks for none), each
   * request bounded by the connect timeout. Each FE counts only the SQL it runs, so all of them are asked.
   */
  async idleStatuses(httpPort: number): Promise<FeIdleReading[]> {
    return Promise.all(
      this.endpoints.map(async (endpoint): Promise<FeIdleReading> => {
        const url = `http://${formatHostPort({ host: endpoint.host, port: httpPort })}/api/idle_status`;
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(this.connectTimeoutMs), redirect: 'manual' });
          return parseIdleStatus(response.status, await boundedText(response, IDLE_STATUS_MAX_BYTES));
        } catch (error) {
          return { kind: 'Failed', message: `${url}: ${error instanceof Error ? error.message : String(error)}` };
        }
      }),
    );
  }

  /** The FE's query queue (3.1.4 and later; older FEs answer a syntax error, thrown as an FeError with feMessage). */
  async showRunningQueries(): Promise<QueryQueue> {
    const { result, endpoint } = await this.execute(SHOW_RUNNING_QUERIES);
    const rows: unknown[] = Array.isArray(result) ? result : [];
    const parsed = parseRunningQueryRows(rows.filter(isResultRow));
    if (!parsed.ok)
      throw new FeError('Unknown', `FE ${endpoint.label}: ${parsed.message}`, { feAddress: endpoint.label });
    return parsed.value;
  }

  /**
   * The queries each FE coordinates that run fragments on the CN at `host`: asked of every FE address, since both
   * PROCs answer for the FE that runs them. One entry per address: the ids (and how many of the CN's instances no
   * listed query owns: a query the FE retried shows a new id there), or why it could not say.
   */
  async queriesOnHost(host: string): Promise<BackendQueries[]> {
    return Promise.all(
      this.endpoints.map(async (endpoint): Promise<BackendQueries> => {
        try {
          const instances = instancesOn(await this.rowsOn(endpoint, SHOW_BACKEND_INSTANCES), host);
          if (!instances.ok) throw new FeError('Unknown', `FE ${endpoint.label}: ${instances.message}`);
          if (instances.value.length === 0) return { fe: endpoint.label, queryIds: [] };
          // It asks every CN of those queries for statistics (up to 10 s in the FE): a longer bound than other reads.
          const rows = await this.rowsOn(endpoint, SHOW_CURRENT_QUERIES, 2 * this.queryTimeoutMs);
          const queries = currentQueryIds(rows);
          if (!queries.ok) throw new FeError('Unknown', `FE ${endpoint.label}: ${queries.message}`);
          return { fe: endpoint.label, queryIds: queriesOwning(instances.value, queries.value) };
        } catch (error) {
          return { fe: endpoint.label, error: this.toFeError(error, endpoint) };
        }
      }),
    );
  }

  /**
   * `KILL QUERY '<id>'` (3.4 and later; the FE finds the coordinator). Resolves 'killed', or 'gone' when no FE knows
   * the id any more (the query ended); an FE that cannot kill by id answers a syntax error, thrown as an FeError.
   */
  async killQuery(queryId: string): Promise<'killed' | 'gone'> {
    try {
      await this.execute(renderKillQuery(queryId));
      return 'killed';
    } catch (error) {
      if (error instanceof FeError && error.feMessage !== undefined && isUnknownQueryAnswer(error.feMessage)) {
        return 'gone';
      }
      throw error;
    }
  }

  /** Adds every address; "already exists" (any wording) counts as done. Invalid addresses: nothing is sent. */
  async addComputeNodes(addresses: string[]): Promise<void> {
    await this.applyIdempotently(parseCnAddressList(addresses), renderAddComputeNodes, 'alreadyExists');
  }

  /** Drops every address; "does not exists" counts as done. Invalid addresses: nothing is sent. */
  async dropComputeNodes(addresses: string[]): Promise<void> {
    await this.applyIdempotently(parseCnAddressList(addresses), renderDropComputeNodes, 'doesNotExist');
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      pending.map(async (opening) => {
        closeQuietly(await opening.catch(() => undefined));
      }),
    );
  }

  /**
   * One statement for all addresses (the common case: one round trip). If the FE answers that one of them is
   * already in the wanted state, the outcome for the others depends on the version (2.4 checks all first and does
   * nothing; 3.3+ applies them in order and stops at the first such node), so the rest are then sent one per
   * statement, where the answer for each is unambiguous. At most 1 + n statements, whatever the version.
   */
  private async applyIdempotently(
    addresses: readonly HostPort[],
    render: (addresses: readonly HostPort[]) => string,
    successKind: IdempotentAnswer['kind'],
  ): Promise<void> {
    if (addresses.length === 0) return;
    const named = await this.executeIdempotent(render(addresses), successKind);
    if (named === undefined || addresses.length === 1) return;
    for (const address of addresses) {
      if (formatHostPort(address) === named) continue;
      await this.executeIdempotent(render([address]), successKind);
    }
  }

  /** Undefined when the statement succeeded; the address the FE named when it answered "already so". */
  private async executeIdempotent(sql: string, successKind: IdempotentAnswer['kind']): Promise<string | undefined> {
    try {
      await this.execute(sql);
      return undefined;
    } catch (error) {
      const answer = error instanceof FeError && error.feMessage ? parseIdempotentAnswer(error.feMessage) : undefined;
      if (answer?.kind !== successKind) throw error;
      this.logger?.debug(
        { fe: error instanceof FeError ? error.feAddress : undefined, address: answer.address },
        'FE reports the wanted state already holds',
      );
      return answer.address;
    }
  }

  /**
   * Runs one statement on the first FE that answers, starting with the one that answered last. The choke point of
   * every statement: a write is refused here (NotLeadingError) while the fence says no.
   */
  private async execute(sql: string): Promise<{ result: QueryResult; endpoint: Endpoint }> {
    if (this.closed) throw new FeError('Unknown', 'the FE client is closed');
    if (!isReadStatement(sql)) refuseUnless(this.mayAct);
    const failures: string[] = [];
    let lastKind: FeErrorKind = 'Unreachable';
    for (let attempt = 0; attempt < this.endpoints.length; attempt++) {
      const index = (this.preferred + attempt) % this.endpoints.length;
      const endpoint = this.endpoints[index];
      if (endpoint === undefined) continue;
      try {
        const result = await this.guarded(endpoint, sql);
        this.preferred = index;
        return { result, endpoint };
      } catch (error) {
        const feError = this.toFeError(error, endpoint);
        if (feError.feMessage !== undefined) {
          // The FE answered: another FE would answer the same, so no failover.
          this.preferred = index;
          throw feError;
        }
        lastKind = feError.kind;
        failures.push(`${endpoint.label}: ${feError.kind} (${feError.message})`);
        this.logger?.warn({ fe: endpoint.label, kind: feError.kind }, 'FE did not answer; trying the next address');
      }
    }
    const last = this.endpoints[(this.preferred + this.endpoints.length - 1) % this.endpoints.length];
    throw new FeError(lastKind, `no FE answered: ${failures.join('; ')}`, last ? { feAddress: last.label } : {});
  }

  /** A read on this one FE (no failover: the answer is about this FE). */
  private async rowsOn(endpoint: Endpoint, sql: string, queryTimeoutMs = this.queryTimeoutMs): Promise<ResultRow[]> {
    if (this.closed) throw new FeError('Unknown', 'the FE client is closed');
    if (!isReadStatement(sql)) throw new Error(`rowsOn runs reads only, not ${sql}`);
    const result = await this.guarded(endpoint, sql, queryTimeoutMs);
    const rows: unknown[] = Array.isArray(result) ? result : [];
    return rows.filter(isResultRow);
  }

  /** Connect + query with the driver's timeouts, and an outer deadline that destroys the connection. */
  private async guarded(endpoint: Endpoint, sql: string, queryTimeoutMs = this.queryTimeoutMs): Promise<QueryResult> {
    const deadlineMs = this.connectTimeoutMs + queryTimeoutMs + GUARD_SLACK_MS;
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.forget(endpoint);
        reject(
          new FeError('Timeout', `FE ${endpoint.label} gave no answer within ${deadlineMs} ms`, {
            feAddress: endpoint.label,
          }),
        );
      }, deadlineMs);
    });
    try {
      return await Promise.race([this.queryOn(endpoint, sql, queryTimeoutMs), guard]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async queryOn(endpoint: Endpoint, sql: string, queryTimeoutMs: number): Promise<QueryResult> {
    const reused = this.connections.has(endpoint.label);
    try {
      return await this.queryOnce(endpoint, sql, queryTimeoutMs);
    } catch (error) {
      // A kept connection may have been closed by the FE while idle (restart, idle timeout): one fresh try on the
      // same FE before failing over. Safe for ADD/DROP because both are idempotent. Not after a timeout: a slow FE
      // would only double the wait.
      if (!reused || isAnswer(error) || isTimeout(error)) throw error;
      this.logger?.debug({ fe: endpoint.label }, 'kept FE connection failed; reconnecting once');
      return await this.queryOnce(endpoint, sql, queryTimeoutMs);
    }
  }

  private async queryOnce(endpoint: Endpoint, sql: string, queryTimeoutMs: number): Promise<QueryResult> {
    const connection = await this.connectionTo(endpoint);
    this.logger?.debug({ fe: endpoint.label, sql }, 'FE statement');
    try {
      return await new Promise<QueryResult>((resolve, reject) => {
        connection.query<QueryResult>({ sql, timeout: queryTimeoutMs }, (error, result) => {
          if (error) reject(error);
          else resolve(result);
        });
      });
    } catch (error) {
      // An error packet leaves the connection usable; anything else (timeout, lost socket) does not.
      if (!isAnswer(error)) this.forget(endpoint);
      throw error;
    }
  }

  private connectionTo(endpoint: Endpoint): Promise<Connection> {
    // A call that started before close() must not leave a new connection behind.
    if (this.closed) return Promise.reject(new FeError('Unknown', 'the FE client is closed'));
    const existing = this.connections.get(endpoint.label);
    if (existing) return existing;
    const opening = this.open(endpoint);
    this.connections.set(endpoint.label, opening);
    opening.catch(() => {
      if (this.connections.get(endpoint.label) === opening) this.connections.delete(endpoint.label);
    });
    return opening;
  }

  private async open(endpoint: Endpoint): Promise<Connection> {
    const mysql = await loadDriver();
    return new Promise<Connection>((resolve, reject) => {
      const connection = mysql.createConnection({
        host: endpoint.host,
        port: endpoint.port,
        user: this.user,
        password: this.password,
        connectTimeout: this.connectTimeoutMs,
        multipleStatements: false,
        dateStrings: true,
      });
      // A connection error after the answer (FE restarted, idle socket closed) must not crash the process:
      // forget the connection so the next call opens a new one.
      connection.on('error', () => {
        this.forgetIf(endpoint, connection);
      });
      connection.connect((error) => {
        if (error) {
          connection.destroy();
          reject(error);
        } else resolve(connection);
      });
    });
  }

  private forget(endpoint: Endpoint): void {
    const opening = this.connections.get(endpoint.label);
    this.connections.delete(endpoint.label);
    void opening?.then(closeQuietly, () => undefined);
  }

  private forgetIf(endpoint: Endpoint, connection: Connection): void {
    const opening = this.connections.get(endpoint.label);
    void opening?.then(
      (current) => {
        if (current === connection) this.forget(endpoint);
      },
      () => undefined,
    );
    connection.destroy();
  }

  private toFeError(error: unknown, endpoint: Endpoint): FeError {
    if (error instanceof FeError) return error;
    const driver = toDriverError(error);
    const feAddress = endpoint.label;
    if (!isConnectionFailure(driver) && driver.sqlMessage !== undefined) {
      const feMessage = redact(driver.sqlMessage, this.password);
      const kind = classifyFeAnswer(driver.errno, feMessage);
      return new FeError(kind, `FE ${feAddress} refused the statement: ${feMessage} (error ${driver.errno ?? '?'})`, {
        feMessage,
        feAddress,
      });
    }
    const kind = classifyConnectionFailure(driver);
    const detail = redact(driver.code ?? driver.message, this.password);
    return new FeError(kind, `FE ${feAddress}: ${kind === 'Timeout' ? 'timed out' : 'unreachable'} (${detail})`, {
      feAddress,
    });
  }
}

function isAnswer(error: unknown): boolean {
  const driver = toDriverError(error);
  return driver.sqlMessage !== undefined && !isConnectionFailure(driver);
}

function isTimeout(error: unknown): boolean {
  if (error instanceof FeError) return error.kind === 'Timeout';
  return classifyConnectionFailure(toDriverError(error)) === 'Timeout';
}

function isResultRow(value: unknown): value is ResultRow {
  return isRecord(value);
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function closeQuietly(connection: Connection | undefined): void {
  // destroy, not end: end waits for the FE's answer to COM_QUIT, which a stalled FE never sends.
  connection?.destroy();
}

/** The idle status is a few hundred bytes; anything much longer is not an FE's answer. */
const IDLE_STATUS_MAX_BYTES = 64 * 1024;

/** The body as text, at most `maxBytes` of it (the rest is not read: the stream is cancelled). */
async function boundedText(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const result: { done: boolean; value?: unknown } = await reader.read();
    const chunk = result.value;
    if (result.done || !(chunk instanceof Uint8Array)) break;
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= maxBytes) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, maxBytes);
}
