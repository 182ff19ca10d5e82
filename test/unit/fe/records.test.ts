import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUnknownStatementAnswer, parseComputeNodeRows, parseRunningQueryRows } from '../../../src/fe/index.js';

const ROW_2_4 = {
  ComputeNodeId: '10001',
  IP: '10.0.0.1',
  HeartbeatPort: '9050',
  BePort: '9060',
  HttpPort: '8040',
  BrpcPort: '8060',
  LastStartTime: '2026-01-02 03:04:05',
  LastHeartbeat: '2026-01-02 03:04:10',
  Alive: 'true',
  SystemDecommissioned: 'false',
  ClusterDecommissioned: 'false',
  ErrMsg: '',
  Version: '2.4.0-c0fa2bb',
};
const ROW_3_3_EXTRA = {
  CpuCores: '8',
  MemLimit: '16.000GB',
  NumRunningQueries: '0',
  MemUsedPct: '0.00 %',
  CpuUsedPct: '0.0 %',
  DataCacheMetrics: 'N/A',
  HasStoragePath: 'false',
};

describe('parseComputeNodeRows', () => {
  it('reads a 2.4 row (13 columns): no StatusCode, no warehouse, no load', () => {
    const result = parseComputeNodeRows([ROW_2_4]);
    assert.deepEqual(result, {
      ok: true,
      value: [
        {
          id: '10001',
          host: '10.0.0.1',
          heartbeatPort: 9050,
          address: '10.0.0.1:9050',
          bePort: 9060,
          httpPort: 8040,
          brpcPort: 8060,
          alive: true,
          lastStartTime: '2026-01-02 03:04:05',
          lastHeartbeat: '2026-01-02 03:04:10',
          errMsg: '',
          version: '2.4.0-c0fa2bb',
          statusCode: null,
          warehouse: null,
          load: null,
        },
      ],
    });
  });

  it('reads the load columns of 3.1 and later', () => {
    const row = { ...ROW_2_4, ...ROW_3_3_EXTRA, NumRunningQueries: '3', CpuUsedPct: '87.5 %', MemUsedPct: '41.20 %' };
    const result = parseComputeNodeRows([row]);
    assert.ok(result.ok);
    assert.deepEqual(result.value[0]?.load, { runningQueries: 3, cpuUsedPercent: 87.5, memUsedPercent: 41.2 });
  });

  it('keeps the query count when a percentage cell does not parse, and no load without a count', () => {
    const odd = parseComputeNodeRows([{ ...ROW_2_4, ...ROW_3_3_EXTRA, CpuUsedPct: 'N/A' }]);
    assert.ok(odd.ok);
    assert.deepEqual(odd.value[0]?.load, { runningQueries: 0, cpuUsedPercent: null, memUsedPercent: 0 });
    const noCount = parseComputeNodeRows([{ ...ROW_2_4, ...ROW_3_3_EXTRA, NumRunningQueries: '-1' }]);
    assert.ok(noCount.ok);
    assert.equal(noCount.value[0]?.load, null);
  });

  it('reads latest shared-data rows by name, in any column order', () => {
    const row = {
      WarehouseName: 'wh1',
      StatusCode: 'CONNECTING',
      TabletNum: '0',
      ...ROW_3_3_EXTRA,
      WorkerId: '3',
      StarletPort: '9070',
      ...ROW_2_4,
      Alive: 'false',
      BePort: '-1',
      HttpPort: '-1',
      BrpcPort: '-1',
      LastStartTime: null,
      LastHeartbeat: null,
    };
    const result = parseComputeNodeRows([row]);
    assert.ok(result.ok);
    const record = result.value[0];
    assert.equal(record?.alive, false);
    assert.equal(record.bePort, -1);
    assert.equal(record.lastStartTime, null);
    assert.equal(record.lastHeartbeat, null);
    assert.equal(record.statusCode, 'CONNECTING');
    assert.equal(record.warehouse, 'wh1');
  });

  it('treats an empty or literal NULL time as never', () => {
    const result = parseComputeNodeRows([{ ...ROW_2_4, LastStartTime: '', LastHeartbeat: 'NULL' }]);
    assert.ok(result.ok);
    assert.equal(result.value[0]?.lastStartTime, null);
    assert.equal(result.value[0].lastHeartbeat, null);
  });

  it('brackets an IPv6 host in the address', () => {
    const result = parseComputeNodeRows([{ ...ROW_2_4, IP: 'fd00::7' }]);
    assert.ok(result.ok);
    assert.equal(result.value[0]?.address, '[fd00::7]:9050');
  });

  it('names the missing column', () => {
    const { IP: _ip, ...withoutIp } = ROW_2_4;
    const result = parseComputeNodeRows([ROW_2_4, withoutIp]);
    assert.deepEqual(result, { ok: false, message: 'SHOW COMPUTE NODES row 1: missing or NULL column(s) IP' });
  });

  it('refuses a heartbeat port that is not a port', () => {
    const result = parseComputeNodeRows([{ ...ROW_2_4, HeartbeatPort: '-1' }]);
    assert.equal(result.ok, false);
  });
});

