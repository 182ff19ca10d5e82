// How soon a group's load is read again. Pure.
//
// At rest every group reads the FE once per sync period (`--fe-sync-period`, shared by every group on that FE), the
// cost a quiet cluster pays. A group that scales on its queries, whose HPA could add a CN and would (its load above
// the target by more than the HPA's tolerance), is read faster (`--busy-fe-sync-period`): the HPA's next sync should
// find a figure seconds old, not a period old. Only a scale-up is urgent: a scale-down waits out the HPA's
// stabilization window anyway, so a falling load keeps the rest period, and so does a group that cannot grow (at its
// maximum, or suspended: its HPA is gone).
import { z } from 'zod';
import { isLoadMetricName } from './board.js';
import type { GroupLoad } from './figures.js';
import type { AutoScalingPolicy } from '../api/v1alpha1/index.js';

/** kube-controller-manager's default `--horizontal-pod-autoscaler-tolerance`: within it the HPA does nothing. */
export const HPA_TOLERANCE = 0.1;

export type LoadCadence = { kind: 'Rest' } | { kind: 'Busy'; why: 'QueriesQueued' | 'AboveTarget' };

/** Where the group's HPA stands this pass (src/capacity): undefined when it has none (no policy, or suspended). */
export interface ScalingRoom {
  /** The CNs the group runs now (the HPA's current replicas). */
  replicas: number;
  maxReplicas: number;
}

// hpaPolicy.metrics are copied from the spec as the API server kept them: read the one field needed, never trust it.
const objectMetricName = z.object({
  type: z.literal('Object'),
  object: z.object({ metric: z.object({ name: z.string() }) }),
});

/** Whether the group's HPA reads one of the operator's load figures: `queries`, or an Object metric named after one. */
export function scalesOnLoad(policy: AutoScalingPolicy | undefined): boolean {
  if (policy === undefined) return false;
  if (policy.queries !== undefined) return true;
  return (policy.hpaPolicy?.metrics ?? []).some((metric: unknown) => {
    const parsed = objectMetricName.safeParse(metric);
    return parsed.success && isLoadMetricName(parsed.data.object.metric.name);
  });
}

/** The cadence of the next read, from the load this pass read (undefined: not read). */
export function loadCadence(
  policy: AutoScalingPolicy | undefined,
  load: GroupLoad | undefined,
  room: ScalingRoom | undefined,
): LoadCadence {
  if (load === undefined || room === undefined || !scalesOnLoad(policy)) return { kind: 'Rest' };
  if (room.replicas >= room.maxReplicas) return { kind: 'Rest' };
  const target = policy?.queries?.targetPerCN;
  // An Object metric written by hand: its target is not known here, a queue is the sign.
  if (target === undefined) return (load.pendingQueries ?? 0) > 0 ? { kind: 'Busy', why: 'QueriesQueued' } : REST;
  // Without the queue (its read failed this time) the running queries alone still tell a group short of CNs.
  const figure = load.queryLoad ?? load.runningQueries;
  if (figure === null) return REST;
  if (figure <= target * Math.max(room.replicas, 1) * (1 + HPA_TOLERANCE)) return REST;
  return { kind: 'Busy', why: (load.pendingQueries ?? 0) > 0 ? 'QueriesQueued' : 'AboveTarget' };
}

const REST: LoadCadence = { kind: 'Rest' };
