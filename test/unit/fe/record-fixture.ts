// One SHOW COMPUTE NODES record for unit tests: a CN that answered its heartbeats, with what a test changes.
import type { ComputeNodeRecord } from '../../../src/fe/index.js';

export function computeNodeRecord(host: string, extra: Partial<ComputeNodeRecord> = {}): ComputeNodeRecord {
  const port = extra.heartbeatPort ?? 9050;
  return {
    id: '1',
    host,
    heartbeatPort: port,
    address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    bePort: 9060,
    httpPort: 8040,
    brpcPort: 8060,
    alive: true,
    lastStartTime: null,
    lastHeartbeat: '2026-11-24 21:00:00',
    errMsg: '',
    version: '3.3.5',
    statusCode: null,
    warehouse: null,
    load: null,
    ...extra,
  };
}
