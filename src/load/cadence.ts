// How soon a group's load is read again. Pure.
//
// At rest every group reads the FE once per sync period (`--fe-sync-period`, shared by every group on that FE), the
// cost a quiet cluster pays. A group that scales on its queries and whose queries outgrow it is read faster
// (`--busy-fe-sync-period`): while queries wait in the FE's queue, or while its load asks for more CNs than are alive,
// the HPA's next sync should find a figure seconds old, not a period old. Only a scale-up is urgent: a scale-down
// waits out the HPA's stabilization window anyway, so a falling load keeps the rest period.
import { isLoadMetricName } from './board.js';
import type { GroupLoad } from './figures.js';
import type { AutoScalingPolicy } from '../api/v1alpha1/index.js';

export type LoadCadence = { kind: 'Rest' } | { kind: 'Busy'; why: 'QueriesQueued' | 'AboveTarget' };

/** Whether the group's HPA reads one of the operator's load figures: `queries`, or an Object metric named after one. */
export function scalesOnLoad(policy: AutoScalingPolicy | undefined): boolean {
  if (policy === undefined) return false;
  if (policy.queries !== undefined) return true;
  return (policy.hpaPolicy?.metrics ?? []).some((metric) => {
    const name = metric.type === 'Object' ? metric.object?.metric.name : undefined;
    return name !== undefined && isLoadMetricName(name);
  });
}

/** The cadence of the next read, from the load this pass read (undefined: not read). */
export function loadCadence(policy: AutoScalingPolicy | undefined, load: GroupLoad | undefined): LoadCadence {
  if (load === undefined || !scalesOnLoad(policy)) return { kind: 'Rest' };
  if ((load.pendingQueries ?? 0) > 0) return { kind: 'Busy', why: 'QueriesQueued' };
  const target = policy?.queries?.targetPerCN;
  const queryLoad = load.queryLoad;
  if (target !== undefined && queryLoad !== null && queryLoad > target * load.aliveComputeNodes) {
    return { kind: 'Busy', why: 'AboveTarget' };
  }
  return { kind: 'Rest' };
}
