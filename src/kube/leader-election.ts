// Leader election on a coordination.k8s.io/v1 Lease, with client-go's timings: lease 15 s, renew deadline 10 s,
// retry every 2 s (jittered). Only the leader runs controllers:
//
//   const elector = new LeaderElector({ rest, namespace, name, identity, logger, metrics,
//     onStartedLeading: (signal) => startControllers(signal),
//     onStoppedLeading: (reason) => stopControllersThenCampaignAgain() });  // a new elector for the next term
//   await elector.run();                             // resolves when leadership ends or stop() is called
//
// Safety: the leader stops (onStoppedLeading) when it could not renew for renewDeadline (10 s), before any follower
// may take over (15 s after it last saw the lease change), so two replicas never act at once. On an orderly stop
// the leader releases the lease (empty holder, 1 s duration) so a follower takes over within one retry period.
// The renew loop notices a lapse only when a round ends; a process paused past the deadline (SIGSTOP, a frozen VM, a
// long GC pause) wakes with timers and work due at once, before that round. So writers also ask mayAct() before each
// write: it holds only while the last renewal is younger than the renew deadline by this process' own clock.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { sleep, systemClock, type Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logging.js';
import type { OperatorMetrics } from '../runtime/metrics.js';
import type { Grant } from './access.js';
import { describeError, isNotFound } from './errors.js';
import { decideLease, leaseRecordOf, nextLeaseRecord, recordChanged, type LeaseRecord } from './lease-decision.js';
import { LEADER_POD_ACCESS } from './leader-pod.js';
import { formatMicroTime } from './microtime.js';
import type { KubeRest } from './rest.js';

export interface LeaderElectorOptions {
  rest: Pick<KubeRest, 'request'>;
  namespace: string;
  /** The Lease name (--leader-election-id). */
  name: string;
  /** Unique per process; default `<hostname>_<uuid>`. */
  identity?: string;
  logger: Logger;
  metrics?: OperatorMetrics;
  clock?: Clock;
  random?: () => number;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called once when this replica becomes leader; `signal` aborts when leadership ends. */
  onStartedLeading: (signal: AbortSignal) => void;
  /**
   * Called once when leadership ends: 'lost' (renewal failed or another replica holds the lease: stop acting now; a
   * new elector may campaign again) or 'released' (stop() was called: an orderly shutdown already in progress).
   */
  onStoppedLeading: (reason: 'lost' | 'released') => void;
}

/**
 * The Role leader election needs in the Lease's namespace. The elector gets, creates and updates its Lease; list,
 * watch and patch, and the Events, are the rest of kubebuilder's leader-election Role, kept so the Role is the one
 * kubebuilder installs expect.
 */
export const LEADER_ELECTION_GRANT: Grant = {
  name: 'leader-election',
  scope: { kind: 'own' },
  role: {
    access: [
      {
        apiGroups: ['coordination.k8s.io'],
        resource: 'leases',
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
      },
      { apiGroups: ['', 'events.k8s.io'], resource: 'events', verbs: ['create', 'patch'] },
      LEADER_POD_ACCESS,
    ],
  },
  why: "Leader election: one Lease in the operator's own namespace, the Events about it, and the leader's pod label.",
};

export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

export class LeaderElector {
  readonly identity: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly logger: Logger;
  private readonly stopController = new AbortController();
  /** The last lease record seen and when (local clock) it was first seen: the basis of expiry. */
  private observed: { record: LeaseRecord | undefined; at: number } | undefined;
  private leading = false;
  private leadership: AbortController | undefined;
  /** Local time at the start of the last round that wrote the lease as ours. */
  private renewedAt: number | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.identity = options.identity ?? defaultIdentity();
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2000;
    if (this.renewDeadlineMs >= this.leaseDurationMs || this.retryPeriodMs >= this.renewDeadlineMs) {
      throw new Error('leader election needs retryPeriod < renewDeadline < leaseDuration');
    }
    this.logger = options.logger.child({ lease: `${options.namespace}/${options.name}`, identity: this.identity });
    this.setMetric(false);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Whether this replica may write now: it leads, and renewed the lease less than the renew deadline ago. */
  mayAct(): boolean {
    return this.leading && this.renewedAt !== undefined && this.clock.now() - this.renewedAt < this.renewDeadlineMs;
  }

  /** Acquires, then renews until the lease is lost or stop() is called. Resolves when leadership (or waiting) ends. */
  async run(): Promise<void> {
    const acquired = await this.acquireLoop();
    if (!acquired) return;
    this.becomeLeader();
    await this.renewLoop();
    this.endLeadership(this.isStopped() ? 'released' : 'lost');
  }

  /** Stops campaigning; a leader releases the lease so a follower takes over at once. */
  async stop(): Promise<void> {
    if (this.stopController.signal.aborted) return;
    this.stopController.abort();
    if (this.leading) await this.release();
    this.endLeadership('released');
  }

