// Scale-in, the product's most delicate safety rule, in one place: the leaving ordinals leave the FE first, and only
// then does the StatefulSet lose them, so the FE stops scheduling new fragments on a CN before its pod is stopped
// (running queries finish while the pod's preStop drain gate waits for them: builders/drain-gate.ts). With
// `spec.drain.order: StopFirst` (the official operator's order) the StatefulSet shrinks at once and the DROPs follow
// the pods.
//
//   isLeaving        (cn/ordinal.ts) the one definition of a leaving CN: its ordinal is at or above spec.replicas
//   feAfterActions   the FE as it is after this pass's ADDs and DROPs (a DROP the FE acknowledged counts as done)
//   planScaleIn      which ordinals leave, which of their addresses the FE still lists, whether lowering is safe
//   decideReplicas   how many pods the StatefulSet may have right now
//   waitingSince     since when a scale-in has waited for its DROPs (recorded in the MembershipSynced condition)
import { ConditionType, type Condition, type DrainOrder } from '../api/v1alpha1/index.js';
import {
  addressKey,
  addressKeyOf,
  formatHostPort,
  isLeaving,
  isValidHost,
  leavingOrdinals,
  parseHostPort,
  podOrdinal,
} from '../cn/index.js';
import type { FeComputeNode, LedgerEntry, MemberPod, MembershipOutcome } from './plan.js';

/**
 * The FE's compute nodes once this pass's statements ran: dropped addresses are gone, added ones are listed but not
 * yet alive (the FE heartbeats them within seconds). Null stays null: without a read there is no view.
 */
export function feAfterActions(
  fe: readonly FeComputeNode[] | null,
  outcome: MembershipOutcome,
): readonly FeComputeNode[] | null {
  if (fe === null) return null;
  // Unchanged, the same answer: what is derived from it (the membership index) is kept per answer.
  if (outcome.added.length === 0 && outcome.dropped.length === 0) return fe;
  const dropped = new Set(outcome.dropped.map(addressKeyOf));
  const remaining = fe.filter((row) => !dropped.has(addressKey({ host: row.host, port: row.heartbeatPort })));
  const added = outcome.added.flatMap((text): FeComputeNode[] => {
    const parsed = parseHostPort(text);
    return parsed.ok ? [{ host: parsed.value.host, heartbeatPort: parsed.value.port, alive: false }] : [];
  });
  return [...remaining, ...added];
}

export interface ScaleInInput {
  statefulSetName: string;
  /** The StatefulSet's current spec.replicas. */
  currentReplicas: number;
  /** The group's spec.replicas. */
  desiredReplicas: number;
  pods: readonly MemberPod[];
  /** The group's ledger: an old address of a leaving ordinal counts too. */
  ledger: readonly LedgerEntry[];
  /** The FE's compute nodes after this pass (feAfterActions), or null when the FE could not be read. */
  fe: readonly FeComputeNode[] | null;
  /** spec.drain.order: with `StopFirst` the StatefulSet shrinks at once and the DROP follows the pods. */
  order?: DrainOrder;
}

export interface ScaleInPlan {
  /** Ordinals the StatefulSet loses, highest first; empty when it does not shrink. */
  leaving: number[];
  /** Addresses of leaving CNs that the FE still lists (in the FE's own spelling): DROP these first. */
  stillInFe: string[];
  /** True when nothing leaves, or every leaving address is out of the FE. */
  safeToLower: boolean;
}

