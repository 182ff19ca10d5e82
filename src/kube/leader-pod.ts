// The leader's pod carries a label, so a Service can select the replica that leads and no other. Only the leader reads
// the FE, so only it has the figures of the custom metrics API: with two replicas a Service over every pod sends half
// the HPA's reads to a follower, which can only answer 503. With the label in the Service's selector, the API
// server's aggregator reaches the leader alone, and a failover moves the Service with the lease.
//
// The label's value is the Lease's name: two installs in one namespace (each with its own Lease) mark and sweep only
// their own pods. Each replica keeps its own part of "exactly the leader's pod is marked", from a list of the pods
// marked with its Lease's name (the decision is pure): the leader marks its pod and unmarks any other (a leader that
// crashed, or was paused past its lease, cannot unmark its own); a follower unmarks its own pod (a restarted
// container of an old leader keeps the pod and its labels) and leaves the others to the leader. The leader's writes
// pass the write fence, so a leader paused past its lease cannot mark its pod after the next one swept it. A round
// runs when leadership changes and every `periodMs`; a failed round is logged (once per distinct error) and retried
// then. Shutdown unmarks this replica's pod before the lease is released, within a few seconds: the lease release
// after it must fit in the manager's 25 s shutdown.
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { Logger } from '../runtime/logging.js';
import type { Access } from './access.js';
import type { MayAct } from '../runtime/write-fence.js';
import { describeError, isNotFound } from './errors.js';
import type { KubeRest } from './rest.js';

/**
 * The label on the leader's pod, its value the Lease's name (`--leader-election-id`); the custom metrics Service of
 * deploy/ and of the Helm chart selects it.
 */
export const LEADER_POD_LABEL = 'starrocks.com/cn-operator-leader';

/** Whether a Lease name can be the label's value (at most 63 characters, alphanumeric at both ends). */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(value);
}

/** What the marker needs in the operator's own namespace (part of the leader election Role). */
export const LEADER_POD_ACCESS: Access = {
  apiGroups: [''],
  resource: 'pods',
  verbs: ['get', 'list', 'patch'],
  why: 'The leader labels its own pod, and unlabels the others, so the custom metrics Service selects it alone.',
};

/** One label change on one pod. */
export interface MarkChange {
  pod: string;
  mark: boolean;
}

/**
 * This replica's part of "exactly the leader's pod is marked": `marked` lists the pods that carry the label now.
 * The leader marks its own pod and unmarks the others; a follower only unmarks its own.
 */
export function leaderMarkChanges(self: string, leading: boolean, marked: readonly string[]): MarkChange[] {
  if (!leading) return marked.includes(self) ? [{ pod: self, mark: false }] : [];
  const changes = marked.filter((pod) => pod !== self).map((pod) => ({ pod, mark: false }));
  return marked.includes(self) ? changes : [{ pod: self, mark: true }, ...changes];
}

/** The merge patch that sets the label to `value` or removes it (null removes it). */
export function markPatch(mark: boolean, value: string): { metadata: { labels: Record<string, string | null> } } {
  return { metadata: { labels: { [LEADER_POD_LABEL]: mark ? value : null } } };
}

const markedListSchema = z.object({
  items: z.array(z.object({ metadata: z.object({ name: z.string() }) })).nullable(),
});

/** The names in a (metadata-only) pod list; an empty PartialObjectMetadataList carries `items: null`. */
export function markedPodNames(list: unknown): string[] {
  return (markedListSchema.parse(list).items ?? []).map((item) => item.metadata.name);
}

const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const REQUEST_TIMEOUT_MS = 10_000;
/** On shutdown: how long a round under way may still run, and the bound of the unmarking patch. */
const SHUTDOWN_WAIT_MS = 2_000;
const SHUTDOWN_PATCH_TIMEOUT_MS = 3_000;

