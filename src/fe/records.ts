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
  };
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
