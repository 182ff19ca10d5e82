// starrocks-fe.md sections 5 (heartbeats and liveness) and 6 (SHOW COMPUTE NODES columns and cell formats).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CnEmulator } from '../../../cn-emulator/index.js';
import { FeSimulator, FAILURES_BEFORE_DEAD, PROFILE_NAMES, type ProfileName } from '../../../fe-simulator/index.js';
import { expectRows, sql, isFrom34 } from './clients.js';

const COMMON_13 = [
  'ComputeNodeId',
  'IP',
  'HeartbeatPort',
  'BePort',
  'HttpPort',
  'BrpcPort',
  'LastStartTime',
  'LastHeartbeat',
  'Alive',
  'SystemDecommissioned',
  'ClusterDecommissioned',
  'ErrMsg',
  'Version',
];
const ADDED_3_3 = [
  'CpuCores',
  'MemLimit',
  'NumRunningQueries',
  'MemUsedPct',
  'CpuUsedPct',
  'DataCacheMetrics',
  'HasStoragePath',
];
const EXPECTED_COLUMNS: Record<ProfileName, string[]> = {
  '2.4': COMMON_13,
  '3.3': [...COMMON_13, ...ADDED_3_3],
  '3.4': [...COMMON_13, ...ADDED_3_3, 'StatusCode'],
  '3.5': [...COMMON_13, ...ADDED_3_3, 'StatusCode'],
  '4.1': [...COMMON_13, ...ADDED_3_3, 'StatusCode'],
};
const SHARED_DATA = ['StarletPort', 'WorkerId', 'WarehouseName', 'TabletNum'];
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