export interface LeaderPodMarkerOptions {
  rest: Pick<KubeRest, 'request'>;
  logger: Logger;
  /** The pod this replica runs in (the downward API's POD_NAMESPACE and POD_NAME). */
  namespace: string;
  pod: string;
  /** The Lease's name: the label's value (check it with isLabelValue). */
  leaseName: string;
  /** Whether this replica leads now. */
  leading: () => boolean;
  /** The write fence of the current term: asked before the leader's own writes. */
  mayAct: MayAct;
  /** Default 10 s. */
  periodMs?: number;
}

export class LeaderPodMarker {
  private readonly logger: Logger;
  private readonly periodMs: number;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;
  private lastError: string | undefined;

  constructor(private readonly options: LeaderPodMarkerOptions) {
    this.logger = options.logger.child({ pod: `${options.namespace}/${options.pod}`, label: LEADER_POD_LABEL });
    this.periodMs = options.periodMs ?? 10_000;
  }

  /** Runs a round now and then every period. */
  start(): void {
    this.nudge();
  }

  /** Runs a round as soon as the one under way (if any) ends: leadership changed. */
  nudge(): void {
    if (this.stopped) return;
    this.clearTimer();
    this.again = true;
    this.round = this.round.then(() => this.runIfDue());
  }

  /**
   * Stops the rounds and unmarks this replica's pod, in about 5 s at most (a failure is logged; the next leader sweeps
   * the label). A round under way gets 2 s; removing a label the pod does not carry changes nothing.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await Promise.race([this.round, delay(SHUTDOWN_WAIT_MS, undefined, { ref: false })]);
    try {
      await this.patch({ pod: this.options.pod, mark: false }, SHUTDOWN_PATCH_TIMEOUT_MS);
    } catch (error) {
      if (isNotFound(error)) return;
      this.logger.warn({ err: describeError(error) }, 'could not unmark this pod on shutdown; the next leader will');
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async runIfDue(): Promise<void> {
    if (!this.again || this.isStopped()) return;
    this.again = false;
    await this.syncOnce();
    // A nudge during the round queued another one: that one arms the timer when it ends.
    if (this.isStopped() || this.isQueued()) return;
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.nudge();
    }, this.periodMs);
    this.timer.unref();
  }

  /** Methods, not the fields: stop() or nudge() may have run while a round awaited. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private isQueued(): boolean {
    return this.again;
  }

  private async syncOnce(): Promise<void> {
    const { pod, leading, mayAct } = this.options;
    try {
      const isLeader = leading();
      const changes = leaderMarkChanges(pod, isLeader, await this.listMarked());
      for (const change of changes) {
        // A follower unmarking itself is always safe; the leader's writes wait for a lease it surely holds.
        if (isLeader && !mayAct()) return;
        await this.patch(change);
        this.logger.info({ target: change.pod, leading: isLeader }, change.mark ? 'marked as leader' : 'unmarked');
      }
      if (this.lastError !== undefined) this.logger.info('leader pod label in order again');
      this.lastError = undefined;
    } catch (error) {
      const message = describeError(error);
      if (message !== this.lastError) {
        this.logger.error(
          { err: message },
          'cannot keep the leader pod label (the custom metrics Service selects it): check the Role of the ' +
            "operator's namespace (pods: get, list, patch) and POD_NAME / POD_NAMESPACE; retrying every period",
        );
      }
      this.lastError = message;
    }
  }

  private async listMarked(): Promise<string[]> {
    const list = await this.options.rest.request({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}/pods`,
      query: { labelSelector: `${LEADER_POD_LABEL}=${this.options.leaseName}` },
      accept: METADATA_LIST_ACCEPT,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    return markedPodNames(list);
  }

  private async patch(change: MarkChange, timeoutMs = REQUEST_TIMEOUT_MS): Promise<void> {
    await this.options.rest.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}/pods/${encodeURIComponent(change.pod)}`,
      contentType: 'application/merge-patch+json',
      body: markPatch(change.mark, this.options.leaseName),
      timeoutMs,
    });
  }
}
