// Standard conditions (type, status, reason, message, observedGeneration, lastTransitionTime). The transition time
// moves only when the status flips, so `kubectl describe` shows how long a problem has lasted, and the status is
// byte-identical from one quiet reconcile to the next (no write when nothing changed).
import { ConditionType, type Condition, type ConditionReason } from '../../api/v1alpha1/index.js';

export type ConditionStatus = Condition['status'];

export interface ConditionUpdate {
  type: ConditionType;
  status: ConditionStatus;
  reason: ConditionReason;
  message: string;
}

/** The conditions after `updates`, keeping transition times of unchanged statuses and conditions not updated. */
export function mergeConditions(
  previous: readonly Condition[],
  updates: readonly ConditionUpdate[],
  generation: number | undefined,
  now: Date,
): Condition[] {
  const merged = new Map<string, Condition>(previous.map((condition) => [condition.type, condition]));
  for (const update of updates) {
    const old = merged.get(update.type);
    const lastTransitionTime =
      old !== undefined && old.status === update.status ? old.lastTransitionTime : kubeTime(now);
    merged.set(update.type, {
      type: update.type,
      status: update.status,
      reason: update.reason,
      message: update.message,
      lastTransitionTime,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
    });
  }
  return [...merged.values()].sort((a, b) => conditionOrder(a.type) - conditionOrder(b.type));
}

/** The summary: Ready is True only when every other condition is. The first failing one explains why not. */
export function readyCondition(updates: readonly ConditionUpdate[]): ConditionUpdate {
  const blocking = updates.find((update) => update.type !== ConditionType.Ready && update.status !== 'True');
  if (blocking === undefined) {
    return { type: ConditionType.Ready, status: 'True', reason: 'Ready', message: 'CNs run and the FE lists them all' };
  }
  return {
    type: ConditionType.Ready,
    status: blocking.status === 'Unknown' ? 'Unknown' : 'False',
    reason: blocking.reason,
    message: `${blocking.type}: ${blocking.message}`,
  };
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: ConditionType,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** metav1.Time: RFC 3339 with whole seconds (the API server drops fractions, which would look like a change). */
export function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ORDER: readonly string[] = [
  ConditionType.Ready,
  ConditionType.ConfigResolved,
  ConditionType.ChildrenApplied,
  ConditionType.WorkloadAvailable,
  ConditionType.FEReachable,
  ConditionType.MembershipSynced,
  ConditionType.Autoscaling,
];

function conditionOrder(type: string): number {
  const index = ORDER.indexOf(type);
  return index === -1 ? ORDER.length : index;
}
