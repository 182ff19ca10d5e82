// How many pods the StatefulSet may have right now. Scale-out is immediate. Scale-in is ordered: the leaving CNs
// (the highest ordinals) leave the FE first, so the FE stops scheduling new fragments on them while their running
// queries finish, and only then does the StatefulSet lose them. The StatefulSet removes its highest ordinals
// first, so lowering `replicas` to N removes exactly the ordinals >= N.

export interface ReplicaInputs {
  /** `spec.replicas` of the ComputeNodeGroup: the user's or the HPA's wish. */
  desired: number;
  /** `spec.replicas` of the existing StatefulSet; undefined when it does not exist yet. */
  current: number | undefined;
  /** Ordinals >= desired whose address the FE still lists (they must leave the FE before their pod stops). */
  leavingStillRegistered: readonly number[];
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
  const { desired, current } = inputs;
  if (current === undefined || current === desired) return { kind: 'Steady', replicas: desired };
  if (desired > current) return { kind: 'ScaleOut', replicas: desired };

  const stillRegistered = inputs.leavingStillRegistered.filter((ordinal) => ordinal >= desired && ordinal < current);
  if (stillRegistered.length === 0) return { kind: 'ScaleIn', replicas: desired };

  // Ordinals above the highest still-registered one have left the FE and may go now; the rest wait.
  const holdAt = Math.max(...stillRegistered) + 1;
  if (!inputs.feReachable && waitedTooLong(inputs)) {
    return { kind: 'ScaleInWithoutFe', replicas: desired, leaving: stillRegistered };
  }
  return { kind: 'WaitingForFeDrop', replicas: Math.min(current, holdAt), leaving: stillRegistered };
}

function waitedTooLong(inputs: ReplicaInputs): boolean {
  if (inputs.waitingSince === undefined) return false;
  return inputs.now.getTime() - inputs.waitingSince.getTime() >= inputs.feWaitLimitMs;
}
