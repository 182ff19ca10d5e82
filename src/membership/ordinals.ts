// StatefulSet ordinals. Pod names are never compared as text: `cn-10` sorts before `cn-9` as a string, which is how
// the upstream operator once dropped the wrong node with ten or more CNs (issue #713). Everything here works on the
// numeric ordinal parsed from the name.
import { statefulSetPodOrdinal } from '../builders/names.js';

/** The ordinal of a StatefulSet pod (`<statefulSet>-<n>`), or null when the name does not belong to it. */
export function podOrdinal(statefulSetName: string, podName: string): number | null {
  return statefulSetPodOrdinal(statefulSetName, podName) ?? null;
}

/** Ordinals that leave when a StatefulSet goes from `currentReplicas` to `desiredReplicas`, highest first. */
export function leavingOrdinals(currentReplicas: number, desiredReplicas: number): number[] {
  const leaving: number[] = [];
  for (let ordinal = currentReplicas - 1; ordinal >= Math.max(0, desiredReplicas); ordinal--) leaving.push(ordinal);
  return leaving;
}

/** Compares two ordinals numerically; for `Array.prototype.sort`. */
export function byOrdinal(a: number, b: number): number {
  return a - b;
}
