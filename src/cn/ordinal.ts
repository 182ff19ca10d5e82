// StatefulSet ordinals. Pod names are never compared as text: `cn-10` sorts before `cn-9` as a string, which is how
// the upstream operator once dropped the wrong node with ten or more CNs (issue #713). Everything works on the
// numeric ordinal parsed here.

/**
 * The ordinal of a StatefulSet pod (`<statefulSet>-<n>`), or undefined when the name does not belong to that
 * StatefulSet (another prefix, no number, leading zeros, a number too large to be an ordinal).
 */
export function podOrdinal(statefulSet: string, podName: string): number | undefined {
  const prefix = `${statefulSet}-`;
  if (!podName.startsWith(prefix)) return undefined;
  const rest = podName.slice(prefix.length);
  if (!/^(0|[1-9][0-9]{0,8})$/.test(rest)) return undefined;
  return Number(rest);
}

/** The one definition of a leaving CN: its ordinal is at or above spec.replicas (the highest ordinals go first). */
export function isLeaving(ordinal: number, desiredReplicas: number): boolean {
  return ordinal >= desiredReplicas;
}

/** Ordinals that leave when a StatefulSet goes from `currentReplicas` to `desiredReplicas`, highest first. */
export function leavingOrdinals(currentReplicas: number, desiredReplicas: number): number[] {
  const leaving: number[] = [];
  for (let ordinal = currentReplicas - 1; ordinal >= Math.max(0, desiredReplicas); ordinal--) leaving.push(ordinal);
  return leaving;
}
