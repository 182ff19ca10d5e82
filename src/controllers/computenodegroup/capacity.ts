// The capacity step of a pass: what the group should run now (src/capacity/decide.ts, pure), from the spec, the
// clock, what the last pass recorded (status.suspension) and this pass' FE reads. The FE's BEs are asked for only
// when the group would go to 0 CNs, and its idle status only with `autoSuspend.feHttpPort`.
//
// Two groups on a CN-only FE that go to 0 together would each count the other's CNs as the compute that stays. So
// the groups of this process heading to 0 hold their CNs' addresses here, and another group does not count those.
// Reading the holds, deciding and holding happen with no await in between: one group decides at a time.
import type { ComputeNodeGroup, SuspensionStatus } from '../../api/v1alpha1/index.js';
import { addressKeyOf } from '../../cn/index.js';
import { decideCapacity, type Capacity, type OtherCompute, type SuspensionMemory } from '../../capacity/decide.js';
import { workSignal } from '../../capacity/work.js';
import type { FeIdleReading } from '../../fe/index.js';
import { describeError } from '../../kube/errors.js';
import { groupLoad } from '../../load/figures.js';
import type { FeRead } from './fe-membership.js';
import type { FeSession } from './ports.js';

export interface CapacityPass {
  /** The group's key (`namespace/name`): what its hold on its CNs is known by. */
  key: string;
  group: ComputeNodeGroup;
  session: FeSession;
  feRead: FeRead;
  now: Date;
  currentReplicas: number | undefined;
}

export class GroupCapacities {
  /** Per group heading to 0 CNs, the address keys of its CNs: not compute that stays, for the other groups. */
  private readonly heldToZero = new Map<string, ReadonlySet<string>>();
  /**
   * Per group, what this process decided last. The status holds the same, but the next pass may read the group from
   * a cache that has not seen the status written a moment ago: deciding from that would forget a suspension (and
   * undo it with the next breath). The status is read only when this process has decided nothing yet for the group
   * (a restart, a new leader).
   */
  private readonly memories = new Map<string, SuspensionMemory>();

  async decide(pass: CapacityPass): Promise<Capacity> {
    const { group, feRead } = pass;
    const own = ownAddressKeys(group);
    const input = {
      spec: group.spec,
      generation: group.metadata.generation,
      now: pass.now,
      memory: this.memories.get(pass.key) ?? suspensionMemory(group.status?.suspension),
      work: workSignal({ load: loadOf(feRead, group), queue: feRead.queue, feIdle: await feIdleOf(pass) }),
      currentReplicas: pass.currentReplicas,
    };
    const optimistic = decideCapacity({ ...input, otherCompute: { kind: 'Alive' } });
    if (optimistic.replicas > 0 && optimistic.refused === undefined) return this.settle(pass.key, own, optimistic);
    if (group.spec.allowNoCompute) return this.settle(pass.key, own, optimistic);
    const backends = feRead.nodes === null ? undefined : await aliveBackends(pass.session);
    // From here on, no await: the holds read are those this decision adds to.
    const otherCompute = this.otherCompute(pass.key, feRead, own, backends);
    return this.settle(pass.key, own, decideCapacity({ ...input, otherCompute }));
  }

  /** The group is gone (or released): it holds nothing any more. */
  forget(key: string): void {
    this.heldToZero.delete(key);
    this.memories.delete(key);
  }

  private settle(key: string, own: ReadonlySet<string>, capacity: Capacity): Capacity {
    if (capacity.replicas === 0) this.heldToZero.set(key, own);
    else this.heldToZero.delete(key);
    this.memories.set(key, capacity.memory);
    return capacity;
  }

  /** Alive CNs of other groups not heading to 0 (or added by hand), else alive BEs. */
  private otherCompute(
    key: string,
    feRead: FeRead,
    own: ReadonlySet<string>,
    backends: number | { error: string } | undefined,
  ): OtherCompute {
    if (feRead.nodes === null || backends === undefined) return { kind: 'Unknown', why: 'the FE was not read' };
    const leaving = new Set([...this.heldToZero].filter(([holder]) => holder !== key).flatMap(([, held]) => [...held]));
    const stays = (address: string): boolean => {
      const addressKey = addressKeyOf(address);
      return addressKey !== null && !own.has(addressKey) && !leaving.has(addressKey);
    };
    if (feRead.nodes.some((node) => node.alive && stays(node.address))) return { kind: 'Alive' };
    if (typeof backends !== 'number') return { kind: 'Unknown', why: `SHOW BACKENDS failed: ${backends.error}` };
    return backends > 0 ? { kind: 'Alive' } : { kind: 'None' };
  }
}

