// The drain of each leaving CN (spec.drain.order: Drain), as the operator tracks it: when the FE stopped giving the
// CN new work, when its window ends, and whether the queries still there at that moment were dealt with. The pod
// itself waits for its running queries (builders/drain-gate.ts); the operator's part is the end of the window, when
// it kills through the FE what is left (controllers/computenodegroup/drain.ts), so those queries fail at once with a
// message instead of hanging until their timeout once the CN stops.
//
// A CN drains while its pod exists and is leaving (an ordinal at or above spec.replicas) or terminating (rollout,
// eviction, deletion by hand), from the first pass that sees it out of the FE (its DROP done): a CN the FE still
// lists gets new work, and if it dies the FE's own watch cancels its queries, so there is nothing to end for it. The
// state lives in the group's status (status.computeNodes[].drain), the only memory that survives an operator
// restart, so a pass only continues what the previous one recorded.
import type { ComputeNodeStatus, DrainOrder } from '../api/v1alpha1/index.js';
import { addressKey, addressKeyOf, isLeaving, isValidHost } from '../cn/index.js';
import type { FeComputeNode, MemberPod } from './plan.js';

/** One CN's drain, as status.computeNodes[].drain records it (the schema describes each field). */
export type DrainState = NonNullable<ComputeNodeStatus['drain']>;

export interface DrainInput {
  pods: readonly MemberPod[];
  desiredReplicas: number;
  order: DrainOrder;
  windowSeconds: number;
  /** The previous pass' drains by pod name (from the status). */
  previous: ReadonlyMap<string, DrainState>;
  /** The FE's compute nodes after this pass' DROPs; null when the FE was not read (no drain starts then). */
  fe: readonly FeComputeNode[] | null;
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
  const listed = listedKeys(input.fe);
  const drains: PlannedDrain[] = [];
  for (const pod of input.pods) {
    if (pod.address === null) continue;
    if (!pod.terminating && !isLeaving(pod.ordinal, input.desiredReplicas)) continue;
    const key = addressKeyOf(pod.address);
    const state =
      input.previous.get(pod.name) ??
      (listed !== null && key !== null && !listed.has(key) ? startDrain(input.now, input.windowSeconds) : undefined);
    if (state === undefined) continue;
    // An end that does not parse (a hand-edited status) counts as over: the window is dealt with rather than never.
    const due = state.killedQueries === undefined && !(input.now.getTime() < Date.parse(state.windowEndsAt));
    drains.push({ pod: pod.name, address: pod.address, state, due });
  }
  return drains;
}

function listedKeys(fe: readonly FeComputeNode[] | null): Set<string> | null {
  if (fe === null) return null;
  const keys = new Set<string>();
  for (const row of fe) if (isValidHost(row.host)) keys.add(addressKey({ host: row.host, port: row.heartbeatPort }));
  return keys;
}

function startDrain(now: Date, windowSeconds: number): DrainState {
  return {
    since: now.toISOString(),
    windowEndsAt: new Date(now.getTime() + windowSeconds * 1000).toISOString(),
  };
}

export interface DeletionDrainInput {
  pods: readonly MemberPod[];
  order: DrainOrder;
  windowSeconds: number;
  /** When the deletion's DROP of every CN was done: the windows of the CNs not draining already start there. */
  droppedAt: Date;
  /** The drains the group's status recorded before its deletion (a scale-in's): they keep their own window. */
  previous: ReadonlyMap<string, DrainState>;
  /** Pods whose window this deletion already dealt with (a deleted group's status is not kept up). */
  ended: ReadonlySet<string>;
  now: Date;
}

/**
 * The drains of a group being deleted, once its CNs are out of the FE: a CN already draining keeps its window, the
 * others get one from the deletion's DROP. The pods stop through their gates as in a scale-in; the end of each
 * window is dealt with as in planDrains.
 */
export function planDeletionDrains(input: DeletionDrainInput): PlannedDrain[] {
  if (input.order !== 'Drain' || input.windowSeconds <= 0) return [];
  const fromDrop = startDrain(input.droppedAt, input.windowSeconds);
  return input.pods.flatMap((pod) => {
    if (pod.address === null) return [];
    const state = input.previous.get(pod.name) ?? fromDrop;
    const over = !(input.now.getTime() < Date.parse(state.windowEndsAt));
    const due = over && state.killedQueries === undefined && !input.ended.has(pod.name);
    return [{ pod: pod.name, address: pod.address, state, due }];
  });
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