for (const version of PROFILE_NAMES) {
  describe(`FE simulator ${version}: columns`, () => {
    // Shared-data (run_mode = shared_data) arrived with 3.0: a 2.4 FE has no such mode.
    if (version === '2.4') {
      it('has no shared-data mode', () => {
        assert.throws(() => new FeSimulator({ version, sharedData: true }), /shared-data needs StarRocks 3\.0/);
      });
    }
    for (const sharedData of version === '2.4' ? [false] : [false, true]) {
      it(`${sharedData ? 'shared-data' : 'shared-nothing'}: the exact column list and order`, async () => {
        const sim = new FeSimulator({ version, sharedData });
        await sim.start();
        try {
          const answer = await sql(sim.ports[0] ?? 0, 'SHOW COMPUTE NODES');
          assert.ok(answer.ok);
          assert.deepEqual(answer.columns, [...EXPECTED_COLUMNS[version], ...(sharedData ? SHARED_DATA : [])]);
        } finally {
          await sim.stop();
        }
      });
    }

    it('rows are sorted by IP then BePort; ids are numeric', async () => {
      const sim = new FeSimulator({ version });
      await sim.start();
      try {
        const port = sim.ports[0] ?? 0;
        await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.0.0.9:9050", "10.0.0.10:9050", "10.0.0.1:9051"');
        const rows = expectRows(await sql(port, 'SHOW COMPUTE NODES'));
        assert.deepEqual(
          rows.map((row) => row['IP']),
          ['10.0.0.1', '10.0.0.10', '10.0.0.9'],
        );
        for (const row of rows) assert.match(row['ComputeNodeId'] ?? '', /^\d+$/);
      } finally {
        await sim.stop();
      }
    });
  });

  describe(`FE simulator ${version}: heartbeats`, () => {
    let sim: FeSimulator;
    let port: number;
    const address = '10.5.0.1:9050';
    before(async () => {
      sim = new FeSimulator({ version, heartbeatPeriodMs: 60_000 });
      await sim.start();
      port = sim.ports[0] ?? 0;
      await sql(port, `ALTER SYSTEM ADD COMPUTE NODE "${address}"`);
    });
    after(async () => {
      await sim.stop();
    });
    const row = async (): Promise<Record<string, string | null>> => {
      const found = expectRows(await sql(port, 'SHOW COMPUTE NODES')).find((r) => r['IP'] === '10.5.0.1');
      assert.ok(found);
      return found;
    };

    it('first good heartbeat: Alive, ports, LastStartTime, Version, ErrMsg ""', async () => {
      sim.liveness.set(address, { ok: true, ports: { bePort: 9160, httpPort: 8140, brpcPort: 8160 } });
      await sim.runHeartbeats();
      const cells = await row();
      assert.equal(cells['Alive'], 'true');
      assert.equal(cells['BePort'], '9160');
      assert.equal(cells['HttpPort'], '8140');
      assert.equal(cells['BrpcPort'], '8160');
      assert.match(cells['LastStartTime'] ?? '', TIME);
      assert.match(cells['LastHeartbeat'] ?? '', TIME);
      assert.equal(cells['ErrMsg'], '');
      assert.equal(cells['Version'], sim.profile.nodeVersion);
      if (version !== '2.4') {
        assert.equal(cells['MemUsedPct'], '0.00 %');
        assert.equal(cells['CpuUsedPct'], '0.0 %');
        assert.equal(cells['NumRunningQueries'], '0');
      }
      if (isFrom34(version)) assert.equal(cells['StatusCode'], 'OK');
    });

    it('dead only on the 4th consecutive failure, with the heartbeat error in ErrMsg', async () => {
      sim.liveness.setAlive(address, false, 'java.net.ConnectException: Connection refused');
      await sim.runHeartbeats(FAILURES_BEFORE_DEAD - 1);
      assert.equal((await row())['Alive'], 'true');
      await sim.runHeartbeats();
      const cells = await row();
      assert.equal(cells['Alive'], 'false');
      assert.equal(cells['ErrMsg'], 'java.net.ConnectException: Connection refused');
      assert.equal(cells['BePort'], '9160', 'ports stay as last known');
      if (isFrom34(version)) assert.equal(cells['StatusCode'], 'DISCONNECTED');
    });

    it('a good heartbeat resets the failure count', async () => {
      sim.liveness.setAlive(address, true);
      await sim.runHeartbeats();
      sim.liveness.setAlive(address, false);
      await sim.runHeartbeats(FAILURES_BEFORE_DEAD - 1);
      sim.liveness.setAlive(address, true);
      await sim.runHeartbeats();
      sim.liveness.setAlive(address, false);
      await sim.runHeartbeats(FAILURES_BEFORE_DEAD - 1);
      assert.equal((await row())['Alive'], 'true');
    });

    it(`a CN shutting down ${isFrom34(version) ? 'is not alive at once (SHUTDOWN)' : 'counts as a failure (before 3.4)'}`, async () => {
      sim.liveness.setAlive(address, true);
      await sim.runHeartbeats();
      sim.liveness.set(address, { ok: false, shutdown: true });
      await sim.runHeartbeats();
      const cells = await row();
      if (isFrom34(version)) {
        assert.equal(cells['Alive'], 'false');
        assert.equal(cells['StatusCode'], 'SHUTDOWN');
        assert.equal(cells['ErrMsg'], 'BE is in shutting down', 'the CN says why');
        sim.liveness.setAlive(address, false);
        await sim.runHeartbeats(FAILURES_BEFORE_DEAD);
        assert.equal((await row())['StatusCode'], 'DISCONNECTED', 'once the process is gone');
      } else {
        assert.equal(cells['Alive'], 'true');
      }
    });

    if (isFrom34(version)) {
      it('a SHUTDOWN answer is a heartbeat: a node that never answered before gets its LastHeartbeat', async () => {
        await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.5.0.3:9050"');
        const cells = async () => expectRows(await sql(port, 'SHOW COMPUTE NODES')).find((r) => r['IP'] === '10.5.0.3');
        assert.equal((await cells())?.['LastHeartbeat'], null);
        sim.liveness.set('10.5.0.3:9050', { ok: false, shutdown: true });
        await sim.runHeartbeats();
        const after = await cells();
        assert.notEqual(after?.['LastHeartbeat'], null);
        assert.equal(after?.['StatusCode'], 'SHUTDOWN');
      });
    }

    it('a node never heartbeated keeps ports -1 and NULL times; declared dead it is DISCONNECTED (3.4+)', async () => {
      await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.5.0.2:9050"');
      const fresh = expectRows(await sql(port, 'SHOW COMPUTE NODES')).find((r) => r['IP'] === '10.5.0.2');
      if (isFrom34(version)) assert.equal(fresh?.['StatusCode'], 'CONNECTING');
      await sim.runHeartbeats(FAILURES_BEFORE_DEAD);
      const cells = expectRows(await sql(port, 'SHOW COMPUTE NODES')).find((r) => r['IP'] === '10.5.0.2');
      assert.ok(cells);
      assert.equal(cells['BePort'], '-1');
      assert.equal(cells['LastStartTime'], null);
      assert.equal(cells['LastHeartbeat'], null);
      assert.equal(cells['Alive'], 'false');
      if (isFrom34(version)) assert.equal(cells['StatusCode'], 'DISCONNECTED');
    });
  });
}

