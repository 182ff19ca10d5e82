// One SHOW COMPUTE NODES and one SHOW RUNNING QUERIES per FE cluster per period, shared by every group that talks to
// that FE, instead of one per reconcile. Concurrent callers share the read in flight; failures are not cached, so the
// next caller retries. An FE that refuses SHOW RUNNING QUERIES (before 3.1.4) is not asked again for a while.
import { isFeError } from './errors.js';
import type { ComputeNodeRecord } from './records.js';
import { isUnknownStatementAnswer, type QueryQueue } from './running-queries.js';

/** What the cache reads from: an FeClient, or anything with the same key and methods. */
export interface SnapshotSource {
  /** Same FE cluster and user gives the same key (FeClient: sorted addresses + user). */
  readonly cacheKey: string;
  showComputeNodes(): Promise<ComputeNodeRecord[]>;
  showRunningQueries(): Promise<QueryQueue>;
}

/** The FE's query queue as this read saw it. */
export type QueueReading =
  | { kind: 'Read'; queue: QueryQueue }
  /** The FE refused the statement (a version before 3.1.4): its answer, not asked again for a while. */
  | { kind: 'Unsupported'; message: string }
  /** No answer this time (timeout, connection lost): the nodes are still good. */
  | { kind: 'Failed'; message: string };

export interface FeSnapshot {
  nodes: readonly ComputeNodeRecord[];
  queue: QueueReading;
  /** When the FE answered, in ms since the epoch (from the cache's clock). */
  fetchedAt: number;
}

/** An FE that refused SHOW RUNNING QUERIES is asked again after this long (it may have been upgraded). */
export const UNSUPPORTED_RECHECK_MS = 10 * 60_000;
/** The queue is read beside the nodes; it may hold the shared snapshot back this long at most. */
export const QUEUE_READ_LIMIT_MS = 2_000;

export interface FeSnapshotCacheOptions {
  /** How long a snapshot is reused. */
  periodMs: number;
  /** Clock, replaceable in tests. */
  now?: () => number;
}

interface Entry {
  snapshot?: FeSnapshot;
  inFlight?: Promise<FeSnapshot>;
  /** Bumped by invalidate(): an answer to a query started before it is returned but not kept. */
  generation: number;
}

export class FeSnapshotCache {
  private readonly periodMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly unsupported = new Map<string, { message: string; until: number }>();

  constructor(options: FeSnapshotCacheOptions) {
    if (!Number.isFinite(options.periodMs) || options.periodMs < 0) {
      throw new Error(`FeSnapshotCache periodMs must be a non-negative number, got ${options.periodMs}`);
    }
    this.periodMs = options.periodMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * The FE's compute nodes, at most periodMs old, or at most `maxAgeMs` when a caller needs a fresher view (pods
   * waiting for their readiness gate): whatever the number of callers, one read per FE per `maxAgeMs` at most.
   */
  async get(source: SnapshotSource, maxAgeMs = this.periodMs): Promise<FeSnapshot> {
    this.pruneExpired();
    const entry = this.entryFor(source.cacheKey);
    if (entry.snapshot && this.isFresh(entry.snapshot, Math.min(maxAgeMs, this.periodMs))) return entry.snapshot;
    if (entry.inFlight) return entry.inFlight;
    const generation = entry.generation;
    const inFlight = this.fetch(source, entry, generation);
    entry.inFlight = inFlight;
    return inFlight;
  }

  /** Forget the snapshot of one FE cluster (call after an ADD or DROP so the next read sees the change). */
  invalidate(cacheKey: string): void {
    const entry = this.entries.get(cacheKey);
    if (!entry) return;
    entry.generation += 1;
    delete entry.snapshot;
    delete entry.inFlight;
  }

  clear(): void {
    this.entries.clear();
    this.unsupported.clear();
  }

  private async fetch(source: SnapshotSource, entry: Entry, generation: number): Promise<FeSnapshot> {
    try {
      // In parallel, the queue bounded on its own: a slow queue read (it is forwarded to the leader FE) must not hold
      // back the nodes, which registration and scale-in wait on.
      const [nodes, queue] = await Promise.all([source.showComputeNodes(), this.readQueueWithin(source)]);
      const snapshot: FeSnapshot = { nodes, queue, fetchedAt: this.now() };
      if (entry.generation === generation) entry.snapshot = snapshot;
      return snapshot;
    } finally {
      if (entry.generation === generation) delete entry.inFlight;
    }
  }

  private async readQueueWithin(source: SnapshotSource): Promise<QueueReading> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<QueueReading>((resolve) => {
      timer = setTimeout(() => {
        resolve({ kind: 'Failed', message: `no answer within ${QUEUE_READ_LIMIT_MS} ms` });
      }, QUEUE_READ_LIMIT_MS);
    });
    try {
      return await Promise.race([this.readQueue(source), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async readQueue(source: SnapshotSource): Promise<QueueReading> {
    const known = this.unsupported.get(source.cacheKey);
    if (known !== undefined && this.now() < known.until) return { kind: 'Unsupported', message: known.message };
    try {
      return { kind: 'Read', queue: await source.showRunningQueries() };
    } catch (error) {
      // Only a syntax error says the version lacks the statement; any other answer (a leader change, too many
      // connections) is this read's bad luck, as is no answer at all.
      if (isFeError(error) && error.feMessage !== undefined && isUnknownStatementAnswer(error.feMessage)) {
        this.unsupported.set(source.cacheKey, { message: error.feMessage, until: this.now() + UNSUPPORTED_RECHECK_MS });
        return { kind: 'Unsupported', message: error.feMessage };
      }
      return { kind: 'Failed', message: error instanceof Error ? error.message : String(error) };
    }
  }

  private entryFor(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { generation: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private isFresh(snapshot: FeSnapshot, maxAgeMs = this.periodMs): boolean {
    return this.now() - snapshot.fetchedAt < maxAgeMs;
  }

  /** Keeps the map as small as the set of FE clusters in use. */
  private pruneExpired(): void {
    for (const [key, entry] of this.entries) {
      if (!entry.inFlight && (!entry.snapshot || !this.isFresh(entry.snapshot))) this.entries.delete(key);
    }
  }
}
