// The 4.x compute node blacklist (docs/fe-simulator.md, "A CN leaving"; StarRocks branch-4.1, PR #60830): statements,
// privilege, errors, one list per FE, what it does to scheduling and to the FE's watch on the CN. And the other 4.x
// grammar the simulator models: CNGROUP, /current_queries' ExecState.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURES_BEFORE_DEAD, FeSimulator, QueryEngine, type ProfileName } from '../../../fe-simulator/index.js';
import { expectError, expectRows, sql } from './clients.js';

/** The error packet's code and text. */
function errorOf(answer: Awaited<ReturnType<typeof sql>>): { errno: number; message: string } {
  const { errno, message } = expectError(answer);
  return { errno, message };
}

const A = '10.0.5.1:9050';
const B = '10.0.5.2:9050';

interface Cluster {
  sim: FeSimulator;
  engine: QueryEngine;
  /** The two FEs' query ports. */
  fe: [number, number];
  idOf: (address: string) => number;
}

async function withCluster(version: ProfileName, body: (cluster: Cluster) => Promise<void>): Promise<void> {
  const sim = new FeSimulator({
    version,
    heartbeatPeriodMs: 3_600_000,
    ports: [0, 0],
    users: [
      { name: 'node_only', password: 'p', roles: ['cluster_admin'] },
      { name: 'dba', password: 'p', roles: ['db_admin'] },
    ],
  });
  sim.liveness.defaultOutcome = { ok: true };
  await sim.start();
  try {
    sim.seedComputeNode({ address: A, alive: true });
    sim.seedComputeNode({ address: B, alive: true });
    await sim.runHeartbeats(1);
    const engine = new QueryEngine({ slotsPerCN: 4 });
    sim.attachQueryEngine(engine);
    const idOf = (address: string) => sim.findComputeNode(address)?.id ?? -1;
    await body({ sim, engine, fe: [sim.ports[0] ?? 0, sim.ports[1] ?? 0], idOf });
  } finally {
    await sim.stop();
  }
}

