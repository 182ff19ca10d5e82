import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { workSignal } from '../../../src/capacity/work.js';
import { parseIdleStatus, type QueueReading } from '../../../src/fe/index.js';
import type { GroupLoad } from '../../../src/load/figures.js';

const load = (runningQueries: number | null): GroupLoad => ({
  aliveComputeNodes: 2,
  runningQueries,
  pendingQueries: 0,
  queryLoad: runningQueries,
  slotLoad: runningQueries,
  cpuUsedPercent: null,
  memUsedPercent: null,
  gaps: [],
});
const queue = (pending: number): QueueReading => ({
  kind: 'Read',
  queue: { running: 0, pending, slots: { running: 0, pending } },
});

describe('parseIdleStatus', () => {
  it('reads the FE body: idle with an idleTime, busy at -1', () => {
    const idle = '{"isClusterIdle":true,"clusterIdleTime":1734113878006,"warehouses":[]}';
    assert.deepEqual(parseIdleStatus(200, idle), { kind: 'Idle' });
    const busy = '{"isClusterIdle":false,"clusterIdleTime":-1,"warehouses":[]}';
    assert.deepEqual(parseIdleStatus(200, busy), { kind: 'Busy' });
  });

  it('tells off (the text), absent (401/404) and garbage apart', () => {
    assert.deepEqual(parseIdleStatus(200, 'warehouse idle check is not enabled'), { kind: 'Off' });
    assert.deepEqual(parseIdleStatus(401, 'Authentication Failed.'), { kind: 'Absent' });
    assert.deepEqual(parseIdleStatus(404, 'this is 404 page.'), { kind: 'Absent' });
    assert.equal(parseIdleStatus(500, '').kind, 'Failed');
    assert.equal(parseIdleStatus(200, '<html>').kind, 'Failed');
    assert.equal(parseIdleStatus(200, '{"isClusterIdle":"yes","clusterIdleTime":1}').kind, 'Failed');
  });
});

describe('workSignal', () => {
  it('is unknown without an FE read, or without per-CN load', () => {
    assert.equal(workSignal({ load: null, queue: null }).kind, 'Unknown');
    assert.equal(workSignal({ load: load(null), queue: queue(0) }).kind, 'Unknown');
  });

  it('is busy with queries on the group or queued in the FE, each named by its source', () => {
    assert.deepEqual(workSignal({ load: load(3), queue: queue(0) }), {
      kind: 'Busy',
      why: '3 queries run on the group',
      source: 'Group',
    });
    assert.deepEqual(workSignal({ load: load(0), queue: queue(2) }), {
      kind: 'Busy',
      why: "2 queries wait in the FE's queue",
      source: 'Queue',
    });
  });

  it('is unknown when the queue was not read this period (an empty queue is not a guess)', () => {
    const failed: QueueReading = { kind: 'Failed', message: 'timeout' };
    assert.deepEqual(workSignal({ load: load(0), queue: failed }), {
      kind: 'Unknown',
      why: "the FE's queue was not read: timeout",
    });
    const unsupported: QueueReading = { kind: 'Unsupported', message: 'syntax error' };
    assert.deepEqual(workSignal({ load: load(0), queue: unsupported }), { kind: 'Idle' });
  });

  it('is busy when any FE says so, unknown when one cannot be read, idle otherwise', () => {
    const idle = { kind: 'Idle' as const };
    assert.equal(workSignal({ load: load(0), queue: queue(0), feIdle: [idle, { kind: 'Busy' }] }).kind, 'Busy');
    const failed = workSignal({
      load: load(0),
      queue: queue(0),
      feIdle: [idle, { kind: 'Failed', message: 'timeout' }],
    });
    assert.deepEqual(failed, { kind: 'Unknown', why: 'GET /api/idle_status failed: timeout' });
    assert.deepEqual(workSignal({ load: load(0), queue: queue(0), feIdle: [idle, { kind: 'Off' }] }), { kind: 'Idle' });
    assert.deepEqual(workSignal({ load: load(0), queue: queue(0) }), { kind: 'Idle' });
  });
});