export function planScaleIn(input: ScaleInInput): ScaleInPlan {
  const leaving = leavingOrdinals(input.currentReplicas, input.desiredReplicas);
  if (leaving.length === 0 || input.order === 'StopFirst') return { leaving, stillInFe: [], safeToLower: true };
  if (input.fe === null) return { leaving, stillInFe: [], safeToLower: false };

  const leavingKeys = new Set<string>();
  for (const pod of input.pods) {
    if (!isLeaving(pod.ordinal, input.desiredReplicas) || pod.address === null) continue;
    const key = addressKeyOf(pod.address);
    if (key !== null) leavingKeys.add(key);
  }
  for (const entry of input.ledger) {
    const ordinal = podOrdinal(input.statefulSetName, entry.pod);
    if (ordinal === undefined || !isLeaving(ordinal, input.desiredReplicas)) continue;
    const key = addressKeyOf(entry.address);
    if (key !== null) leavingKeys.add(key);
  }

  const stillInFe = new Set<string>();
  for (const row of input.fe) {
    if (!isValidHost(row.host)) continue;
    const hostPort = { host: row.host, port: row.heartbeatPort };
    if (leavingKeys.has(addressKey(hostPort))) stillInFe.add(formatHostPort(hostPort));
  }
  return { leaving, stillInFe: [...stillInFe].sort(), safeToLower: stillInFe.size === 0 };
}

/**
 * The waiting state: the decision kind, and the MembershipSynced reason whose lastTransitionTime says when the wait
 * began (the status is the only memory that survives an operator restart).
 */
export const WAITING_FOR_FE_DROP = 'WaitingForFEDrop';
/** The wait ended without the FE: the pods stop and their addresses stay in the ledger for a later DROP. */
export const SCALE_IN_WITHOUT_FE = 'ScaleInWithoutFE';

export interface ReplicaInputs {
  /** `spec.replicas` of the ComputeNodeGroup: the user's or the HPA's wish. */
  desired: number;
  /** `spec.replicas` of the existing StatefulSet; undefined when it does not exist yet. */
  current: number | undefined;
  scaleIn: Pick<ScaleInPlan, 'leaving' | 'safeToLower'>;
  /** Whether the FE answered this reconcile; when it did not, drops cannot be confirmed. */
  feReachable: boolean;
  /** When the group started waiting for the FE to confirm a scale-in drop; undefined when not waiting. */
  waitingSince: Date | undefined;
  now: Date;
  /** How long a scale-in may wait for an unreachable FE before the pods are removed anyway. */
  feWaitLimitMs: number;
}

export type ReplicaDecision =
  | { kind: 'Steady'; replicas: number }
  | { kind: 'ScaleOut'; replicas: number }
  | { kind: 'ScaleIn'; replicas: number }
  | { kind: typeof WAITING_FOR_FE_DROP; replicas: number; leaving: readonly number[] }
  | { kind: typeof SCALE_IN_WITHOUT_FE; replicas: number; leaving: readonly number[] };

/** Scale-out is immediate; scale-in lowers the StatefulSet only once the leaving CNs are out of the FE. */
export function decideReplicas(inputs: ReplicaInputs): ReplicaDecision {
  const { desired, current, scaleIn } = inputs;
  if (current === undefined || current === desired) return { kind: 'Steady', replicas: desired };
  if (desired > current) return { kind: 'ScaleOut', replicas: desired };
  if (scaleIn.safeToLower) return { kind: 'ScaleIn', replicas: desired };
  // A reachable FE that refuses a drop is retried, never skipped; only an FE nobody can reach is waited out, so
  // an FE outage cannot block Kubernetes-side work forever. The ledger keeps the addresses for a later DROP.
  if (!inputs.feReachable && waitedTooLong(inputs)) {
    return { kind: SCALE_IN_WITHOUT_FE, replicas: desired, leaving: scaleIn.leaving };
  }
  return { kind: WAITING_FOR_FE_DROP, replicas: current, leaving: scaleIn.leaving };
}

function waitedTooLong(inputs: ReplicaInputs): boolean {
  if (inputs.waitingSince === undefined) return false;
  return inputs.now.getTime() - inputs.waitingSince.getTime() >= inputs.feWaitLimitMs;
}

/** When the current scale-in wait began, read from the group's status; undefined when it is not waiting. */
export function waitingSince(status: { conditions?: readonly Condition[] | undefined } | undefined): Date | undefined {
  const condition = status?.conditions?.find((c) => c.type === ConditionType.MembershipSynced);
  if (condition?.reason !== WAITING_FOR_FE_DROP) return undefined;
  const since = new Date(condition.lastTransitionTime);
  return Number.isNaN(since.getTime()) ? undefined : since;
}
