// Deleting a group: take every CN of the group out of the FE, stop the pods, then let the group go (remove the
// finalizer). The pods are stopped before the final check, because a running register sidecar would add its CN
// again; after the deadline the group is released anyway, with an Event naming the addresses that may be left in
// the FE, so a deletion never hangs on an FE that is gone. With spec.drain.order Drain the pods wait for their
// queries through their gates, and the group is held until they are gone: the window, counted from the deletion's
// DROP, is followed as in a scale-in (drain.ts), so a query longer than it is killed rather than left to hang.
import { FINALIZER, type ComputeNodeGroup, type ComputeNodeStatus } from '../../api/v1alpha1/index.js';
import { groupNamespace, statefulSetName } from '../../builders/index.js';
import type { ResolvedConfig } from '../../group/config.js';
import { describeError } from '../../kube/errors.js';
import { planDeletionDrains, planMembership, recordedDrains, type MemberPod } from '../../membership/index.js';
import type { ReconcileResult } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logging.js';
import type { GroupChildren } from './children.js';
import { endDrainWindows } from './drain.js';
import { asFeError } from './fe-membership.js';
import { windowEndEvents } from './pass-events.js';
import type { ClusterPort, EventSink, FePort, FeSession, MembershipSink } from './ports.js';

const DELETION_RETRY_MS = 2_000;

export interface GroupDeletionDeps {
  cluster: ClusterPort;
  fe: FePort;
  events: EventSink;
  children: GroupChildren;
  /** How long a deletion tries to take the group's CNs out of the FE before it gives up and lets go. */
  deletionTimeoutMs: number;
  now: () => Date;
  /** Called once the group is released: whatever is remembered of it goes. */
  forget: (group: ComputeNodeGroup) => void;
  /** Counts the queries killed at the end of a drain window. */
  membership?: MembershipSink | undefined;
}

/** What the deletion observes of the group before acting (the pass' own observation of pods and configuration). */
export type DeletionObservation =
  | { ok: true; config: ResolvedConfig; members: readonly MemberPod[]; podCount: number }
  | { ok: false; problem: string; podCount: number };

export class GroupDeletion {
  /**
   * By group uid: when the deletion's DROP was done (the FE listed none of the group's CNs after it), and the pods
   * whose drain window it dealt with (a deleted group's status is not kept up). An operator restart forgets it: the
   * windows then count from its next pass.
   */
  private readonly memory = new Map<string, { droppedAt: Date; ended: Set<string> }>();

  constructor(private readonly deps: GroupDeletionDeps) {}

  /** One pass of a deletion; `observe` is called only for a group that still carries the operator's finalizer. */
  async finalize(
    group: ComputeNodeGroup,
    deletionTimestamp: string,
    observe: () => Promise<DeletionObservation>,
    logger: Logger,
  ): Promise<ReconcileResult> {
    if (!(group.metadata.finalizers ?? []).includes(FINALIZER)) return {};
    const observed = await observe();
    const { podCount } = observed;
    let failure = observed.ok ? undefined : observed.problem;

    if (observed.ok) {
      const session = this.deps.fe.session(group.spec.feInfo.addresses, observed.config.credentials);
      let remaining: number | undefined;
      try {
        remaining = await this.dropAllMembers(group, session, observed.members);
      } catch (error) {
        failure = asFeError(error).message;
      }
      if (remaining === 0 && podCount === 0) return await this.release(group, logger, []);
      if (remaining !== undefined) this.rememberDrop(group);
      if (podCount > 0) failure = (await this.stopPods(group, logger)) ?? failure;
      if (remaining !== undefined && podCount > 0) {
        await this.followDrains(group, session, observed.members, logger);
      }
      if (remaining !== undefined && failure === undefined) return { requeueAfterMs: DELETION_RETRY_MS };
    } else if (podCount > 0) {
      failure = (await this.stopPods(group, logger)) ?? failure;
    }
    return this.giveUpOrWait(group, deletionTimestamp, failure, logger);
  }

  /** Before the deadline, wait and try again; after it, release the group and name what may be left in the FE. */
  private async giveUpOrWait(
    group: ComputeNodeGroup,
    deletionTimestamp: string,
    failure: string | undefined,
    logger: Logger,
  ): Promise<ReconcileResult> {
    const { events, deletionTimeoutMs } = this.deps;
    if (this.deps.now().getTime() < Date.parse(deletionTimestamp) + deletionTimeoutMs) {
      events.record(group, 'Warning', 'DeletionPending', `cannot finish the deletion yet: ${failure ?? ''}`);
      return { requeueAfterMs: DELETION_RETRY_MS };
    }
    // Once a pass saw the FE list none of the group's CNs, nothing is left there, whatever the stale ledger says:
    // what failed since (the FE, during the drains) leaves nothing to clean up.
    if (this.memory.has(uidOf(group))) return this.release(group, logger, []);
    const leftBehind = registeredAddresses(group.status?.computeNodes ?? []);
    events.record(
      group,
      'Warning',
      'FEMembersLeftBehind',
      `gave up after ${Math.round(deletionTimeoutMs / 1000)}s (${failure ?? 'FE unreachable'}); ` +
        `these CNs may still be listed in the FE: ${leftBehind.join(', ') || 'none known'}. Remove them with ` +
        `ALTER SYSTEM DROP COMPUTE NODE "<address>"`,
    );
    return this.release(group, logger, leftBehind);
  }

