// A CN leaving, as the FE simulator plays it with its query engine (docs/fe-simulator.md, "A CN leaving"): the
// heartbeat answer of a stopping CN by version, the FE's watchdog for a CN it still lists, and none for a CN it
// dropped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURES_BEFORE_DEAD, FeSimulator, QueryEngine, type ProfileName } from '../../../fe-simulator/index.js';
import { sql } from './clients.js';

const A = '10.0.4.1:9050';
const B = '10.0.4.2:9050';

async function withCluster(
  version: ProfileName,
  body: (sim: FeSimulator, engine: QueryEngine, port: number) => Promise<void>,
): Promise<void> {
  const sim = new FeSimulator({ version, heartbeatPeriodMs: 3_600_000 });
  sim.liveness.defaultOutcome = { ok: true };
  await sim.start();
  try {
    sim.seedComputeNode({ address: A, alive: true });
    sim.seedComputeNode({ address: B, alive: true });
    await sim.runHeartbeats(1); // both answer: listed and alive
    const engine = new QueryEngine({ slotsPerCN: 4 });
    sim.attachQueryEngine(engine);
    await body(sim, engine, sim.ports[0] ?? 0);
  } finally {
    await sim.stop();
  }
}

const nodeB = (sim: FeSimulator) => sim.findComputeNode(B);

describe('FE simulator: a CN leaving', () => {
  it('3.4 and later: a stopping CN answers SHUTDOWN, takes no new work, and its queries go on', async () => {
    await withCluster('3.5', async (sim, engine) => {
      const query = engine.submit({ at: 0, work: 60, width: 2 }, 0);
      sim.advanceQueries(0);
      engine.stopGracefully(B, 0, sim.profile.cnGracefulWaitMs);
      await sim.runHeartbeats(1);
      assert.equal(nodeB(sim)?.statusCode, 'SHUTDOWN');
      assert.equal(nodeB(sim)?.alive, false);
      const later = engine.submit({ at: 1_000, work: 1, width: 2 }, 1_000);
      sim.advanceQueries(1_000);
      assert.deepEqual(later.cns, [A], 'nothing new on the stopping CN');
      assert.equal(query.finishedAt, null, 'SHUTDOWN cancels nothing');
    });
  });

  it('3.3: a stopping CN answers an error and stays schedulable until the 4th failed heartbeat', async () => {
    await withCluster('3.3', async (sim, engine) => {
      engine.submit({ at: 0, work: 600, width: 2 }, 0); // B has work to wait for
      sim.advanceQueries(0);
      engine.stopGracefully(B, 0, 20_000);
      await sim.runHeartbeats(1);
      assert.equal(nodeB(sim)?.alive, true);
      assert.equal(nodeB(sim)?.consecutiveFailures, 1);
      const placed = engine.submit({ at: 0, work: 1, width: 2 }, 0);
      sim.advanceQueries(0);
      assert.equal(placed.retried, true, 'the FE still placed a fragment there, which was rejected');
    });
  });

  it('a CN the FE still lists and that exits under a query: cancelled once declared dead, then re-planned', async () => {
    for (const version of ['3.3', '3.5'] as const) {
      await withCluster(version, async (sim, engine) => {
        const query = engine.submit({ at: 0, work: 600, width: 2 }, 0);
        sim.advanceQueries(0);
        engine.exit(B, 1_000);
        await sim.runHeartbeats(FAILURES_BEFORE_DEAD - 1);
        sim.advanceQueries(16_000);
        assert.equal(query.retried, false, `${version}: not dead yet`);
        await sim.runHeartbeats(1);
        sim.advanceQueries(21_000);
        assert.equal(query.retried, true, `${version}: cancelled by the FE's watchdog`);
        assert.deepEqual(query.cns, [A], `${version}: re-planned on the CN left`);
      });
    }
  });

  it('a CN dropped before it exits: its query hangs until its timeout, whatever the heartbeats', async () => {
    await withCluster('3.5', async (sim, engine, port) => {
      const query = engine.submit({ at: 0, work: 600, width: 2, timeoutMs: 300_000 }, 0);
      sim.advanceQueries(0);
      assert.equal((await sql(port, `ALTER SYSTEM DROP COMPUTE NODE '${B}'`)).ok, true);
      sim.advanceQueries(1_000);
      assert.equal(query.finishedAt, null, 'the DROP cancelled nothing');
      engine.exit(B, 2_000);
      await sim.runHeartbeats(FAILURES_BEFORE_DEAD + 1);
      sim.advanceQueries(299_000);
      assert.equal(query.finishedAt, null, 'no watchdog for a dropped CN');
      sim.advanceQueries(300_000);
      assert.equal(query.error, 'timeout');
    });
  });
});

