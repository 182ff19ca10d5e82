// How many CNs a group should run now, and whether its HPA runs: the spec's figures, the schedule windows open now,
// `spec.suspend`, idle auto-suspend and its wake-up, and the one refusal: never leave the FE without any alive BE or
// CN unless the user consented (`allowNoCompute`). A pure function of the spec, the clock, what the last pass
// recorded (status.suspension) and this pass' FE signals. The reconciler then takes the CNs out (or brings them
// back) through the ordinary scale-in (and scale-out) path: a suspended group is one whose target is 0.
import type { ComputeNodeGroupSpec } from '../api/v1alpha1/index.js';
import type { HpaBounds } from '../builders/index.js';
import { windowDemand, type WindowDemand } from './windows.js';

/** Why a group is suspended. */
export type SuspendedBy = 'Spec' | 'Schedule' | 'Idle';

/** What the last pass recorded (status.suspension), parsed. */
export interface SuspensionMemory {
  /** Set while the group is suspended (never while a suspension is refused: nothing was suspended). */
  suspended?: {
    by: SuspendedBy;
    since: Date;
    generation?: number | undefined;
    /**
     * Idle suspensions: the first pass since the suspension that read no work. The FE counts the operator's own
     * DROPs as work for 2 x its check interval (StmtExecutor marks every statement but SHOW, SET and internal ones),
     * so "the FE is busy" wakes the group only once the FE has been seen quiet after them.
     */
    quietSince?: Date | undefined;
  };
  /** Since when the group has been seen without work (for autoSuspend). */
  idleSince?: Date;
  /** The schedule windows open at the last pass (for the WindowOpened / WindowClosed Events). */
  openWindows?: readonly string[];
}

/** Where the work a Busy signal saw is: on the group's CNs, in the FE's queue, or the FE's own idle status. */
export type WorkSource = 'Group' | 'Queue' | 'Fe';

/** This pass' reading of whether there is work for the group. */
export type WorkSignal =
  { kind: 'Unknown'; why: string } | { kind: 'Idle' } | { kind: 'Busy'; why: string; source: WorkSource };

/** Alive BEs or CNs outside this group, as the FE lists them; Unknown (and why) when it could not be read. */
export type OtherCompute = { kind: 'Alive' } | { kind: 'None' } | { kind: 'Unknown'; why: string };

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

