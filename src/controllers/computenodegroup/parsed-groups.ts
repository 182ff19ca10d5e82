// Each version of a group is parsed once. The caches replace an object on every change and never mutate one, so the
// cached object itself keys its parse: the passes and the Secret and ConfigMap events that read the same version
// share one result (a zod parse of a group is one of the costs a CPU profile of the manager shows, docs/benchmarks.md,
// "The bundle"; and a group converging takes dozens of passes).
// The parsed group is frozen: a pass that tried to change it would fail at once rather than leak into the next one.
import { parseComputeNodeGroup, type ComputeNodeGroup } from '../../api/v1alpha1/index.js';
import type { ParseResult } from '../../api/v1alpha1/parse.js';
import { deepFreeze } from '../../util/freeze.js';

const parses = new WeakMap<object, ParseResult<ComputeNodeGroup>>();

/** parseComputeNodeGroup, remembered per cached object. */
export function parseCachedGroup(raw: unknown): ParseResult<ComputeNodeGroup> {
  if (typeof raw !== 'object' || raw === null) return parseComputeNodeGroup(raw);
  const known = parses.get(raw);
  if (known !== undefined) return known;
  const result = parseComputeNodeGroup(raw);
  if (result.ok) deepFreeze(result.value);
  parses.set(raw, result);
  return result;
}
