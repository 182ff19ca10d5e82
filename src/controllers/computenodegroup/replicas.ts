// How many pods the StatefulSet may have right now. Scale-out is immediate. Scale-in is ordered: the leaving CNs
// (the highest ordinals) leave the FE first, so the FE stops scheduling new fragments on them while their running
// queries finish, and only then does the StatefulSet lose them. Which CNs leave and whether the FE still lists them
// is planScaleIn's business (membership); this module only decides when the StatefulSet may shrink.
import type { ScaleInPlan } from '../../membership/index.js';

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
  | { kind: 'WaitingForFeDrop'; replicas: number; leaving: readonly number[] }
  | { kind: 'ScaleInWithoutFe'; replicas: number; leaving: readonly number[] };

export function decideReplicas(inputs: ReplicaInputs): ReplicaDecision {
  const { desired, current, scaleIn } = inputs;
  if (current === undefined || current === desired) return { kind: 'Steady', replicas: desired };
  if (desired > current) return { kind: 'ScaleOut', replicas: desired };
  if (scaleIn.safeToLower) return { kind: 'ScaleIn', replicas: desired };
  // A reachable FE that refuses a drop is retried, never skipped; only an FE nobody can reach is waited out, so
  // an FE outage cannot block Kubernetes-side work forever. The ledger keeps the addresses for a later DROP.
  if (!inputs.feReachable && waitedTooLong(inputs)) {
    return { kind: 'ScaleInWithoutFe', replicas: desired, leaving: scaleIn.leaving };
  }
  return { kind: 'WaitingForFeDrop', replicas: current, leaving: scaleIn.leaving };
}

function waitedTooLong(inputs: ReplicaInputs): boolean {
  if (inputs.waitingSince === undefined) return false;
  return inputs.now.getTime() - inputs.waitingSince.getTime() >= inputs.feWaitLimitMs;
}
