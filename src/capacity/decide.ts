// How many CNs a group should run now, and whether its HPA runs: the spec's figures, the schedule windows open now,
// `spec.suspend`, idle auto-suspend and its wake-up, and the one refusal: never leave the FE without any alive BE or
// CN unless the user consented (`allowNoCompute`). A pure function of the spec, the clock, what the last pass
// recorded (status.suspension) and this pass' FE signals. The reconciler then takes the CNs out (or brings them
// back) through the ordinary scale-in (and scale-out) path: a suspended group is one whose target is 0.
import type { ComputeNodeGroupSpec } from '../api/v1alpha1/index.js';
import { windowDemand, type WindowDemand } from './windows.js';

/** Why a group is suspended. */
export type SuspendedBy = 'Spec' | 'Schedule' | 'Idle';

/** What the last pass recorded (status.suspension), parsed. */
export interface SuspensionMemory {
  /** Set while the group is suspended (or wants to be and was refused). */
  suspended?: { by: SuspendedBy; since: Date; generation?: number | undefined };
  /** Since when the group has been seen without work (for autoSuspend). */
  idleSince?: Date;
}

/** This pass' reading of whether there is work for the group. */
export type WorkSignal =
  | { kind: 'Unknown'; why: string }
  | { kind: 'Idle' }
  /** `wake`: work the FE holds for compute it does not have (its queue, or itself busy): a suspended group wakes. */
  | { kind: 'Busy'; why: string; wake: boolean };

/** Alive BEs or CNs outside this group, as the FE lists them; Unknown when it was not read. */
export type OtherCompute = 'Alive' | 'None' | 'Unknown';

export type CapacitySpec = Pick<
  ComputeNodeGroupSpec,
  'replicas' | 'suspend' | 'autoScalingPolicy' | 'schedules' | 'autoSuspend' | 'allowNoCompute'
>;

export interface CapacityInput {
  spec: CapacitySpec;
  generation: number | undefined;
  now: Date;
  memory: SuspensionMemory;
  work: WorkSignal;
  otherCompute: OtherCompute;
  /** The StatefulSet's replicas now (undefined before it exists). */
  currentReplicas: number | undefined;
}

export interface HpaBounds {
  minReplicas?: number;
  maxReplicas: number;
}

export interface Capacity {
  /** The number of CNs the scale-in and scale-out path aims at. */
  replicas: number;
  /** The HPA to run: its bounds; 'Paused' while suspended (no HPA); undefined without an autoscaling policy. */
  hpa: HpaBounds | 'Paused' | undefined;
  memory: SuspensionMemory;
  /** Set when the group wanted 0 CNs and keeps some: what stops it and what to do. */
  refused?: string;
  /** With autoSuspend, why this pass could not tell whether the group has work (its idle time does not advance). */
  workUnknown?: string;
  windows: WindowDemand;
  /** The transitions of this pass, for the Events. */
  changes: CapacityChange[];
}

export type CapacityChange =
  | { kind: 'Suspended'; by: SuspendedBy; detail: string }
  | { kind: 'Resumed'; detail: string }
  | { kind: 'WindowOpened'; window: string }
  | { kind: 'WindowClosed'; window: string };

export function decideCapacity(input: CapacityInput, previousOpen: readonly string[] = []): Capacity {
  const { spec, now } = input;
  const windows = windowDemand(spec.schedules ?? [], now);
  const changes: CapacityChange[] = windowChanges(previousOpen, windows.open);
  const idleSince = nextIdleSince(input);
  const suspension = decideSuspension(input, windows, idleSince);
  const previous = input.memory.suspended;
  if (suspension !== undefined && previous?.by !== suspension.by) {
    changes.push({ kind: 'Suspended', by: suspension.by, detail: suspension.detail });
  } else if (suspension === undefined && previous !== undefined) {
    changes.push({ kind: 'Resumed', detail: resumeDetail(previous.by, input) });
  }
  const memory: SuspensionMemory = {
    ...(suspension === undefined
      ? {}
      : {
          suspended:
            previous?.by === suspension.by ? previous : { by: suspension.by, since: now, generation: input.generation },
        }),
    ...(idleSince === undefined || suspension !== undefined ? {} : { idleSince }),
  };
  const wanted = suspension === undefined ? runningCapacity(spec, windows) : { replicas: 0, hpa: paused(spec) };
  const unknown =
    spec.autoSuspend !== undefined && input.work.kind === 'Unknown' ? { workUnknown: input.work.why } : {};
  if (wanted.replicas > 0 || spec.allowNoCompute || input.otherCompute === 'Alive') {
    return { ...wanted, memory, windows, changes, ...unknown };
  }
  // Zero CNs would leave the FE with none at all (or with none we know of): keep a floor.
  const floor = input.otherCompute === 'Unknown' ? Math.min(1, input.currentReplicas ?? 1) : 1;
  const refused = refusal(input.otherCompute);
  return { replicas: floor, hpa: wanted.hpa, memory, windows, changes, refused, ...unknown };
}