describe('FE simulator: heartbeats against CN emulators', () => {
  it('a mapped address follows its emulator up and down, on the periodic loop', async () => {
    const cn = new CnEmulator();
    await cn.start();
    const sim = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 20 });
    await sim.start();
    try {
      const port = sim.ports[0] ?? 0;
      sim.liveness.mapToEndpoint('10.6.0.1:9050', cn.healthUrl, { httpPort: cn.port });
      await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.6.0.1:9050"');
      const alive = async (): Promise<string | null | undefined> =>
        expectRows(await sql(port, 'SHOW COMPUTE NODES'))[0]?.['Alive'];
      await waitFor(async () => (await alive()) === 'true');
      assert.equal(expectRows(await sql(port, 'SHOW COMPUTE NODES'))[0]?.['HttpPort'], String(cn.port));
      assert.ok(cn.healthRequests > 0);
      cn.setState('down');
      await waitFor(async () => (await alive()) === 'false');
    } finally {
      await sim.stop();
      await cn.stop();
    }
  });

  it('refuses a heartbeat endpoint outside loopback', () => {
    const sim = new FeSimulator();
    assert.throws(() => {
      sim.liveness.mapToEndpoint('10.6.0.1:9050', 'http://10.6.0.1:8040/api/health');
    }, /not a loopback address/);
  });
});

/** Polls every 20 ms for at most 3 s. */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail('condition not met within 3 s');
}

describe('FE simulator, shared-data: StarOS workers', () => {
  let sim: FeSimulator;
  let port: number;
  const first = '10.6.0.1:9050';
  const second = '10.6.0.2:9050';
  before(async () => {
    sim = new FeSimulator({ version: '3.5', sharedData: true, heartbeatPeriodMs: 60_000 });
    await sim.start();
    port = sim.ports[0] ?? 0;
  });
  after(async () => {
    await sim.stop();
  });
  const rows = async (): Promise<Record<string, string | null>[]> => expectRows(await sql(port, 'SHOW COMPUTE NODES'));

  it('ADD makes no worker: WorkerId -1 until the first good heartbeat with a starlet port', async () => {
    await sql(port, `ALTER SYSTEM ADD COMPUTE NODE "${first}", "${second}"`);
    for (const row of await rows()) {
      assert.equal(row['WorkerId'], '-1');
      assert.equal(row['StarletPort'], '0');
      assert.equal(row['WarehouseName'], 'default_warehouse');
    }
    assert.equal(sim.catalog.starosWorkers.size, 0);
    // A CN that never answers gets no worker.
    sim.liveness.set(first, { ok: true, ports: { starletPort: 9170 } });
    sim.liveness.setAlive(second, false, 'java.net.ConnectException: Connection refused');
    await sim.runHeartbeats();
    const [alive, silent] = await rows();
    assert.ok(alive && silent);
    assert.equal(alive['StarletPort'], '9170');
    assert.match(alive['WorkerId'] ?? '', /^\d+$/);
    assert.notEqual(alive['WorkerId'], alive['ComputeNodeId'], 'StarMgr numbers workers, not the FE');
    assert.equal(silent['WorkerId'], '-1');
    assert.deepEqual([...sim.catalog.starosWorkers.values()], ['10.6.0.1:9170']);
  });

  it('a CN that dies keeps its worker; DROP removes the worker at once', async () => {
    const workerId = (await rows())[0]?.['WorkerId'];
    sim.liveness.setAlive(first, false, 'java.net.ConnectException: Connection refused');
    await sim.runHeartbeats(FAILURES_BEFORE_DEAD);
    const dead = (await rows())[0];
    assert.ok(dead);
    assert.equal(dead['Alive'], 'false');
    assert.equal(dead['WorkerId'], workerId);
    await sql(port, `ALTER SYSTEM DROP COMPUTE NODE "${first}"`);
    assert.equal(sim.catalog.starosWorkers.size, 0);
    assert.deepEqual(
      sim.catalog.starosLog.map((entry) => entry.action),
      ['addWorker', 'removeWorker'],
    );
  });

  it('a CN added again under its address gets a new worker', async () => {
    const before = sim.catalog.starosLog[0]?.workerId;
    await sql(port, `ALTER SYSTEM ADD COMPUTE NODE "${first}"`);
    sim.liveness.set(first, { ok: true, ports: { starletPort: 9170 } });
    await sim.runHeartbeats();
    const again = (await rows()).find((row) => row['IP'] === '10.6.0.1');
    assert.match(again?.['WorkerId'] ?? '', /^\d+$/);
    assert.notEqual(Number(again?.['WorkerId']), before);
  });
});

