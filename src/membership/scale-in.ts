// Scale-in order: the leaving ordinals leave the FE first, and only then does the StatefulSet lose them, so the FE
// stops scheduling new fragments on a CN before its pod is stopped (running queries finish during the pod's grace
// period). This helper says which ordinals leave and whether the StatefulSet may be lowered now.
import { addressKey, addressKeyOf, formatHostPort, isValidHost, leavingOrdinals, podOrdinal } from '../cn/index.js';
import type { FeComputeNode, LedgerEntry, MemberPod } from './plan.js';

export interface ScaleInInput {
  statefulSetName: string;
  /** The StatefulSet's current spec.replicas. */
  currentReplicas: number;
  /** The group's spec.replicas. */
  desiredReplicas: number;
  pods: readonly MemberPod[];
  /** The group's ledger: an old address of a leaving ordinal counts too. */
  ledger: readonly LedgerEntry[];
  /** The FE's compute nodes, or null when the FE could not be read (then lowering is never safe). */
  fe: readonly FeComputeNode[] | null;
}

export interface ScaleInPlan {
  /** Ordinals that leave, highest first; empty when the StatefulSet does not shrink. */
  leaving: number[];
  /** Addresses of the leaving ordinals that the FE still lists (in the FE's own spelling): DROP these first. */
  stillInFe: string[];
  /** True when nothing leaves, or every leaving address is out of the FE. */
  safeToLower: boolean;
}

export function planScaleIn(input: ScaleInInput): ScaleInPlan {
  const leaving = leavingOrdinals(input.currentReplicas, input.desiredReplicas);
  if (leaving.length === 0) return { leaving, stillInFe: [], safeToLower: true };
  if (input.fe === null) return { leaving, stillInFe: [], safeToLower: false };

  const leavingSet = new Set(leaving);
  const leavingKeys = new Set<string>();
  for (const pod of input.pods) {
    if (!leavingSet.has(pod.ordinal) || pod.address === null) continue;
    const key = addressKeyOf(pod.address);
    if (key !== null) leavingKeys.add(key);
  }
  for (const entry of input.ledger) {
    const ordinal = podOrdinal(input.statefulSetName, entry.pod);
    if (ordinal === undefined || !leavingSet.has(ordinal)) continue;
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