function refusal(otherCompute: OtherCompute): string {
  const why =
    otherCompute === 'None'
      ? 'the FE lists no other alive BE or CN, so every query would fail'
      : 'the FE could not be read, so whether other BEs or CNs are alive is unknown';
  return `0 CNs refused: ${why}; the group keeps 1 CN. Set spec.allowNoCompute: true to accept a cluster without compute`;
}

function paused(spec: CapacitySpec): 'Paused' | undefined {
  return spec.autoScalingPolicy === undefined ? undefined : 'Paused';
}

/** Outside a suspension: the spec's figures, with the open windows' in their place. */
function runningCapacity(spec: CapacitySpec, windows: WindowDemand): { replicas: number; hpa: HpaBounds | undefined } {
  const policy = spec.autoScalingPolicy;
  if (policy === undefined) return { replicas: windows.replicas ?? spec.replicas, hpa: undefined };
  const minReplicas = windows.minReplicas ?? policy.minReplicas;
  const maxReplicas = Math.max(windows.maxReplicas ?? policy.maxReplicas, minReplicas ?? 1);
  const hpa: HpaBounds = minReplicas === undefined ? { maxReplicas } : { minReplicas, maxReplicas };
  // The HPA moves spec.replicas within its bounds on its next sync; until then the bounds already hold.
  const replicas = Math.min(Math.max(spec.replicas, minReplicas ?? 0), maxReplicas);
  return { replicas: spec.replicas === 0 ? 0 : replicas, hpa };
}

interface Suspension {
  by: SuspendedBy;
  detail: string;
}

function decideSuspension(
  input: CapacityInput,
  windows: WindowDemand,
  idleSince: Date | undefined,
): Suspension | undefined {
  const { spec, now } = input;
  if (spec.suspend) return { by: 'Spec', detail: 'spec.suspend is true' };
  if (windows.suspend) return { by: 'Schedule', detail: `window ${windows.open.join(', ')} is open` };
  const auto = spec.autoSuspend;
  if (auto === undefined) return undefined;
  const previous = input.memory.suspended;
  if (previous?.by === 'Idle') {
    const edited = previous.generation !== undefined && input.generation !== previous.generation;
    const woken = auto.resume === 'OnWork' && input.work.kind === 'Busy' && input.work.wake;
    const windowAsks = windows.open.length > 0;
    if (edited || woken || windowAsks) return undefined;
    return { by: 'Idle', detail: '' };
  }
  // Inside an open window the window's capacity holds; and never on a guess: this pass must have read no work.
  if (windows.open.length > 0 || idleSince === undefined || input.work.kind !== 'Idle') return undefined;
  const idleMs = now.getTime() - idleSince.getTime();
  if (idleMs < auto.idleSeconds * 1000) return undefined;
  return {
    by: 'Idle',
    detail: `no work for ${Math.round(idleMs / 1000)} s (autoSuspend.idleSeconds: ${auto.idleSeconds})`,
  };
}

function resumeDetail(by: SuspendedBy, input: CapacityInput): string {
  if (by === 'Spec') return 'spec.suspend is false';
  if (by === 'Schedule') return 'no suspending window is open';
  if (input.work.kind === 'Busy' && input.work.wake) return input.work.why;
  return 'a schedule window asks for CNs, or the spec changed';
}

/** Idle time counts from the first pass without work; any work, or a signal that cannot be read, resets it. */
function nextIdleSince(input: CapacityInput): Date | undefined {
  if (input.spec.autoSuspend === undefined) return undefined;
  if (input.work.kind === 'Idle') return input.memory.idleSince ?? input.now;
  if (input.work.kind === 'Unknown') return input.memory.idleSince;
  return undefined;
}

function windowChanges(before: readonly string[], after: readonly string[]): CapacityChange[] {
  const opened = after
    .filter((name) => !before.includes(name))
    .map((window) => ({ kind: 'WindowOpened' as const, window }));
  const closed = before
    .filter((name) => !after.includes(name))
    .map((window) => ({ kind: 'WindowClosed' as const, window }));
  return [...opened, ...closed];
}
