// SHOW RUNNING QUERIES (3.1.4 and later): the FE's query queue, read by column name. It lists only the queries the
// FE's slot manager admits, that is when query queues are on (`enable_query_queue_select` and friends, or the
// v2 queue on by default from 4.1); with queues off every query runs at once and the list stays empty. States:
// RUNNING (slots allocated), PENDING (waiting for slots), CREATED (not yet asking); FINISHED rows are leaving.
// The statement names no warehouse by name (newer FEs add a numeric id), so the queue is counted for the whole FE.
import type { ResultRow } from './records.js';

export const SHOW_RUNNING_QUERIES = 'SHOW RUNNING QUERIES';

/** The FE's queue in one read: counts by state, and the slots they hold or wait for. */
export interface QueryQueue {
  running: number;
  /** PENDING and CREATED: admitted by nobody yet. */
  pending: number;
  /**
   * The `Slots` of the running and the waiting queries, summed: 1 per query under queue v1 (the default up to 4.0),
   * the FE's estimate per query under v2 (the default from 4.1). Null when a row has no count there.
   */
  slots: { running: number; pending: number } | null;
}

export type ParseQueueResult = { ok: true; value: QueryQueue } | { ok: false; message: string };

const WAITING_STATES = new Set(['PENDING', 'CREATED']);

export function parseRunningQueryRows(rows: readonly ResultRow[]): ParseQueueResult {
  let running = 0;
  let pending = 0;
  let slots: { running: number; pending: number } | null = { running: 0, pending: 0 };
  for (const [index, row] of rows.entries()) {
    const state = row['State'];
    if (typeof state !== 'string') return { ok: false, message: `SHOW RUNNING QUERIES row ${index}: no State column` };
    const upper = state.trim().toUpperCase();
    const held = slotCount(row['Slots']);
    if (held === null) slots = null;
    if (WAITING_STATES.has(upper)) {
      pending += 1;
      if (slots !== null && held !== null) slots.pending += held;
    } else if (upper === 'RUNNING') {
      running += 1;
      if (slots !== null && held !== null) slots.running += held;
    }
  }
  return { ok: true, value: { running, pending, slots } };
}

/** A `Slots` cell: a whole number (VARCHAR in every version); null for anything else, never a guess. */
function slotCount(cell: unknown): number | null {
  if (typeof cell !== 'string' || !/^[0-9]{1,9}$/.test(cell.trim())) return null;
  return Number(cell.trim());
}

/** An FE before 3.1.4 does not know the statement: its parser answers a syntax error (2.x and 3.x wordings). */
export function isUnknownStatementAnswer(feMessage: string): boolean {
  return /syntax error/i.test(feMessage);
}
