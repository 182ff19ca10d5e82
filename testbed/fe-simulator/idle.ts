// The FE's idle checker (fe-core warehouse/WarehouseIdleChecker.java, 3.4.0+ and 3.3.8+), for GET /api/idle_status:
// - off unless `warehouse_idle_check_enable` (Config.java: false by default, mutable);
// - a warehouse is idle when nothing runs there (user SQL, loads, backups, schema changes, task runs) and nothing
//   finished in the last 2 x `warehouse_idle_check_interval_seconds` (60 by default): 120 s;
// - `idleTime` is the epoch ms the checker first saw it idle, -1 while busy; work removes it.
// The checker runs every interval and at each GET. The simulator samples the work it knows (the queries it lists as
// running or pending: SHOW RUNNING QUERIES' rows) at each GET, each load change and each interval, so the end of the
// last query is known to within one sample. Every statement a client sends counts too, the operator's ALTER SYSTEM and
// KILL included; SHOW, SET and `select @@` do not (StmtExecutor.shouldMarkIdleCheck, SqlUtils.isPreQuerySQL).
export interface IdleStatusBody {
  isClusterIdle: boolean;
  clusterIdleTime: number;
  warehouses: { id: number; name: string; isIdle: boolean; idleTime: number }[];
}

export const DEFAULT_IDLE_CHECK_INTERVAL_SECONDS = 60;

export class IdleChecker {
  enabled = false;
  intervalSeconds = DEFAULT_IDLE_CHECK_INTERVAL_SECONDS;
  private lastBusyMs: number | undefined;
  private idleSinceMs: number | undefined;

  /** One check: `work` is how many jobs run now. */
  observe(work: number, nowMs: number): void {
    if (work > 0) {
      this.lastBusyMs = nowMs;
      this.idleSinceMs = undefined;
      return;
    }
    const quietMs = 2 * this.intervalSeconds * 1000;
    if (this.lastBusyMs === undefined || this.lastBusyMs < nowMs - quietMs) this.idleSinceMs ??= nowMs;
  }

  /** The body IdleAction writes (Gson, no wrapper): the one warehouse of open-source StarRocks. */
  body(): IdleStatusBody {
    const idleTime = this.idleSinceMs ?? -1;
    const isIdle = this.idleSinceMs !== undefined;
    return {
      isClusterIdle: isIdle,
      clusterIdleTime: idleTime,
      warehouses: [{ id: 0, name: 'default_warehouse', isIdle, idleTime }],
    };
  }
}
