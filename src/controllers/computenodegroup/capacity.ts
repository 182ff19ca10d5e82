// The capacity step of a pass: what the group should run now (src/capacity/decide.ts, pure), from the spec, the
// clock, the suspension the last pass recorded and this pass' FE reads. The FE's BEs are asked for only when the
// group would go to 0 CNs, and its idle status only with `autoSuspend.feHttpPort`.
import type { ComputeNodeGroup, SuspensionStatus } from '../../api/v1alpha1/index.js';
import { addressKeyOf } from '../../cn/index.js';
import { decideCapacity, type Capacity, type OtherCompute, type SuspensionMemory } from '../../capacity/decide.js';
import { workSignal } from '../../capacity/work.js';
import type { FeIdleReading } from '../../fe/index.js';
import { groupLoad } from '../../load/figures.js';
import type { FeRead } from './fe-membership.js';
import type { FeSession } from './ports.js';

export async function groupCapacity(
  group: ComputeNodeGroup,
  session: FeSession,
  feRead: FeRead,
  now: Date,
  currentReplicas: number | undefined,
): Promise<Capacity> {
  const { spec } = group;
  const ledger = group.status?.computeNodes ?? [];
  const memberAddresses = ledger.filter((entry) => entry.registered).map((entry) => entry.address);
  const load =
    feRead.nodes === null || feRead.queue === null
      ? null
      : groupLoad({ nodes: feRead.nodes, queue: feRead.queue, memberAddresses });
  const httpPort = spec.autoSuspend?.feHttpPort;
  const feIdle: FeIdleReading[] | undefined =
    httpPort === undefined || feRead.nodes === null ? undefined : await session.idleStatuses(httpPort);
  const base = {
    spec,
    generation: group.metadata.generation,
    now,
    memory: suspensionMemory(group.status?.suspension),
    work: workSignal({ load, queue: feRead.queue, feIdle }),
    currentReplicas,
  };
  const previousOpen = group.status?.suspension?.openWindows ?? [];
  const optimistic = decideCapacity({ ...base, otherCompute: 'Alive' }, previousOpen);
  if (optimistic.replicas > 0 || spec.allowNoCompute) return optimistic;
  const otherCompute = await otherComputeOf(
    session,
    feRead,
    ledger.map((entry) => entry.address),
  );
  return decideCapacity({ ...base, otherCompute }, previousOpen);
}

/** Alive CNs of other groups (or added by hand) in this read, else alive BEs (one SHOW BACKENDS). */
async function otherComputeOf(session: FeSession, feRead: FeRead, own: readonly string[]): Promise<OtherCompute> {
  if (feRead.nodes === null) return 'Unknown';
  const ownKeys = new Set(own.map(addressKeyOf));
  if (feRead.nodes.some((node) => node.alive && !ownKeys.has(addressKeyOf(node.address)))) return 'Alive';
  try {
    return (await session.aliveBackends()) > 0 ? 'Alive' : 'None';
  } catch {
    return 'Unknown';
  }
}

function suspensionMemory(status: SuspensionStatus | undefined): SuspensionMemory {
  const memory: SuspensionMemory = {};
  const since = parseTime(status?.since);
  if (status?.suspendedBy !== undefined && since !== undefined) {
    memory.suspended = { by: status.suspendedBy, since, generation: status.generation };
  }
  const idleSince = parseTime(status?.idleSince);
  if (idleSince !== undefined) memory.idleSince = idleSince;
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
  const { suspended, idleSince } = capacity.memory;
  const next = capacity.windows.nextChange;
  const open = capacity.windows.open;
  const status: SuspensionStatus = {
    ...(suspended === undefined
      ? {}
      : {
          suspendedBy: suspended.by,
          since: suspended.since.toISOString(),
          ...(suspended.generation === undefined ? {} : { generation: suspended.generation }),
        }),
    ...(idleSince === undefined ? {} : { idleSince: idleSince.toISOString() }),
    ...(open.length === 0 ? {} : { openWindows: open }),
    ...(next === undefined
      ? {}
      : { nextChange: { at: next.at.toISOString(), window: next.window, action: next.opens ? 'Opens' : 'Closes' } }),
  };
  return Object.keys(status).length === 0 ? undefined : status;
}

/** In ms from now: when a schedule window next opens or closes, or when the idle time runs out. */
export function nextCapacityChangeMs(
  group: ComputeNodeGroup,
  observed: { now: Date; capacity?: Capacity },
): number | undefined {
  const capacity = observed.capacity;
  if (capacity === undefined) return undefined;
  const times: number[] = [];
  const next = capacity.windows.nextChange;
  if (next !== undefined) times.push(next.at.getTime());
  const idleSeconds = group.spec.autoSuspend?.idleSeconds;
  const idleSince = capacity.memory.idleSince;
  if (idleSeconds !== undefined && idleSince !== undefined) times.push(idleSince.getTime() + idleSeconds * 1000);
  const soonest = Math.min(...times);
  return Number.isFinite(soonest) ? Math.max(0, soonest - observed.now.getTime()) : undefined;
}