describe('FE simulator: finding and killing the queries on a leaving CN', () => {
  it('3.4 and later: /current_backend_instances names a dropped CN by be_port; KILL QUERY ends its query', async () => {
    await withCluster('3.5', async (sim, engine, port) => {
      const onB = engine.submit({ at: 0, work: 600, width: 2 }, 0);
      sim.advanceQueries(0);
      assert.equal((await sql(port, `ALTER SYSTEM DROP COMPUTE NODE '${B}'`)).ok, true);
      sim.advanceQueries(1_000);
      const instances = await sql(port, "SHOW PROC '/current_backend_instances'");
      assert.ok(instances.ok);
      assert.deepEqual(instances.columns, ['Backend', 'InstanceNum', 'InstanceId', 'ExecTime']);
      const onDropped = instances.rows.filter((row) => row['Backend'] === '10.0.4.2:9060');
      assert.equal(onDropped.length, 1, 'the coordinator still lists the instance on the dropped CN');
      const queries = await sql(port, "SHOW PROC '/current_queries'");
      assert.ok(queries.ok);
      assert.deepEqual(
        queries.rows.map((row) => row['QueryId']),
        [onB.queryId],
      );
      const prefix = (id: string) => id.split('-').slice(0, 3).join('-');
      assert.equal(prefix(onDropped[0]?.['InstanceId'] ?? ''), prefix(onB.queryId), 'joined on the id prefix');
      assert.equal((await sql(port, `KILL QUERY '${onB.queryId}'`)).ok, true);
      assert.equal(onB.error, 'killed');
      const again = await sql(port, `KILL QUERY '${onB.queryId}'`);
      assert.deepEqual(again.ok ? undefined : [again.errno, again.message], [1064, `Unknown query id: ${onB.queryId}`]);
    });
  });

  it('a re-planned query shows its new execution id, which KILL QUERY does not find; its query id still works', async () => {
    await withCluster('3.5', async (sim, engine, port) => {
      const query = engine.submit({ at: 0, work: 600, width: 2 }, 0);
      sim.advanceQueries(0);
      engine.exit(B, 1_000);
      await sim.runHeartbeats(FAILURES_BEFORE_DEAD + 1);
      sim.advanceQueries(30_000);
      assert.equal(query.retried, true, 'cancelled by the watchdog and planned again');
      const listed = await sql(port, "SHOW PROC '/current_queries'");
      const shown = listed.ok ? listed.rows.map((row) => row['QueryId']) : [];
      assert.deepEqual(shown, [query.executionId]);
      assert.notEqual(query.executionId, query.queryId);
      const byExecution = await sql(port, `KILL QUERY '${query.executionId}'`);
      assert.equal(byExecution.ok ? '' : byExecution.message, `Unknown query id: ${query.executionId}`);
      assert.equal((await sql(port, `KILL QUERY '${query.queryId}'`)).ok, true);
    });
  });

  it('each FE lists only the queries it coordinates', async () => {
    const sim = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 3_600_000, ports: [0, 0] });
    sim.liveness.defaultOutcome = { ok: true };
    await sim.start();
    try {
      sim.seedComputeNode({ address: A, alive: true });
      await sim.runHeartbeats(1);
      const engine = new QueryEngine({ slotsPerCN: 4 });
      sim.attachQueryEngine(engine);
      const viaSecond = engine.submit({ at: 0, work: 60, width: 1, fe: 1 }, 0);
      sim.advanceQueries(0);
      const [first, second] = sim.ports;
      const rows = async (fePort: number | undefined) => {
        const answer = await sql(fePort ?? 0, "SHOW PROC '/current_backend_instances'");
        return answer.ok ? answer.rows.length : -1;
      };
      assert.equal(await rows(first), 0);
      assert.equal(await rows(second), 1);
      assert.equal((await sql(first ?? 0, `KILL QUERY '${viaSecond.queryId}'`)).ok, true, 'KILL finds it on any FE');
    } finally {
      await sim.stop();
    }
  });

  it('3.3: no KILL by query id, and /current_queries fails while a dropped CN runs a query', async () => {
    await withCluster('3.3', async (sim, engine, port) => {
      engine.submit({ at: 0, work: 600, width: 2 }, 0);
      sim.advanceQueries(0);
      assert.equal((await sql(port, "SHOW PROC '/current_queries'")).ok, true);
      assert.equal((await sql(port, `ALTER SYSTEM DROP COMPUTE NODE '${B}'`)).ok, true);
      const queries = await sql(port, "SHOW PROC '/current_queries'");
      assert.equal(queries.ok ? '' : queries.message, 'Backend node not found. Check if any backend node is down.');
      const kill = await sql(port, "KILL QUERY '00000001-5eed-4a11-8000-000000000000'");
      assert.match(kill.ok ? '' : kill.message, /syntax error/i);
      assert.equal((await sql(port, "SHOW PROC '/current_backend_instances'")).ok, true, 'that PROC exists on 3.3');
    });
  });
});
