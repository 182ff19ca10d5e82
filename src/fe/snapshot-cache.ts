// One SHOW COMPUTE NODES per FE cluster per period, shared by every group that talks to that FE, instead of one per
// reconcile. Concurrent callers share the query in flight; failures are not cached, so the next caller retries.
import type { ComputeNodeRecord } from './records.js';

/** What the cache reads from: an FeClient, or anything with the same key and method. */
export interface SnapshotSource {
  /** Same FE cluster and user gives the same key (FeClient: sorted addresses + user). */
  readonly cacheKey: string;
  showComputeNodes(): Promise<ComputeNodeRecord[]>;
}

export interface FeSnapshot {
  nodes: readonly ComputeNodeRecord[];
  /** When the FE answered, in ms since the epoch (from the cache's clock). */
  fetchedAt: number;
}

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
  }

  private async fetch(source: SnapshotSource, entry: Entry, generation: number): Promise<FeSnapshot> {
    try {
      const nodes = await source.showComputeNodes();
      const snapshot: FeSnapshot = { nodes, fetchedAt: this.now() };
      if (entry.generation === generation) entry.snapshot = snapshot;
      return snapshot;
    } finally {
      if (entry.generation === generation) delete entry.inFlight;
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
