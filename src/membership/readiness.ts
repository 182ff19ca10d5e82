// The readiness gate of `cnInfo.registration: Operator`: a CN pod is Ready only while the FE reports its CN alive.
// The operator sets the pod condition FE_ALIVE_CONDITION from what the FE said this pass. Without an FE answer
// nothing changes: an FE outage must not take every CN out of service at once.
import { addressKey, addressKeyOf } from '../cn/index.js';
import type { FeComputeNode, MemberPod } from './plan.js';

export interface GatedPod extends MemberPod {
  /** The pod's FE_ALIVE_CONDITION status as last set; undefined when never set. */
  gate: 'True' | 'False' | undefined;
}

export interface GateChange {
  pod: string;
  status: 'True' | 'False';
  reason: 'CNAlive' | 'CNNotAlive' | 'CNNotRegistered';
  message: string;
}

export interface ReadinessGatePlan {
  changes: GateChange[];
  /** Pods whose CN is up but whose gate stays not True after this pass: read the FE again soon. */
  waiting: number;
}

export function planReadinessGates(pods: readonly GatedPod[], fe: readonly FeComputeNode[] | null): ReadinessGatePlan {
  const alive = new Map<string, boolean>();
  for (const row of fe ?? []) {
    const key = addressKey({ host: row.host, port: row.heartbeatPort });
    alive.set(key, (alive.get(key) ?? false) || row.alive);
  }
  const changes: GateChange[] = [];
  let waiting = 0;
  for (const pod of pods) {
    if (pod.terminating) continue;
    const key = pod.address === null ? null : addressKeyOf(pod.address);
    const listed = key === null ? undefined : alive.get(key);
    const desired = fe === null ? pod.gate : listed === true ? 'True' : 'False';
    if (pod.cnUp && desired !== 'True') waiting++;
    if (desired === undefined || pod.gate === desired) continue;
    changes.push({
      pod: pod.name,
      status: desired,
      reason: listed === true ? 'CNAlive' : listed === false ? 'CNNotAlive' : 'CNNotRegistered',
      message:
        listed === true
          ? `the FE reports ${pod.address ?? ''} alive`
          : listed === false
            ? `the FE lists ${pod.address ?? ''} but does not report it alive`
            : `the FE does not list ${pod.address ?? 'this CN'} yet`,
    });
  }
  return { changes, waiting };
}