export interface Capacity {
  /** The number of CNs the scale-in and scale-out path aims at. */
  replicas: number;
  /** The HPA to run: its bounds; 'Paused' while suspended (no HPA); undefined without an autoscaling policy. */
  hpa: HpaBounds | 'Paused' | undefined;
  memory: SuspensionMemory;
  /** Set when the group wanted 0 CNs and keeps some: what stops it and what to do. */
  refused?: string;
  /** With autoSuspend, why this pass could not tell whether the group has work (its idle time starts over). */
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

/** What this pass decides about suspension, before the refusal of 0 CNs is applied. */
type SuspensionDecision =
  | { kind: 'Running'; resumedBecause?: string }
  | { kind: 'Suspended'; by: SuspendedBy; because: string; quietSince?: Date | undefined };

export function decideCapacity(input: CapacityInput): Capacity {
  const { spec, now, memory } = input;
  const windows = windowDemand(spec.schedules ?? [], now);
  const changes = windowChanges(memory.openWindows ?? [], windows.open);
  const idleSince = nextIdleSince(input);
  const decision = decideSuspension(input, windows, idleSince);
  const unknown =
    spec.autoSuspend !== undefined && input.work.kind === 'Unknown' ? { workUnknown: input.work.why } : {};
  const base = { windows, changes, ...unknown };
  // At 0 already with the FE unreadable, the group stays as it is: no guess either way.
  const staysAtZero = input.otherCompute.kind === 'Unknown' && (input.currentReplicas ?? 1) === 0;
  const zeroAllowed = spec.allowNoCompute || input.otherCompute.kind === 'Alive' || staysAtZero;

  if (decision.kind === 'Suspended' && (zeroAllowed || decision.by !== 'Idle')) {
    const suspended = suspendedMemory(input, decision);
    const record: SuspensionMemory = { suspended, openWindows: windows.open };
    if (zeroAllowed) {
      if (memory.suspended?.by !== decision.by)
        changes.push({ kind: 'Suspended', by: decision.by, detail: decision.because });
      return { ...base, replicas: 0, hpa: paused(spec), memory: record };
    }
    // Asked for by the spec or a window, refused: the group keeps a floor, nothing is recorded as suspended.
    return { ...base, ...refusedZero(input), hpa: paused(spec), memory: { openWindows: windows.open } };
  }
  if (decision.kind === 'Running' && memory.suspended !== undefined && decision.resumedBecause !== undefined) {
    changes.push({ kind: 'Resumed', detail: decision.resumedBecause });
  }
  const wanted = runningCapacity(spec, windows);
  const record: SuspensionMemory = { ...(idleSince === undefined ? {} : { idleSince }), openWindows: windows.open };
  // An idle suspension that would be refused leaves the group as it runs (its HPA keeps at least 1 CN), and says so.
  const refusedIdle =
    decision.kind === 'Suspended' ? refusal(input.otherCompute, 'the group keeps running') : undefined;
  if (wanted.replicas > 0 || zeroAllowed) {
    return { ...base, ...wanted, memory: record, ...(refusedIdle === undefined ? {} : { refused: refusedIdle }) };
  }
  return { ...base, ...refusedZero(input), hpa: wanted.hpa, memory: record };
}

/** 0 CNs where the FE would have none at all, or none known: a floor of 1. */
function refusedZero(input: CapacityInput): { replicas: number; refused: string } {
  return { replicas: 1, refused: refusal(input.otherCompute, 'the group keeps 1 CN') };
}

function refusal(otherCompute: OtherCompute, consequence: string): string {
  const why =
    otherCompute.kind === 'Unknown'
      ? `whether other BEs or CNs are alive is unknown (${otherCompute.why})`
      : 'the FE lists no other alive BE or CN, so every query would fail';
  return `0 CNs refused: ${why}; ${consequence}. Set spec.allowNoCompute: true to accept a cluster without compute`;
}

function paused(spec: CapacitySpec): 'Paused' | undefined {
  return spec.autoScalingPolicy === undefined ? undefined : 'Paused';
}

function suspendedMemory(
  input: CapacityInput,
  decision: Extract<SuspensionDecision, { kind: 'Suspended' }>,
): NonNullable<SuspensionMemory['suspended']> {
  const previous = input.memory.suspended;
  const kept =
    previous?.by === decision.by ? previous : { by: decision.by, since: input.now, generation: input.generation };
  return decision.quietSince === undefined ? kept : { ...kept, quietSince: decision.quietSince };
}

/**
 * Outside a suspension: the spec's figures, with the open windows' in their place. A window's minimum above the
 * policy's maximum raises the maximum with it. `replicas: 0` set by hand (kubectl scale) wins over the windows, as
 * `spec.suspend` does: the HPA is off at 0 and nothing here raises spec.replicas.
 */
function runningCapacity(spec: CapacitySpec, windows: WindowDemand): { replicas: number; hpa: HpaBounds | undefined } {
  const policy = spec.autoScalingPolicy;
  if (policy === undefined) return { replicas: windows.replicas ?? spec.replicas, hpa: undefined };
  const minReplicas = windows.minReplicas ?? policy.minReplicas;
  const maxReplicas = Math.max(windows.maxReplicas ?? policy.maxReplicas, minReplicas ?? 1);
  const hpa: HpaBounds = minReplicas === undefined ? { maxReplicas } : { minReplicas, maxReplicas };
  if (spec.replicas === 0) return { replicas: 0, hpa };
  // The HPA moves spec.replicas within its bounds on its next sync; until then the bounds already hold.
  return { replicas: Math.min(Math.max(spec.replicas, minReplicas ?? 0), maxReplicas), hpa };
}

function decideSuspension(
  input: CapacityInput,
  windows: WindowDemand,
  idleSince: Date | undefined,
): SuspensionDecision {
  const { spec, now, memory } = input;
  const previous = memory.suspended;
  if (spec.suspend) return { kind: 'Suspended', by: 'Spec', because: 'spec.suspend is true' };
  if (windows.suspend)
    return { kind: 'Suspended', by: 'Schedule', because: `window ${windows.open.join(', ')} is open` };
  const auto = spec.autoSuspend;
  if (auto !== undefined && previous?.by === 'Idle') {
    const wake = wakeReason(input, windows, previous.quietSince);
    if (wake !== undefined) return { kind: 'Running', resumedBecause: wake };
    const quietSince = previous.quietSince ?? (input.work.kind === 'Idle' ? now : undefined);
    return { kind: 'Suspended', by: 'Idle', because: 'no work', quietSince };
  }
  const resumedBecause = previous === undefined ? undefined : resumedFrom(previous.by);
  // Inside an open window the window's capacity holds; and never on a guess: this pass must have read no work.
  if (auto === undefined || windows.open.length > 0 || idleSince === undefined || input.work.kind !== 'Idle') {
    return { kind: 'Running', ...(resumedBecause === undefined ? {} : { resumedBecause }) };
  }
  const idleMs = now.getTime() - idleSince.getTime();
  if (idleMs < auto.idleSeconds * 1000) {
    return { kind: 'Running', ...(resumedBecause === undefined ? {} : { resumedBecause }) };
  }
  const because = `no work for ${Math.round(idleMs / 1000)} s (autoSuspend.idleSeconds: ${auto.idleSeconds})`;
  return { kind: 'Suspended', by: 'Idle', because };
}

function resumedFrom(by: SuspendedBy): string {
  if (by === 'Spec') return 'spec.suspend is false';
  if (by === 'Schedule') return 'no suspending window is open';
  return 'autoSuspend was removed';
}

/** Why an idle-suspended group wakes now, if it does. */
function wakeReason(input: CapacityInput, windows: WindowDemand, quietSince: Date | undefined): string | undefined {
  const previous = input.memory.suspended;
  if (previous?.generation !== undefined && input.generation !== previous.generation) return 'the spec changed';
  if (input.spec.autoSuspend?.resume !== 'OnWork') return undefined;
  const { work } = input;
  // The FE's own "busy" counts only once it was seen quiet after the suspension's DROPs (see quietSince).
  if (work.kind === 'Busy' && (work.source !== 'Fe' || quietSince !== undefined)) return work.why;
  if (windows.asksForCns) return `window ${windows.open.join(', ')} opened`;
  return undefined;
}

/** Idle time counts from the first pass without work; any work, or a signal that cannot be read, starts it over. */
function nextIdleSince(input: CapacityInput): Date | undefined {
  if (input.spec.autoSuspend === undefined || input.work.kind !== 'Idle') return undefined;
  return input.memory.idleSince ?? input.now;
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