  /**
   * Once the CNs are out of the FE and while their pods wait in their gates: at the end of each window (from the
   * deletion's DROP, or a scale-in's own), the queries still on the CN are killed through the FE, once, with the
   * Event a scale-in raises.
   */
  private async followDrains(
    group: ComputeNodeGroup,
    session: FeSession,
    members: readonly MemberPod[],
    logger: Logger,
  ): Promise<void> {
    const { order, windowSeconds } = group.spec.drain;
    const now = this.deps.now();
    const memory = this.rememberDrop(group);
    const drains = planDeletionDrains({
      pods: members,
      order,
      windowSeconds,
      droppedAt: memory.droppedAt,
      previous: recordedDrains(group.status?.computeNodes),
      ended: memory.ended,
      now,
    });
    if (!drains.some((drain) => drain.due)) return;
    const result = await endDrainWindows(session, drains, { windowSeconds }, logger);
    for (const drain of result.drains) if (drain.state.killedQueries !== undefined) memory.ended.add(drain.pod);
    for (const event of windowEndEvents(result.ended)) {
      this.deps.events.record(group, event.type, event.reason, event.message);
    }
    const killed = result.ended.reduce((sum, end) => sum + end.killed.length, 0);
    if (killed > 0) this.deps.membership?.queriesKilled(groupNamespace(group), group.metadata.name, killed);
  }

  /** The first pass after which the FE listed none of the group's CNs: when the drains' windows start. */
  private rememberDrop(group: ComputeNodeGroup): { droppedAt: Date; ended: Set<string> } {
    const uid = uidOf(group);
    const known = this.memory.get(uid);
    if (known !== undefined) return known;
    const fresh = { droppedAt: this.deps.now(), ended: new Set<string>() };
    this.memory.set(uid, fresh);
    return fresh;
  }

  /** DROPs what the FE still lists of the group; returns how many entries were still there. */
  private async dropAllMembers(
    group: ComputeNodeGroup,
    session: FeSession,
    members: readonly MemberPod[],
  ): Promise<number> {
    const { nodes } = await session.computeNodes();
    const plan = planMembership({
      pods: members,
      fe: nodes,
      ledger: group.status?.computeNodes ?? [],
      desiredReplicas: 0,
    });
    if (plan.drop.length === 0) return 0;
    const addresses = plan.drop.map((drop) => drop.address);
    await session.drop(addresses);
    session.invalidate();
    this.deps.events.record(
      group,
      'Normal',
      'CNDropped',
      `group deleted; dropped from the FE: ${addresses.join(', ')}`,
    );
    return addresses.length;
  }

  /**
   * Scales the StatefulSet to 0. A failure is a Kubernetes problem (often RBAC: statefulsets/scale), reported as
   * such and returned, so the deletion still ends at its deadline instead of retrying forever.
   */
  private async stopPods(group: ComputeNodeGroup, logger: Logger): Promise<string | undefined> {
    if (this.deps.children.statefulSetReplicas(group) === 0) return undefined;
    try {
      await this.deps.cluster.scaleStatefulSet(groupNamespace(group), statefulSetName(group), 0);
      return undefined;
    } catch (error) {
      const message =
        `cannot scale StatefulSet ${statefulSetName(group)} to 0: ${describeError(error)}; ` +
        `check the operator's RBAC (statefulsets/scale)`;
      logger.warn({ err: describeError(error) }, 'cannot stop the pods of a deleted group');
      this.deps.events.record(group, 'Warning', 'StopPodsFailed', message);
      return message;
    }
  }

  private async release(
    group: ComputeNodeGroup,
    logger: Logger,
    leftBehind: readonly string[],
  ): Promise<ReconcileResult> {
    this.deps.forget(group);
    this.memory.delete(uidOf(group));
    const finalizers = (group.metadata.finalizers ?? []).filter((finalizer) => finalizer !== FINALIZER);
    await this.deps.cluster.setFinalizers(
      groupNamespace(group),
      group.metadata.name,
      finalizers,
      group.metadata.resourceVersion,
    );
    logger.info(
      { leftBehind },
      leftBehind.length === 0 ? 'group released: no CN left in the FE' : 'group released with CNs left in the FE',
    );
    return {};
  }
}

function registeredAddresses(ledger: readonly ComputeNodeStatus[]): string[] {
  return ledger.filter((entry) => entry.registered).map((entry) => entry.address);
}

function uidOf(group: ComputeNodeGroup): string {
  return group.metadata.uid ?? `${groupNamespace(group)}/${group.metadata.name}`;
}