  private isStopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async acquireLoop(): Promise<boolean> {
    this.logger.info('attempting to acquire the leader lease');
    while (!this.isStopped()) {
      if ((await this.tryAcquireOrRenew()) === 'held') return !this.isStopped();
      await sleep(this.clock, this.jittered(this.retryPeriodMs), this.stopController.signal);
    }
    return false;
  }

  private async renewLoop(): Promise<void> {
    let lastRenew = this.clock.now();
    while (!this.isStopped()) {
      await sleep(this.clock, this.retryPeriodMs, this.stopController.signal);
      if (this.isStopped()) return;
      const round = await this.tryAcquireOrRenew();
      if (round === 'held') {
        lastRenew = this.clock.now();
        continue;
      }
      if (round === 'taken') {
        this.logger.error('another replica holds the leader lease; stepping down');
        return;
      }
      if (this.clock.now() - lastRenew >= this.renewDeadlineMs) {
        this.logger.error(
          { renewDeadlineMs: this.renewDeadlineMs },
          'could not renew the leader lease in time; stepping down',
        );
        return;
      }
    }
  }

  /** One round: read the lease, decide, write: we hold it, another replica does, or the round failed. */
  private async tryAcquireOrRenew(): Promise<'held' | 'taken' | 'failed'> {
    const now = this.clock.now();
    try {
      const current = await this.read();
      const decision = decideLease(current.record, this.observed?.at ?? now, now, this.identity);
      if (decision === 'wait') return 'taken';
      const next = nextLeaseRecord(
        current.record,
        decision,
        this.identity,
        this.leaseDurationMs / 1000,
        formatMicroTime(new Date(now)),
      );
      await this.write(next, current.resourceVersion, current.exists);
      this.observed = { record: next, at: this.clock.now() };
      // The lease runs from when the round started (its renewTime): a follower may count from about then.
      this.renewedAt = now;
      return 'held';
    } catch (error: unknown) {
      this.logger.warn({ err: describeError(error) }, 'leader lease round failed');
      return 'failed';
    }
  }

  private async read(): Promise<{
    record: LeaseRecord | undefined;
    resourceVersion: string | undefined;
    exists: boolean;
  }> {
    try {
      const lease = await this.options.rest.request({
        method: 'GET',
        path: this.path(),
        timeoutMs: this.requestTimeoutMs(),
      });
      const record = leaseRecordOf(lease);
      const resourceVersion = resourceVersionOf(lease);
      if (!this.observed || recordChanged(this.observed.record, record)) {
        this.observed = { record, at: this.clock.now() };
      }
      return { record, resourceVersion, exists: true };
    } catch (error: unknown) {
      if (isNotFound(error)) return { record: undefined, resourceVersion: undefined, exists: false };
      throw error;
    }
  }

  private async write(record: LeaseRecord, resourceVersion: string | undefined, exists: boolean): Promise<void> {
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.options.name, namespace: this.options.namespace, ...(exists ? { resourceVersion } : {}) },
      spec: record,
    };
    const timeoutMs = this.requestTimeoutMs();
    // PUT with the resourceVersion read: a concurrent writer makes this fail with 409 instead of both winning.
    if (exists) await this.options.rest.request({ method: 'PUT', path: this.path(), body, timeoutMs });
    else await this.options.rest.request({ method: 'POST', path: this.collectionPath(), body, timeoutMs });
  }

  private async release(): Promise<void> {
    try {
      const current = await this.read();
      if (current.record?.holderIdentity !== this.identity) return;
      const now = formatMicroTime(new Date(this.clock.now()));
      const released: LeaseRecord = { ...current.record, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now };
      await this.write(released, current.resourceVersion, true);
      this.logger.info('released the leader lease');
    } catch (error: unknown) {
      this.logger.warn({ err: describeError(error) }, 'could not release the leader lease; it expires by itself');
    }
  }

  private becomeLeader(): void {
    this.leading = true;
    this.setMetric(true);
    this.leadership = new AbortController();
    this.logger.info('became leader');
    this.options.onStartedLeading(this.leadership.signal);
  }

  private endLeadership(reason: 'lost' | 'released'): void {
    if (!this.leading) return;
    this.leading = false;
    this.setMetric(false);
    this.leadership?.abort();
    this.logger.info({ reason }, 'stopped leading');
    this.options.onStoppedLeading(reason);
  }

  private setMetric(leading: boolean): void {
    this.options.metrics?.leaderElectionMasterStatus.set({ name: this.options.name }, leading ? 1 : 0);
  }

  /** Each request must end well inside the renew deadline. */
  private requestTimeoutMs(): number {
    return Math.max(1000, Math.floor(this.renewDeadlineMs / 2));
  }

  private jittered(ms: number): number {
    return ms * (1 + 0.2 * this.random());
  }

  private collectionPath(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
  }

  private path(): string {
    return `${this.collectionPath()}/${encodeURIComponent(this.options.name)}`;
  }
}

function resourceVersionOf(object: unknown): string | undefined {
  if (typeof object !== 'object' || object === null || !('metadata' in object)) return undefined;
  const metadata = object.metadata;
  if (typeof metadata !== 'object' || metadata === null || !('resourceVersion' in metadata)) return undefined;
  return typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : undefined;
}
