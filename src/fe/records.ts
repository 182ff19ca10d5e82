// SHOW COMPUTE NODES rows, read by column NAME: the column set grew from 13 (2.4) to 21 (3.4+) plus four shared-data
// columns, and the official docs print an order that differs from the code, so positions are never trusted.
import { formatHostPort } from '../cn/index.js';

export interface ComputeNodeRecord {
  id: string;
  host: string;
  heartbeatPort: number;
  /** `host:heartbeatPort`, the text ADD and DROP use (IPv6 hosts in brackets). */
  address: string;
  bePort: number;
  httpPort: number;
  brpcPort: number;
  alive: boolean;
  /** `yyyy-MM-dd HH:mm:ss`, or null while the node never answered a heartbeat. */
  lastStartTime: string | null;
  lastHeartbeat: string | null;
  errMsg: string;
  version: string;
  /** 3.4+ only (`CONNECTING`, `OK`, `SHUTDOWN`, `DISCONNECTED`); null on older FEs. */
  statusCode: string | null;
  /** Shared-data clusters only; null otherwise. */
  warehouse: string | null;
  /** The CN's load as the FE last heard it (3.1 and later); null when the rows lack `NumRunningQueries`. */
  load: ComputeNodeLoad | null;
}

/** Per-CN load columns of SHOW COMPUTE NODES, refreshed by every heartbeat (3.1 and later). */
export interface ComputeNodeLoad {
  /** Queries with a fragment on this CN. A query spread over n CNs counts once on each of them. */
  runningQueries: number;
  /** `CpuUsedPct`, 0-100 (of the whole CN, all cores), or null when the cell does not parse. */
  cpuUsedPercent: number | null;
  /** `MemUsedPct`, 0-100, or null when the cell does not parse. */
  memUsedPercent: number | null;
}

/** One result row as the text protocol delivers it: column name to text or SQL NULL. */
export type ResultRow = Readonly<Record<string, unknown>>;

export type ParseRecordsResult = { ok: true; value: ComputeNodeRecord[] } | { ok: false; message: string };

const REQUIRED_COLUMNS = ['ComputeNodeId', 'IP', 'HeartbeatPort', 'Alive'] as const;

export function parseComputeNodeRows(rows: readonly ResultRow[]): ParseRecordsResult {
  const records: ComputeNodeRecord[] = [];
  for (const [index, row] of rows.entries()) {
    const parsed = parseComputeNodeRow(row);
    if (typeof parsed === 'string') return { ok: false, message: `SHOW COMPUTE NODES row ${index}: ${parsed}` };
    records.push(parsed);
  }
  return { ok: true, value: records };
}

/** A record, or the reason the row cannot be one. */
export function parseComputeNodeRow(row: ResultRow): ComputeNodeRecord | string {
  const missing = REQUIRED_COLUMNS.filter((name) => typeof row[name] !== 'string');
  if (missing.length > 0) return `missing or NULL column(s) ${missing.join(', ')}`;
  const host = text(row, 'IP');
  const heartbeatPort = port(row, 'HeartbeatPort');
  if (heartbeatPort === undefined || heartbeatPort < 1)
    return `HeartbeatPort "${text(row, 'HeartbeatPort')}" is not a port`;
  return {
    id: text(row, 'ComputeNodeId'),
    host,
    heartbeatPort,
    address: formatHostPort({ host, port: heartbeatPort }),
    bePort: port(row, 'BePort') ?? -1,
    httpPort: port(row, 'HttpPort') ?? -1,
    brpcPort: port(row, 'BrpcPort') ?? -1,
    alive: text(row, 'Alive').toLowerCase() === 'true',
    lastStartTime: timeOrNull(row, 'LastStartTime'),
    lastHeartbeat: timeOrNull(row, 'LastHeartbeat'),
    errMsg: text(row, 'ErrMsg'),
    version: text(row, 'Version'),
    statusCode: textOrNull(row, 'StatusCode'),
    warehouse: textOrNull(row, 'WarehouseName'),
    load: loadOf(row),
  };
}

/** Null on FEs before 3.1 (no `NumRunningQueries` column) and when the cell is not a count. */
function loadOf(row: ResultRow): ComputeNodeLoad | null {
  const running = textOrNull(row, 'NumRunningQueries')?.trim();
  if (running === undefined || !/^[0-9]{1,9}$/.test(running)) return null;
  return {
    runningQueries: Number(running),
    cpuUsedPercent: percent(row, 'CpuUsedPct'),
    memUsedPercent: percent(row, 'MemUsedPct'),
  };
}

/** `12.5 %` (the FE's format), `12.5%` or `12.5`. */
function percent(row: ResultRow, column: string): number | null {
  const match = /^([0-9]{1,3}(?:\.[0-9]+)?)\s*%?$/.exec(text(row, column).trim());
  return match?.[1] === undefined ? null : Number(match[1]);
}

function text(row: ResultRow, column: string): string {
  const value = row[column];
  return typeof value === 'string' ? value : '';
}

function textOrNull(row: ResultRow, column: string): string | null {
  const value = row[column];
  return typeof value === 'string' ? value : null;
}

/** SQL NULL, an empty cell and the literal `NULL` some versions print all mean "never". */
function timeOrNull(row: ResultRow, column: string): string | null {
  const value = textOrNull(row, column);
  return value === null || value === '' || value.toUpperCase() === 'NULL' ? null : value;
}

/** A port cell: -1 before the first good heartbeat, else 1-65535. */
function port(row: ResultRow, column: string): number | undefined {
  const value = text(row, column).trim();
  if (!/^-?[0-9]{1,5}$/.test(value)) return undefined;
  const number = Number(value);
  return number === -1 || (number >= 0 && number <= 65535) ? number : undefined;
}
