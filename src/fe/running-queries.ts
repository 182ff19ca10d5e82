// SHOW RUNNING QUERIES (3.1.4 and later): the FE's query queue, read by column name. It lists only the queries the
// FE's slot manager admits, that is when query queues are on (`enable_query_queue_select` and friends, or the
// v2 queue on by default from 4.1); with queues off every query runs at once and the list stays empty. States:
// RUNNING (slots allocated), PENDING (waiting for slots), CREATED (not yet asking); FINISHED rows are leaving.
// The statement names no warehouse by name (newer FEs add a numeric id), so the queue is counted for the whole FE.
import type { ResultRow } from './records.js';

export const SHOW_RUNNING_QUERIES = 'SHOW RUNNING QUERIES';

/** The FE's queue in one read: counts by state. */
export interface QueryQueue {
  running: number;
  /** PENDING and CREATED: admitted by nobody yet. */
  pending: number;
}

export type ParseQueueResult = { ok: true; value: QueryQueue } | { ok: false; message: string };

const WAITING_STATES = new Set(['PENDING', 'CREATED']);

export function parseRunningQueryRows(rows: readonly ResultRow[]): ParseQueueResult {
  let running = 0;
  let pending = 0;
  for (const [index, row] of rows.entries()) {
    const state = row['State'];
    if (typeof state !== 'string') return { ok: false, message: `SHOW RUNNING QUERIES row ${index}: no State column` };
    const upper = state.trim().toUpperCase();
    if (WAITING_STATES.has(upper)) pending += 1;
    else if (upper === 'RUNNING') running += 1;
  }
  return { ok: true, value: { running, pending } };
}

/** An FE before 3.1.4 does not know the statement: its parser answers a syntax error (2.x and 3.x wordings). */
export function isUnknownStatementAnswer(feMessage: string): boolean {
  return /syntax error/i.test(feMessage);
}
