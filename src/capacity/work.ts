// Whether a group has work, from what the operator reads anyway (its CNs' running queries, the FE's queue) and, where
// the user gave the FE's HTTP port, the FE's own idle status (GET /api/idle_status, StarRocks 3.3.8+, 3.4.0+, 3.5+,
// with `warehouse_idle_check_enable`; what it answers: src/fe/idle-status.ts). Pure.
import type { FeIdleReading, QueueReading } from '../fe/index.js';
import type { GroupLoad } from '../load/figures.js';
import type { WorkSignal } from './decide.js';

export interface WorkInput {
  /** The group's load from this pass' FE read; null when the FE was not read. */
  load: GroupLoad | null;
  queue: QueueReading | null;
  /** Every FE's idle status; undefined when not asked (no autoSuspend.feHttpPort). */
  feIdle?: readonly FeIdleReading[] | undefined;
}

export function workSignal(input: WorkInput): WorkSignal {
  const { load, queue } = input;
  if (load === null || queue === null) return { kind: 'Unknown', why: 'the FE was not read' };
  if (queue.kind === 'Failed') return { kind: 'Unknown', why: `the FE's queue was not read: ${queue.message}` };
  if (queue.kind === 'Read' && queue.queue.pending > 0) {
    return { kind: 'Busy', why: `${queue.queue.pending} queries wait in the FE's queue`, source: 'Queue' };
  }
  const feIdle = input.feIdle ?? [];
  if (feIdle.some((reading) => reading.kind === 'Busy')) {
    return { kind: 'Busy', why: 'the FE reports running work (GET /api/idle_status)', source: 'Fe' };
  }
  if (load.runningQueries === null) {
    return { kind: 'Unknown', why: 'the FE reports no per-CN load (StarRocks 3.1 or later is needed)' };
  }
  if (load.runningQueries > 0) {
    return { kind: 'Busy', why: `${load.runningQueries} queries run on the group`, source: 'Group' };
  }
  const failed = feIdle.find((reading) => reading.kind === 'Failed');
  if (failed !== undefined) return { kind: 'Unknown', why: `GET /api/idle_status failed: ${failed.message}` };
  return { kind: 'Idle' };
}
