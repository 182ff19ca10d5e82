// The drain of each leaving CN (spec.drain.order: Drain), as the operator tracks it: when the FE stopped giving the
// CN new work, when its window ends, and whether the queries still there at that moment were dealt with. The pod
// itself waits for its running queries (builders/drain-gate.ts); the operator's part is the end of the window, when
// it kills through the FE what is left (controllers/computenodegroup/drain.ts), so those queries fail at once with a
// message instead of hanging until their timeout once the CN stops.
//
// A CN drains while its pod exists and is leaving (an ordinal at or above spec.replicas) or terminating (rollout,
// eviction, deletion by hand). The state lives in the group's status (status.computeNodes[].drain), the only memory
// that survives an operator restart, so a pass only continues what the previous one recorded.
import type { DrainOrder } from '../api/v1alpha1/index.js';
import { isLeaving } from '../cn/index.js';
import type { MemberPod } from './plan.js';

/** One CN's drain, as status.computeNodes[].drain records it. */
export interface DrainState {
  /** When the operator first saw the CN leaving: the FE gives it no new work from this pass on. */
  since: string;
  /** since + the window: the pod's gate stops the CN by then, and the operator kills what is left. */
  windowEndsAt: string;
  /** Set once the end of the window was dealt with: how many queries were killed then (0: none was left). */
  killedQueries?: number | undefined;
}

export interface DrainInput {
  pods: readonly MemberPod[];
  desiredReplicas: number;
  order: DrainOrder;
  windowSeconds: number;
  /** The previous pass' drains by pod name (from the status). */
  previous: ReadonlyMap<string, DrainState>;
  now: Date;
}

export interface PlannedDrain {
  pod: string;
  /** `host:heartbeat_port` the CN registered with. */
  address: string;
  state: DrainState;
  /** The window is over and nothing was done about it yet: find and kill the queries still on the CN. */
  due: boolean;
}

export function planDrains(input: DrainInput): PlannedDrain[] {
  if (input.order !== 'Drain' || input.windowSeconds <= 0) return [];
  const drains: PlannedDrain[] = [];
  for (const pod of input.pods) {
    if (pod.address === null) continue;
    if (!pod.terminating && !isLeaving(pod.ordinal, input.desiredReplicas)) continue;
    const state = input.previous.get(pod.name) ?? startDrain(input.now, input.windowSeconds);
    const due = state.killedQueries === undefined && input.now.getTime() >= Date.parse(state.windowEndsAt);
    drains.push({ pod: pod.name, address: pod.address, state, due });
  }
  return drains;
}

function startDrain(now: Date, windowSeconds: number): DrainState {
  return {
    since: now.toISOString(),
    windowEndsAt: new Date(now.getTime() + windowSeconds * 1000).toISOString(),
  };
}

/**
 * Milliseconds until the earliest window still to come ends; undefined when none does. A window already over and not
 * yet dealt with (no FE answered) is not counted: it is retried at the sync period, not in a tight loop.
 */
export function nextWindowEndMs(drains: readonly PlannedDrain[], now: Date): number | undefined {
  const ahead = drains
    .filter((drain) => drain.state.killedQueries === undefined)
    .map((drain) => Date.parse(drain.state.windowEndsAt) - now.getTime())
    .filter((ms) => ms > 0);
  return ahead.length === 0 ? undefined : Math.min(...ahead);
}

/** The drains the group's status recorded, by pod. */
export function recordedDrains(
  entries: readonly { pod: string; drain?: DrainState | undefined }[] | undefined,
): Map<string, DrainState> {
  const drains = new Map<string, DrainState>();
  for (const entry of entries ?? []) if (entry.drain !== undefined) drains.set(entry.pod, entry.drain);
  return drains;
}