describe('FE simulator: SHOW RUNNING QUERIES', () => {
  const ELEVEN = [
    'QueryId',
    'ResourceGroupId',
    'StartTime',
    'PendingTimeout',
    'QueryTimeout',
    'State',
    'Slots',
    'Fragments',
    'DOP',
    'Frontend',
    'FeStartTime',
  ];
  const expected: Partial<Record<ProfileName, string[]>> = {
    '3.3': ELEVEN,
    '3.4': ELEVEN,
    '3.5': ['QueryId', 'WarehouseId', ...ELEVEN.slice(1)],
    '4.1': ['QueryId', 'WarehouseId', ...ELEVEN.slice(1)],
  };
  for (const [version, columns] of Object.entries(expected) as [ProfileName, string[]][]) {
    it(`${version}: the columns, WarehouseId from 3.5`, async () => {
      const sim = new FeSimulator({ version });
      await sim.start();
      try {
        sim.setLoad({ runningPerNode: 0, running: 1, pending: 1 });
        const answer = await sql(sim.ports[0] ?? 0, 'SHOW RUNNING QUERIES');
        assert.ok(answer.ok);
        assert.deepEqual(answer.columns, columns);
      } finally {
        await sim.stop();
      }
    });
  }

  const slots = async (options: ConstructorParameters<typeof FeSimulator>[0]): Promise<string[]> => {
    const sim = new FeSimulator(options);
    await sim.start();
    try {
      sim.setLoad({ runningPerNode: 0, running: 1, pending: 2, slotsPerQuery: 6 });
      return expectRows(await sql(sim.ports[0] ?? 0, 'SHOW RUNNING QUERIES')).map((row) => row['Slots'] ?? '');
    } finally {
      await sim.stop();
    }
  };

  it('queue v1 (the default up to 4.0): every query takes 1 slot', async () => {
    assert.deepEqual(await slots({ version: '3.5' }), ['1', '1', '1']);
  });

  it("queue v2 (the default from 4.1, or turned on from 3.3.4): each query's estimate", async () => {
    assert.deepEqual(await slots({ version: '4.1' }), ['6', '6', '6']);
    assert.deepEqual(await slots({ version: '3.5', queryQueueV2: true }), ['6', '6', '6']);
    assert.deepEqual(await slots({ version: '4.1', queryQueueV2: false }), ['1', '1', '1']);
  });

  it('has no queue v2 before 3.3.4', () => {
    assert.throws(() => new FeSimulator({ version: '3.3', queryQueueV2: true }), /no query queue v2/);
  });
});
