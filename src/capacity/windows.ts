// Which schedule windows are open at a given time, what they ask for together, and when that next changes. A pure
// function of the clock: the reconciler calls it on every pass and asks to be woken for the next change.
import { cronTimes } from '../util/cron.js';

export interface ScheduleWindow {
  name: string;
  start: string;
  end: string;
  timeZone: string;
  suspend?: boolean | undefined;
  replicas?: number | undefined;
  minReplicas?: number | undefined;
  maxReplicas?: number | undefined;
}

/** One window at one instant. */
export type WindowState =
  | { name: string; open: true; openedAt: Date; closesAt: Date | null }
  | { name: string; open: false; opensAt: Date | null };

/** What the open windows ask for together (docs/cost-control.md, "Overlapping windows"). */
export interface WindowDemand {
  /** The open windows, in the spec's order. */
  open: string[];
  /** The largest `replicas` of the open windows, if any sets it. */
  replicas?: number;
  minReplicas?: number;
  maxReplicas?: number;
  /** An open window suspends the group and no open window asks for CNs. */
  suspend: boolean;
  /** An open window sets a figure above 0 (replicas, minReplicas or maxReplicas): it asks for CNs. */
  asksForCns: boolean;
  /** The soonest time a window opens or closes, and which. */
  nextChange?: { at: Date; window: string; opens: boolean };
}

/** The cron times are minutes: a time at the exact minute counts as reached. */
const INCLUSIVE_MS = 1_000;

export function windowState(window: ScheduleWindow, now: Date): WindowState {
  const start = cronTimes(window.start, window.timeZone);
  const end = cronTimes(window.end, window.timeZone);
  const lastStart = start.previous(new Date(now.getTime() + INCLUSIVE_MS));
  const closesAt = lastStart === null ? null : end.next(lastStart);
  if (lastStart !== null && (closesAt === null || closesAt.getTime() > now.getTime())) {
    return { name: window.name, open: true, openedAt: lastStart, closesAt };
  }
  return { name: window.name, open: false, opensAt: start.next(now) };
}

export function windowDemand(windows: readonly ScheduleWindow[], now: Date): WindowDemand {
  const demand: WindowDemand = { open: [], suspend: false, asksForCns: false };
  let suspending = false;
  for (const window of windows) {
    const state = windowState(window, now);
    const at = state.open ? state.closesAt : state.opensAt;
    if (at !== null && (demand.nextChange === undefined || at < demand.nextChange.at)) {
      demand.nextChange = { at, window: window.name, opens: !state.open };
    }
    if (!state.open) continue;
    demand.open.push(window.name);
    if (window.suspend === true) suspending = true;
    demand.replicas = larger(demand.replicas, window.replicas);
    demand.minReplicas = larger(demand.minReplicas, window.minReplicas);
    demand.maxReplicas = larger(demand.maxReplicas, window.maxReplicas);
  }
  demand.asksForCns = [demand.replicas, demand.minReplicas, demand.maxReplicas].some(
    (figure) => figure !== undefined && figure > 0,
  );
  demand.suspend = suspending && !demand.asksForCns;
  return demand;
}

function larger(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
