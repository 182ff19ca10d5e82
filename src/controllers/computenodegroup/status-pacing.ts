// Status writes of one group are paced. While a group's pods start, each pod's step (created, scheduled, running,
// ready) changes a count in the status, and writing every one costs a request, a watch event that every watcher of
// the group parses, and one more pass. Counts and messages therefore wait until the group's last status write is
// `intervalMs` old, and the pass asks to run again then, so the status still catches up within the interval. A
// change someone acts on is written at once: a condition's status or reason (Ready above all), the ledger of CNs in
// the FE (what a deletion drops, so it is never held back), the observed generation and the pod selector.
import { isDeepStrictEqual } from 'node:util';
import type { ComputeNodeGroupStatus } from '../../api/v1alpha1/index.js';

export type StatusWriteDecision =
  | { kind: 'Unchanged' }
  | { kind: 'Write'; status: ComputeNodeGroupStatus }
  /** Only counts or messages changed, and the last write is recent: write on the pass after `afterMs`. */
  | { kind: 'Defer'; afterMs: number };

export interface StatusPacingInput {
  current: ComputeNodeGroupStatus | undefined;
  next: ComputeNodeGroupStatus;
  /** When this process last wrote the group's status (ms since the epoch); undefined when it has not. */
  lastWrittenAtMs: number | undefined;
  nowMs: number;
  /** 0 writes every change at once. */
  intervalMs: number;
}

export function decideStatusWrite(input: StatusPacingInput): StatusWriteDecision {
  const { current, next, lastWrittenAtMs, nowMs, intervalMs } = input;
  if (isDeepStrictEqual(next, current)) return { kind: 'Unchanged' };
  const write = { kind: 'Write', status: next } as const;
  if (current === undefined || lastWrittenAtMs === undefined || needsWritingNow(current, next)) return write;
  const elapsedMs = nowMs - lastWrittenAtMs;
  // A clock that went back counts as "long ago": the write is never held back by a wrong clock.
  if (elapsedMs >= intervalMs || elapsedMs < 0) return write;
  return { kind: 'Defer', afterMs: intervalMs - elapsedMs };
}

function needsWritingNow(current: ComputeNodeGroupStatus, next: ComputeNodeGroupStatus): boolean {
  return (
    current.observedGeneration !== next.observedGeneration ||
    current.labelSelector !== next.labelSelector ||
    !isDeepStrictEqual(current.computeNodes, next.computeNodes) ||
    !isDeepStrictEqual(conditionStates(current), conditionStates(next))
  );
}

/** Each condition's type, status and reason: what alerts, `kubectl wait` and users act on. */
function conditionStates(status: ComputeNodeGroupStatus): string[] {
  return (status.conditions ?? []).map((condition) => `${condition.type}=${condition.status}/${condition.reason}`);
}
