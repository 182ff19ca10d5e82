// The FE's idle status, GET /api/idle_status on its HTTP port, read by autoSuspend (src/capacity/work.ts).
// What the FE answers (fe-core http/rest/IdleAction.java, warehouse/IdleStatus.java, WarehouseIdleChecker.java):
// - on: 200, `{"isClusterIdle":bool,"clusterIdleTime":ms,"warehouses":[{"id","name","isIdle","idleTime"}]}`, idleTime
//   the epoch ms the warehouse was first seen idle, -1 while busy. Idle means no running SQL, load, routine load,
//   backup/restore, schema change or task run, and none finished in the last 2 x warehouse_idle_check_interval_seconds
//   (120 s by default). Every statement but SHOW, SET, `select @@`, ADMIN SET CONFIG and internal SQL counts, the
//   operator's own ALTER SYSTEM and KILL included (StmtExecutor.shouldMarkIdleCheck). Each FE counts the SQL it runs
//   itself, so every FE is asked and one busy FE is enough.
// - off (the default): 200 with the text `warehouse idle check is not enabled`.
// - absent (before 3.3.8 / 3.4.0): no such handler; the FE's not-found action answers 401 without credentials.
import { isRecord } from '../util/guards.js';

/** One FE's answer to GET /api/idle_status. */
export type FeIdleReading =
  { kind: 'Idle' } | { kind: 'Busy' } | { kind: 'Off' } | { kind: 'Absent' } | { kind: 'Failed'; message: string };

const IDLE_CHECK_OFF_TEXT = 'warehouse idle check is not enabled';

/** Parses one FE's HTTP answer. */
export function parseIdleStatus(statusCode: number, body: string): FeIdleReading {
  if (statusCode === 401 || statusCode === 404) return { kind: 'Absent' };
  if (statusCode !== 200) return { kind: 'Failed', message: `HTTP ${statusCode}` };
  if (body.trim() === IDLE_CHECK_OFF_TEXT) return { kind: 'Off' };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'Failed', message: 'the answer is neither JSON nor the "not enabled" text' };
  }
  // Read by hand, not with zod: the FE client is in the register sidecar's import graph, which stays small.
  const isClusterIdle = isRecord(json) ? json['isClusterIdle'] : undefined;
  const clusterIdleTime = isRecord(json) ? json['clusterIdleTime'] : undefined;
  if (typeof isClusterIdle !== 'boolean' || typeof clusterIdleTime !== 'number') {
    return { kind: 'Failed', message: 'the answer lacks isClusterIdle or clusterIdleTime' };
  }
  return isClusterIdle && clusterIdleTime >= 0 ? { kind: 'Idle' } : { kind: 'Busy' };
}
