// SHOW RUNNING QUERIES (3.1.4 and later): the FE's query queue, read by column name. It lists only the queries the
// FE's slot manager admits, that is when query queues are on (`enable_query_queue_select` and friends, or the
// v2 queue on by default from 4.1); with queues off every query runs at once and the list stays empty. States:
// RUNNING (slots allocated), PENDING (waiting for slots), CREATED (not yet asking); FINISHED rows are leaving.
import type { ResultRow } from './records.js';

export const SHOW_RUNNING_QUERIES = 'SHOW RUNNING QUERIES';

/** The FE's queue in one read: counts by state, and by warehouse where the FE names one. */
export interface QueryQueue {
  running: number;
  /** PENDING and CREATED: admitted by nobody yet. */
  pending: number;
  /** Per warehouse (`Warehouse` column of FEs that have several); empty when the column is absent. */
  byWarehouse: ReadonlyMap<string, { running: number; pending: number }>;
}

export type ParseQueueResult = { ok: true; value: QueryQueue } | { ok: false; message: string };

const WAITING_STATES = new Set(['PENDING', 'CREATED']);

export function parseRunningQueryRows(rows: readonly ResultRow[]): ParseQueueResult {
  let running = 0;
  let pending = 0;
  const byWarehouse = new Map<string, { running: number; pending: number }>();
  for (const [index, row] of rows.entries()) {
    const state = row['State'];
    if (typeof state !== 'string') return { ok: false, message: `SHOW RUNNING QUERIES row ${index}: no State column` };
    const upper = state.trim().toUpperCase();
    const waiting = WAITING_STATES.has(upper);
    if (!waiting && upper !== 'RUNNING') continue;
    if (waiting) pending += 1;
    else running += 1;
    const warehouse = row['Warehouse'];
    if (typeof warehouse === 'string') {
      const counts = byWarehouse.get(warehouse) ?? { running: 0, pending: 0 };
      if (waiting) counts.pending += 1;
      else counts.running += 1;
      byWarehouse.set(warehouse, counts);
    }
  }
  return { ok: true, value: { running, pending, byWarehouse } };
}
