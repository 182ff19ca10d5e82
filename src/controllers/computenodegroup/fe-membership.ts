// The FE side of a pass: read the FE (one shared snapshot), send the DROPs and ADDs the membership plan asks for,
// decide the StatefulSet's replicas from the FE as it is after them, and set each pod's readiness gate
// (`cnInfo.registration: Operator`). Every decision is a pure function of `membership/`; this file does the I/O
// and records what happened in the pass' observations, never an Event itself (pass-events.ts).
import { FE_ALIVE_CONDITION, type ComputeNodeGroup } from '../../api/v1alpha1/index.js';
import { groupNamespace, statefulSetName } from '../../builders/index.js';
import { FeError, isFeError, type ComputeNodeRecord, type QueueReading } from '../../fe/index.js';
import type { PodView } from '../../group/pods.js';
import { describeError } from '../../kube/errors.js';
import {
  decideReplicas,
  planReadinessGates,
  planScaleIn,
  waitingSince,
  type FeComputeNode,
  type MemberPod,
  type MembershipPlan,
  type PlannedAdd,
  type PlannedDrop,
  type ReplicaDecision,
} from '../../membership/index.js';
import type { Logger } from '../../runtime/logging.js';
import type { FeReadOutcome } from './observations.js';
import type { ClusterPort, FeSession, MembershipSink } from './ports.js';

export interface FeRead {
  observation: FeReadOutcome;
  nodes: readonly ComputeNodeRecord[] | null;
  queue: QueueReading | null;
  fetchedAt: number;
}

/** What the FE accepted of a pass' statements, and the first error it answered. */
export interface FeActions {
  added: PlannedAdd[];
  dropped: PlannedDrop[];
  error: FeError | undefined;
}

/** SHOW COMPUTE NODES and the queue, shared with every group on the same FE; a failure is an observation. */
export async function readFe(session: FeSession, maxAgeMs: number | undefined): Promise<FeRead> {
  try {
    const { nodes, queue, feAddress, fetchedAt } = await session.computeNodes(maxAgeMs);
    return { observation: { kind: 'Read', feAddress }, nodes, queue, fetchedAt };
  } catch (error) {
    return { observation: { kind: 'Failed', error: asFeError(error) }, nodes: null, queue: null, fetchedAt: 0 };
  }
}

const LOGGED = { drop: 'dropped compute nodes from the FE', add: 'added compute nodes to the FE' } as const;

/** DROPs first (leaving and vanished CNs), then ADDs; each statement is bounded by the FE client's timeouts. */
export async function actOnFe(
  group: ComputeNodeGroup,
  session: FeSession,
  plan: MembershipPlan,
  logger: Logger,
  sink: MembershipSink | undefined,
): Promise<FeActions> {
  const actions: FeActions = { added: [], dropped: [], error: undefined };
  /** Sends one statement for `entries`; what the FE accepted is counted and logged, a refusal kept (the first one). */
  const send = async <Entry extends { address: string }>(
    action: 'add' | 'drop',
    entries: readonly Entry[],
  ): Promise<Entry[]> => {
    if (entries.length === 0) return [];
    try {
      const addresses = entries.map((entry) => entry.address);
      await (action === 'drop' ? session.drop(addresses) : session.add(addresses));
      sink?.changed(groupNamespace(group), group.metadata.name, action, entries.length);
      logger.info({ [action]: entries }, LOGGED[action]);
      return [...entries];
    } catch (error) {
      actions.error ??= asFeError(error);
      return [];
    }
  };
  actions.dropped = await send('drop', plan.drop);
  actions.added = await send('add', plan.add);
  if (actions.added.length + actions.dropped.length > 0) session.invalidate();
  if (actions.error !== undefined) {
    logger.warn({ kind: actions.error.kind, err: actions.error.message }, 'FE refused a membership change');
  }
  return actions;
}

export interface GroupReplicaInputs {
  group: ComputeNodeGroup;
  /** The number of CNs the group should run now (src/capacity: spec.replicas, schedules, suspension). */
  desired: number;
  members: readonly MemberPod[];
  /** The FE after this pass' statements; null when it was not read. */
  feAfter: readonly FeComputeNode[] | null;
  /** The StatefulSet's replicas as cached; undefined when it does not exist yet. */
  current: number | undefined;
  now: Date;
  feWaitLimitMs: number;
}

/** The StatefulSet's replicas: a scale-in lowers them only once the leaving CNs are out of the FE. */
export function decideGroupReplicas(inputs: GroupReplicaInputs): ReplicaDecision {
  const { group, current, desired } = inputs;
  const scaleIn = planScaleIn({
    statefulSetName: statefulSetName(group),
    currentReplicas: current ?? desired,
    desiredReplicas: desired,
    pods: inputs.members,
    ledger: group.status?.computeNodes ?? [],
    fe: inputs.feAfter,
    order: group.spec.drain.order,
  });
  return decideReplicas({
    desired,
    current,
    scaleIn,
    feReachable: inputs.feAfter !== null,
    waitingSince: waitingSince(group.status),
    now: inputs.now,
    feWaitLimitMs: inputs.feWaitLimitMs,
  });
}

/**
 * `cnInfo.registration: Operator`: each pod's readiness gate follows the FE's view after this pass. A failed patch
 * is logged and retried on the next pass (the pod just stays as it was). Returns how many pods still wait.
 */
export async function setReadinessGates(
  cluster: ClusterPort,
  group: ComputeNodeGroup,
  members: readonly MemberPod[],
  pods: readonly PodView[],
  feAfter: readonly FeComputeNode[] | null,
  logger: Logger,
): Promise<number> {
  const gateOf = new Map(pods.map((pod) => [pod.name, pod.feAliveGate]));
  const plan = planReadinessGates(
    members.map((member) => ({ ...member, gate: gateOf.get(member.name) })),
    feAfter,
  );
  for (const change of plan.changes) {
    try {
      await cluster.setPodCondition(groupNamespace(group), change.pod, {
        type: FE_ALIVE_CONDITION,
        status: change.status,
        reason: change.reason,
        message: change.message,
      });
    } catch (error) {
      logger.warn({ pod: change.pod, err: describeError(error) }, 'cannot set the readiness gate of a CN pod');
    }
  }
  return plan.waiting;
}

export function asFeError(error: unknown): FeError {
  if (isFeError(error)) return error;
  return new FeError('Unknown', error instanceof Error ? error.message : String(error));
}