describe('parseRunningQueryRows', () => {
  const row = (State: string, extra: Record<string, string> = {}) => ({
    QueryId: 'a-b',
    ResourceGroupId: '-',
    StartTime: '2026-01-02 03:04:05',
    PendingTimeout: '2026-01-02 03:09:05',
    QueryTimeout: '2026-01-02 03:09:05',
    State,
    Slots: '1',
    Fragments: '3',
    DOP: '4',
    Frontend: 'fe-0',
    FeStartTime: '2026-01-02 00:00:00',
    ...extra,
  });

  it('counts RUNNING, and PENDING with CREATED as waiting; FINISHED rows are leaving', () => {
    const result = parseRunningQueryRows([
      row('RUNNING'),
      row('RUNNING'),
      row('PENDING'),
      row('CREATED'),
      row('FINISHED'),
    ]);
    assert.deepEqual(result, { ok: true, value: { running: 2, pending: 2, slots: { running: 2, pending: 2 } } });
  });

  it("sums the Slots of running and waiting queries (queue v2's estimates, with 3.5's WarehouseId column)", () => {
    const result = parseRunningQueryRows([
      row('RUNNING', { Slots: '8', WarehouseId: '-' }),
      row('PENDING', { Slots: '16', WarehouseId: '-' }),
      row('CREATED', { Slots: ' 2 ', WarehouseId: '-' }),
      row('FINISHED', { Slots: '4', WarehouseId: '-' }),
    ]);
    assert.deepEqual(result, { ok: true, value: { running: 1, pending: 2, slots: { running: 8, pending: 18 } } });
  });

  it('gives no slot figure when a row has no count there, and keeps the query counts', () => {
    for (const Slots of ['', 'NULL', '-1', '1.5']) {
      const result = parseRunningQueryRows([row('RUNNING'), row('PENDING', { Slots })]);
      assert.deepEqual(result, { ok: true, value: { running: 1, pending: 1, slots: null } }, Slots);
    }
    const missing = parseRunningQueryRows([{ State: 'PENDING' }]);
    assert.deepEqual(missing, { ok: true, value: { running: 0, pending: 1, slots: null } });
  });

  it('knows the answer of an FE without the statement: a syntax error, in either wording', () => {
    assert.ok(
      isUnknownStatementAnswer("Getting syntax error at line 1, column 5. Detail message: Unexpected input 'RUNNING'"),
    );
    assert.ok(isUnknownStatementAnswer('Syntax error in line 1:\nSHOW RUNNING QUERIES'));
    assert.ok(!isUnknownStatementAnswer('Too many connections'));
  });

  it('refuses rows without a State column', () => {
    const result = parseRunningQueryRows([{ QueryId: 'x' }]);
    assert.equal(result.ok, false);
  });
});