function ownAddressKeys(group: ComputeNodeGroup): ReadonlySet<string> {
  const keys = (group.status?.computeNodes ?? []).map((entry) => addressKeyOf(entry.address));
  return new Set(keys.filter((key): key is string => key !== null));
}

function loadOf(feRead: FeRead, group: ComputeNodeGroup): ReturnType<typeof groupLoad> | null {
  if (feRead.nodes === null || feRead.queue === null) return null;
  const ledger = group.status?.computeNodes ?? [];
  const memberAddresses = ledger.filter((entry) => entry.registered).map((entry) => entry.address);
  return groupLoad({ nodes: feRead.nodes, queue: feRead.queue, memberAddresses });
}

async function feIdleOf(pass: CapacityPass): Promise<FeIdleReading[] | undefined> {
  const httpPort = pass.group.spec.autoSuspend?.feHttpPort;
  if (httpPort === undefined || pass.feRead.nodes === null) return undefined;
  return pass.session.idleStatuses(httpPort);
}

async function aliveBackends(session: FeSession): Promise<number | { error: string }> {
  try {
    return await session.aliveBackends();
  } catch (error) {
    return { error: describeError(error) };
  }
}

function suspensionMemory(status: SuspensionStatus | undefined): SuspensionMemory {
  const memory: SuspensionMemory = {};
  const since = parseTime(status?.since);
  if (status?.suspendedBy !== undefined && since !== undefined) {
    const quietSince = parseTime(status.quietSince);
    memory.suspended = {
      by: status.suspendedBy,
      since,
      generation: status.generation,
      ...(quietSince === undefined ? {} : { quietSince }),
    };
  }
  const idleSince = parseTime(status?.idleSince);
  if (idleSince !== undefined) memory.idleSince = idleSince;
  if (status?.openWindows !== undefined) memory.openWindows = status.openWindows;
  return memory;
}

function parseTime(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Whether the group uses suspend, schedules or autoSuspend, or was refused 0 CNs: it then has a Suspended condition. */
export function controlsCapacity(group: ComputeNodeGroup, capacity: Capacity): boolean {
  const { spec } = group;
  const uses = spec.suspend || (spec.schedules?.length ?? 0) > 0 || spec.autoSuspend !== undefined;
  return uses || capacity.refused !== undefined;
}

/**
 * The status' record of the capacity decision (status.suspension); undefined when it would be empty: server-side
 * apply reads an empty object as null, which the CRD's schema refuses.
 */
export function suspensionStatus(group: ComputeNodeGroup, capacity: Capacity): SuspensionStatus | undefined {
  if (!controlsCapacity(group, capacity)) return undefined;
  const { suspended, idleSince, openWindows = [] } = capacity.memory;
  const next = capacity.windows.nextChange;
  const status: SuspensionStatus = {
    ...(suspended === undefined
      ? {}
      : {
          suspendedBy: suspended.by,
          since: suspended.since.toISOString(),
          ...(suspended.generation === undefined ? {} : { generation: suspended.generation }),
          ...(suspended.quietSince === undefined ? {} : { quietSince: suspended.quietSince.toISOString() }),
        }),
    ...(idleSince === undefined ? {} : { idleSince: idleSince.toISOString() }),
    ...(openWindows.length === 0 ? {} : { openWindows: [...openWindows] }),
    ...(next === undefined
      ? {}
      : { nextChange: { at: next.at.toISOString(), window: next.window, action: next.opens ? 'Opens' : 'Closes' } }),
  };
  return Object.keys(status).length === 0 ? undefined : status;
}

/**
 * In ms from now: when a schedule window next opens or closes, or when the idle time runs out (only while it can:
 * no window open, and this pass read no work). Never in the past, so no pass is asked for again at once.
 */
export function nextCapacityChangeMs(
  group: ComputeNodeGroup,
  observed: { now: Date; capacity?: Capacity },
): number | undefined {
  const { capacity, now } = observed;
  if (capacity === undefined) return undefined;
  const times: number[] = [];
  const next = capacity.windows.nextChange;
  if (next !== undefined) times.push(next.at.getTime());
  const idleSeconds = group.spec.autoSuspend?.idleSeconds;
  const idleSince = capacity.memory.idleSince;
  if (idleSeconds !== undefined && idleSince !== undefined && capacity.windows.open.length === 0) {
    times.push(idleSince.getTime() + idleSeconds * 1000);
  }
  const future = times.filter((time) => time > now.getTime());
  return future.length === 0 ? undefined : Math.min(...future) - now.getTime();
}
