// Deleting a group: take every CN of the group out of the FE, stop the pods, then let the group go (remove the
// finalizer). The pods are stopped before the final check, because a running register sidecar would add its CN
// again; after the deadline the group is released anyway, with an Event naming the addresses that may be left in
// the FE, so a deletion never hangs on an FE that is gone.
import { FINALIZER, type ComputeNodeGroup, type ComputeNodeStatus } from '../../api/v1alpha1/index.js';
import { groupNamespace, statefulSetName } from '../../builders/index.js';
import type { ResolvedConfig } from '../../group/config.js';
import { describeError } from '../../kube/errors.js';
import { planMembership, type MemberPod } from '../../membership/index.js';
import type { ReconcileResult } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logging.js';
import type { GroupChildren } from './children.js';
import { asFeError } from './fe-membership.js';
import type { ClusterPort, EventSink, FePort } from './ports.js';

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
}

/** What the deletion observes of the group before acting (the pass' own observation of pods and configuration). */
export type DeletionObservation =
  | { ok: true; config: ResolvedConfig; members: readonly MemberPod[]; podCount: number }
  | { ok: false; problem: string; podCount: number };

export class GroupDeletion {
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
      let remaining: number | undefined;
      try {
        remaining = await this.dropAllMembers(group, observed.config, observed.members);
      } catch (error) {
        failure = asFeError(error).message;
      }
      if (remaining === 0 && podCount === 0) return await this.release(group, logger, []);
      if (podCount > 0) failure = (await this.stopPods(group, logger)) ?? failure;
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

  /** DROPs what the FE still lists of the group; returns how many entries were still there. */
  private async dropAllMembers(
    group: ComputeNodeGroup,
    config: ResolvedConfig,
    members: readonly MemberPod[],
  ): Promise<number> {
    const session = this.deps.fe.session(group.spec.feInfo.addresses, config.credentials);
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
