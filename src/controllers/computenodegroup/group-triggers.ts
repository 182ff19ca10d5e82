// Which events of a group start a pass. Every pass ends by writing the status it computed, and the operator is the
// only writer of that status: the update event the write causes would start a pass over what the last one has just
// acted on (a new version to parse, the FE snapshot read again, the children compared). Skipping them, and keeping
// the children across such versions (the reconciler's desiredChildren), cuts the passes and the CPU new groups take
// to converge (bench/operator-memory.ts; the figures: docs/benchmarks.md, "Status-only passes").
// controller-runtime operators skip these with GenerationChangedPredicate.
// Finalizers and a deletion do not move the generation and change what a pass does, so they count here too; so do
// labels and annotations, so that touching them (`kubectl annotate`) still calls a pass.
// A status written by someone else is set right at the group's next pass: its requeue (at most the FE sync period)
// or the informer's resync.
import { isDeepStrictEqual } from 'node:util';
import type { InformerEventType } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/objects.js';

/** What a pass reads of a group's metadata and spec, without the status and the version. */
function passInputsOf(group: KubeObject): unknown[] {
  const { generation, labels, annotations, finalizers, deletionTimestamp } = group.metadata;
  return [generation, labels, annotations, finalizers, deletionTimestamp];
}

/**
 * True when the event calls for a pass: anything but an update that changed only the status. `previous` is the
 * version an update replaced (the informer's).
 */
export function startsPass(type: InformerEventType, group: KubeObject, previous: KubeObject | undefined): boolean {
  if (type !== 'update' || previous === undefined) return true;
  return !isDeepStrictEqual(passInputsOf(previous), passInputsOf(group));
}