describe('FE simulator 4.1: the compute node blacklist', () => {
  it('is held by the FE that ran the statement only, and SHOW lists it there', async () => {
    await withCluster('4.1', async ({ fe, idOf }) => {
      assert.equal((await sql(fe[0], `ADD COMPUTE NODE BLACKLIST ${idOf(B)}`)).ok, true);
      const here = await sql(fe[0], 'SHOW COMPUTE NODE BLACKLIST');
      assert.ok(here.ok);
      assert.deepEqual(here.columns, [
        'ComputeNodeId',
        'AddBlackListType',
        'LostConnectionTime',
        'LostConnectionNumberInPeriod',
        'CheckTimePeriod(s)',
      ]);
      assert.deepEqual(
        here.rows.map((row) => [row['ComputeNodeId'], row['AddBlackListType'], row['CheckTimePeriod(s)']]),
        [[String(idOf(B)), 'MANUAL', '5']],
      );
      assert.match(here.rows[0]?.['LostConnectionTime'] ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.deepEqual(expectRows(await sql(fe[1], 'SHOW COMPUTE NODE BLACKLIST')), [], 'not forwarded');
    });
  });

  it('that FE places no new fragment on the CN; another FE still does', async () => {
    await withCluster('4.1', async ({ sim, engine, fe, idOf }) => {
      assert.equal((await sql(fe[0], `ADD COMPUTE NODE BLACKLIST ${idOf(B)}`)).ok, true);
      const viaFirst = engine.submit({ at: 0, work: 10, width: 2, fe: 0 }, 0);
      const viaSecond = engine.submit({ at: 0, work: 10, width: 2, fe: 1 }, 0);
      sim.advanceQueries(0);
      assert.deepEqual(viaFirst.cns, [A]);
      assert.deepEqual([...viaSecond.cns].sort(), [A, B]);
      assert.equal((await sql(fe[0], `DELETE COMPUTE NODE BLACKLIST ${idOf(B)}`)).ok, true);
      const after = engine.submit({ at: 1_000, work: 10, width: 2, fe: 0 }, 1_000);
      sim.advanceQueries(1_000);
      assert.deepEqual([...after.cns].sort(), [A, B], 'DELETE lifts it');
    });
  });

  it('keeps the FE watching the CN: one that exits under a query gets it cancelled, not hung', async () => {
    await withCluster('4.1', async ({ sim, engine, fe, idOf }) => {
      const query = engine.submit({ at: 0, work: 600, width: 2 }, 0);
      sim.advanceQueries(0);
      assert.equal((await sql(fe[0], `ADD COMPUTE NODE BLACKLIST ${idOf(B)}`)).ok, true);
      sim.advanceQueries(1_000);
      assert.equal(query.finishedAt, null, 'the blacklist cancels nothing');
      engine.exit(B, 2_000);
      await sim.runHeartbeats(FAILURES_BEFORE_DEAD);
      sim.advanceQueries(22_000);
      assert.equal(query.retried, true, 'cancelled by the watchdog (and re-planned), not left to its timeout');
      assert.deepEqual(query.cns, [A]);
    });
  });

  it('takes CN ids in order: the first unknown one stops it after the ones before it', async () => {
    await withCluster('4.1', async ({ fe, idOf }) => {
      const unknown = idOf(B) + 100;
      const answer = await sql(fe[0], `ADD COMPUTE NODE BLACKLIST ${idOf(A)}, ${unknown}, ${idOf(B)}`);
      assert.deepEqual(errorOf(answer), { errno: 1064, message: `Not found compute node: ${unknown}` });
      const listed = expectRows(await sql(fe[0], 'SHOW COMPUTE NODE BLACKLIST')).map((row) => row['ComputeNodeId']);
      assert.deepEqual(listed, [String(idOf(A))]);
      assert.equal((await sql(fe[0], `DELETE COMPUTE NODE BLACKLIST ${idOf(B)}`)).ok, true, 'not listed: still OK');
    });
  });

  it('a dropped CN leaves the list', async () => {
    await withCluster('4.1', async ({ fe, idOf }) => {
      const id = idOf(B);
      assert.equal((await sql(fe[0], `ADD COMPUTE NODE BLACKLIST ${id}`)).ok, true);
      assert.equal((await sql(fe[0], `ALTER SYSTEM DROP COMPUTE NODE '${B}'`)).ok, true);
      assert.deepEqual(expectRows(await sql(fe[0], 'SHOW COMPUTE NODE BLACKLIST')), []);
      const again = await sql(fe[0], `ADD COMPUTE NODE BLACKLIST ${id}`);
      assert.deepEqual(errorOf(again), { errno: 1064, message: `Not found compute node: ${id}` });
    });
  });

  it('needs SYSTEM BLACKLIST: db_admin has it, cluster_admin (NODE only) does not', async () => {
    await withCluster('4.1', async ({ fe, idOf }) => {
      const denied = await sql(fe[0], `ADD COMPUTE NODE BLACKLIST ${idOf(B)}`, 'node_only', 'p');
      assert.equal(denied.ok ? 0 : denied.errno, 5203);
      assert.match(denied.ok ? '' : denied.message, /the BLACKLIST privilege\(s\) on SYSTEM/);
      assert.equal((await sql(fe[0], `ADD COMPUTE NODE BLACKLIST ${idOf(B)}`, 'dba', 'p')).ok, true);
      assert.equal((await sql(fe[0], 'SHOW COMPUTE NODE BLACKLIST', 'dba', 'p')).ok, true);
    });
  });

  it('before 4.0 the statements are syntax errors', async () => {
    for (const version of ['3.3', '3.4', '3.5'] as const) {
      await withCluster(version, async ({ fe, idOf }) => {
        for (const statement of [`ADD COMPUTE NODE BLACKLIST ${idOf(B)}`, 'SHOW COMPUTE NODE BLACKLIST']) {
          const answer = await sql(fe[0], statement);
          assert.match(answer.ok ? '' : answer.message, /syntax error/i, `${version}: ${statement}`);
        }
      });
    }
  });
});

describe('FE simulator: other version differences a leaving CN meets', () => {
  it('CNGROUP parses from 4.x and is refused (no CN groups in open source), where the FE gets to it', async () => {
    await withCluster('4.1', async ({ fe }) => {
      const add = (address: string) =>
        sql(fe[0], `ALTER SYSTEM ADD COMPUTE NODE '${address}' INTO WAREHOUSE default_warehouse CNGROUP g1`);
      const drop = (address: string) =>
        sql(fe[0], `ALTER SYSTEM DROP COMPUTE NODE '${address}' FROM WAREHOUSE default_warehouse CNGROUP g1`);
      assert.deepEqual(errorOf(await add('10.0.5.9:9050')), {
        errno: 5912,
        message: 'CNGroup feature not implemented',
      });
      assert.match(errorOf(await add(A)).message, /already exists/, 'after the duplicate check');
      assert.match(errorOf(await drop('10.0.5.9:9050')).message, /does not exists/, 'after the node lookup');
      assert.deepEqual(errorOf(await drop(A)), { errno: 5912, message: 'CNGroup feature not implemented' });
    });
    await withCluster('3.5', async ({ fe }) => {
      const answer = await sql(
        fe[0],
        "ALTER SYSTEM ADD COMPUTE NODE '10.0.5.9:9050' INTO WAREHOUSE default_warehouse CNGROUP g1",
      );
      assert.match(answer.ok ? '' : answer.message, /syntax error/i);
    });
  });

  it('an unknown warehouse: 10001 on 3.4, 5901 from 3.5 (ERR_UNKNOWN_WAREHOUSE)', async () => {
    for (const [version, errno] of [
      ['3.4', 10001],
      ['3.5', 5901],
      ['4.1', 5901],
    ] as const) {
      await withCluster(version, async ({ fe }) => {
        const answer = await sql(fe[0], "ALTER SYSTEM ADD COMPUTE NODE '10.0.5.9:9050' INTO WAREHOUSE nosuch");
        assert.deepEqual(errorOf(answer), { errno, message: 'Warehouse name: nosuch not exist.' }, version);
      });
    }
  });

  it('SHOW PROC needs ADMIN on 2.4 and OPERATE from 3.x, which db_admin has and cluster_admin (NODE only) has not', async () => {
    const proc = "SHOW PROC '/current_backend_instances'";
    await withCluster('2.4', async ({ fe }) => {
      assert.equal((await sql(fe[0], proc)).ok, true, 'root');
      assert.equal((await sql(fe[0], proc, 'node_only', 'p')).ok, false);
    });
    await withCluster('3.5', async ({ fe }) => {
      assert.equal((await sql(fe[0], proc)).ok, true, 'root');
      assert.equal((await sql(fe[0], proc, 'dba', 'p')).ok, true, 'db_admin');
      assert.match(errorOf(await sql(fe[0], proc, 'node_only', 'p')).message, /the OPERATE privilege/);
    });
  });

  it("/current_queries: 3.4's columns, 3.5's ExecProgress, 4.x's ExecState", async () => {
    const expected: Partial<Record<ProfileName, string[]>> = {
      '3.4': ['ExecTime', 'Warehouse', 'CustomQueryId', 'ResourceGroup'],
      '3.5': ['ExecTime', 'ExecProgress', 'Warehouse', 'CustomQueryId', 'ResourceGroup'],
      '4.1': ['ExecTime', 'ExecProgress', 'ExecState', 'Warehouse', 'CustomQueryId', 'ResourceGroup'],
    };
    for (const [version, tail] of Object.entries(expected) as [ProfileName, string[]][]) {
      await withCluster(version, async ({ sim, engine, fe }) => {
        engine.submit({ at: 0, work: 60, width: 1 }, 0);
        sim.advanceQueries(0);
        const answer = await sql(fe[0], "SHOW PROC '/current_queries'");
        assert.ok(answer.ok);
        assert.deepEqual(answer.columns.slice(11), tail, version);
        if (version === '4.1') assert.equal(answer.rows[0]?.['ExecState'], 'RUNNING');
      });
    }
  });
});
