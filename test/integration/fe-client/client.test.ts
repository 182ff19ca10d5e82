// The FE client against the FE simulator: failover, timeouts, outages, credentials, privileges, idempotent ADD and
// DROP per version, address validation before any SQL, and the shared snapshot.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createServer } from 'node:net';
import { FeSimulator, PROFILE_NAMES, QueryEngine, type ProfileName } from '@starrocks-cn-operator/testbed/fe-simulator';
import {
  FeClient,
  FeError,
  FeSnapshotCache,
  isKillByIdUnsupported,
  renderKillQuery,
  type FeErrorKind,
} from '../../../src/fe/index.js';
import { createLogger } from '../../../src/runtime/logging.js';

const PASSWORD = 'op-Secret-9';

function nodeRole(version: string): string[] {
  return version === '2.4' ? ['operator'] : ['cluster_admin'];
}

async function expectFeError(promise: Promise<unknown>, kind: FeErrorKind): Promise<FeError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FeError, `expected FeError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return error;
  }
  assert.fail(`expected FeError ${kind}, the call succeeded`);
}

/** A loopback port with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return typeof address === 'object' && address ? address.port : 0;
}

for (const version of PROFILE_NAMES) {
  describe(`FE client against ${version}: idempotent membership`, () => {
    let sim: FeSimulator;
    let client: FeClient;
    before(async () => {
      sim = new FeSimulator({ version, users: [{ name: 'op', password: PASSWORD, roles: nodeRole(version) }] });
      await sim.start();
      client = new FeClient({ addresses: sim.addresses, user: 'op', password: PASSWORD });
    });
    after(async () => {
      await client.close();
      await sim.stop();
    });

    it('adds, and adding again is success', async () => {
      await client.addComputeNodes(['10.1.0.1:9050', '10.1.0.2:9050']);
      await client.addComputeNodes(['10.1.0.1:9050']);
      assert.deepEqual(sim.computeNodeAddresses().sort(), ['10.1.0.1:9050', '10.1.0.2:9050']);
    });

    it('adds the missing ones when one of several already exists', async () => {
      sim.clearStatements();
      await client.addComputeNodes(['10.1.0.1:9050', '10.1.0.3:9050', '10.1.0.4:9050']);
      assert.deepEqual(sim.computeNodeAddresses().sort(), [
        '10.1.0.1:9050',
        '10.1.0.2:9050',
        '10.1.0.3:9050',
        '10.1.0.4:9050',
      ]);
      // one multi-address statement, then one per remaining address
      assert.equal(sim.statementsMatching(/ALTER SYSTEM ADD/).length, 3);
    });

    it('drops with an unknown node in the middle and ends with all of them gone', async () => {
      await client.dropComputeNodes(['10.1.0.3:9050', '10.1.0.99:9050', '10.1.0.4:9050']);
      assert.deepEqual(sim.computeNodeAddresses().sort(), ['10.1.0.1:9050', '10.1.0.2:9050']);
    });

    it('dropping again is success; one statement when nothing is in the way', async () => {
      sim.clearStatements();
      await client.dropComputeNodes(['10.1.0.1:9050', '10.1.0.2:9050']);
      assert.equal(sim.statementsMatching(/ALTER SYSTEM DROP/).length, 1);
      await client.dropComputeNodes(['10.1.0.1:9050']);
      assert.deepEqual(sim.computeNodeAddresses(), []);
    });

    it('reads SHOW COMPUTE NODES into records', async () => {
      await client.addComputeNodes(['10.1.0.5:9050']);
      sim.liveness.setAlive('10.1.0.5:9050', true);
      await sim.runHeartbeats();
      const [record] = await client.showComputeNodes();
      assert.ok(record);
      assert.equal(record.address, '10.1.0.5:9050');
      assert.equal(record.alive, true);
      assert.equal(record.bePort, 9060);
      assert.equal(record.version, sim.profile.nodeVersion);
      assert.equal(record.statusCode, version === '2.4' || version === '3.3' ? null : 'OK', 'StatusCode from 3.4');
    });

    it('a BE on the address is an error, not success', async () => {
      sim.seedBackend({ address: '10.1.0.200:9050' });
      const error = await expectFeError(client.addComputeNodes(['10.1.0.200:9050']), 'Unknown');
      assert.match(error.feMessage ?? '', /[Bb]ackend already exists/);
    });

    it('refuses invalid addresses before any SQL is sent', async () => {
      sim.clearStatements();
      for (const bad of ['10.1.0.1', "x'; DROP COMPUTE NODE 'y:1", '10.1.0.1:70000', 'fd00::1:9050']) {
        await expectFeError(client.addComputeNodes(['10.1.0.9:9050', bad]), 'InvalidAddress');
        await expectFeError(client.dropComputeNodes([bad]), 'InvalidAddress');
      }
      assert.deepEqual(sim.statements, []);
    });

    it('reports MissingPrivilege for a user without NODE', async () => {
      sim.addUser({ name: 'weak', password: PASSWORD, roles: version === '2.4' ? ['admin'] : ['db_admin'] });
      const weak = new FeClient({ addresses: sim.addresses, user: 'weak', password: PASSWORD });
      try {
        const error = await expectFeError(weak.addComputeNodes(['10.1.0.7:9050']), 'MissingPrivilege');
        assert.ok(error.feMessage);
        assert.equal(sim.findComputeNode('10.1.0.7:9050'), undefined);
      } finally {
        await weak.close();
      }
    });

    it('reports the FE refusing an unresolvable host as InvalidAddress', async () => {
      await expectFeError(client.addComputeNodes(['no-such-host.example:9050']), 'InvalidAddress');
    });
  });
}

describe('FE client: failover, timeouts, outages', () => {
  let sim: FeSimulator;
  const clients: FeClient[] = [];
  const newClient = (addresses: string[], extra: { connectTimeoutMs?: number; queryTimeoutMs?: number } = {}) => {
    const client = new FeClient({ addresses, user: 'root', password: '', ...extra });
    clients.push(client);
    return client;
  };
  before(async () => {
    sim = new FeSimulator({ version: '3.3', ports: [0, 0, 0] });
    await sim.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await sim.setFault('normal');
    sim.setLatency(0);
    sim.clearStatements();
  });
  after(async () => {
    await sim.stop();
  });

  it('fails over to the next FE and remembers the one that answered', async () => {
    await sim.setFault('refuse', 0);
    const client = newClient(sim.addresses);
    await client.showComputeNodes();
    assert.equal(client.currentAddress, sim.addresses[1]);
    await sim.setFault('normal', 0);
    await client.showComputeNodes();
    assert.deepEqual(
      sim.statements.map((record) => record.listener),
      [1, 1],
      'the remembered FE is asked first',
    );
  });

  it('fails over when the remembered FE goes away, reconnecting on the next', async () => {
    const client = newClient(sim.addresses);
    await client.showComputeNodes();
    await sim.setFault('refuse', 0);
    await client.showComputeNodes();
    assert.equal(client.currentAddress, sim.addresses[1]);
  });

  it('Unreachable when no FE listens', async () => {
    const client = newClient([`127.0.0.1:${await closedPort()}`, `127.0.0.1:${await closedPort()}`]);
    const error = await expectFeError(client.showComputeNodes(), 'Unreachable');
    assert.match(error.message, /no FE answered/);
  });

  it('Timeout against an FE that accepts and never greets, within the bound', async () => {
    await sim.setFault('stall', 0);
    const client = newClient([sim.addresses[0] ?? ''], { connectTimeoutMs: 300, queryTimeoutMs: 300 });
    const started = Date.now();
    await expectFeError(client.showComputeNodes(), 'Timeout');
    assert.ok(Date.now() - started < 3000);
  });

  it('a stalled FE is skipped for the next address', async () => {
    await sim.setFault('stall', 0);
    const client = newClient(sim.addresses, { connectTimeoutMs: 1000, queryTimeoutMs: 1000 });
    await client.showComputeNodes();
    assert.equal(client.currentAddress, sim.addresses[1]);
  });

  it('Timeout when a kept connection stops answering, and a fresh connection afterwards', async () => {
    const client = newClient([sim.addresses[0] ?? ''], { connectTimeoutMs: 1000, queryTimeoutMs: 300 });
    await client.showComputeNodes();
    await sim.setFault('stall', 0);
    await expectFeError(client.showComputeNodes(), 'Timeout');
    await sim.setFault('normal', 0);
    await client.showComputeNodes();
  });

  it('a slow answer within the query timeout succeeds; beyond it is a Timeout', async () => {
    const client = newClient([sim.addresses[0] ?? ''], { connectTimeoutMs: 2000, queryTimeoutMs: 800 });
    sim.setLatency(100, 0);
    await client.showComputeNodes();
    sim.setLatency(2000, 0);
    await expectFeError(client.showComputeNodes(), 'Timeout');
  });

  it('a connection cut before the answer is retried; ADD stays idempotent when the answer was lost', async () => {
    const client = newClient(sim.addresses.slice(0, 2));
    await client.showComputeNodes();
    await sim.setFault('lose-answer', 0);
    await client.addComputeNodes(['10.2.0.1:9050']);
    assert.ok(sim.findComputeNode('10.2.0.1:9050'));
    // FE 0 ran the ADD twice (kept connection, then a fresh one), FE 1 answered "already exists".
    assert.deepEqual(
      sim.statementsMatching(/ADD COMPUTE NODE/).map((record) => record.listener),
      [0, 0, 1],
    );
  });

  it('reuses one connection per FE', async () => {
    const client = newClient([sim.addresses[0] ?? '']);
    await client.showComputeNodes();
    await client.showComputeNodes();
    await client.addComputeNodes(['10.2.0.2:9050']);
    const connections = new Set(sim.statements.map((record) => record.connectionId));
    assert.equal(connections.size, 1);
  });

  it('refuses bad FE addresses at construction', () => {
    assert.throws(() => new FeClient({ addresses: [], user: 'root', password: '' }), /no FE address/);
    assert.throws(() => new FeClient({ addresses: ['fe'], user: 'root', password: '' }), /FE address 0/);
  });

  it('calls after close() fail instead of reconnecting', async () => {
    const client = newClient([sim.addresses[0] ?? '']);
    await client.close();
    await expectFeError(client.showComputeNodes(), 'Unknown');
  });
});

describe('FE client: credentials', () => {
  let sim: FeSimulator;
  before(async () => {
    sim = new FeSimulator({ version: '3.5', users: [{ name: 'op', password: PASSWORD, roles: ['cluster_admin'] }] });
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });

  it('wrong password is AuthenticationFailed, no failover, and the password is never in errors or logs', async () => {
    const lines = new PassThrough();
    let logged = '';
    lines.on('data', (chunk: Buffer) => {
      logged += chunk.toString();
    });
    const logger = createLogger({ name: 'fe-client-test', level: 'trace', destination: lines });
    const wrong = `${PASSWORD}-wrong`;
    const client = new FeClient({ addresses: sim.addresses, user: 'op', password: wrong, logger });
    try {
      const error = await expectFeError(client.showComputeNodes(), 'AuthenticationFailed');
      assert.match(error.feMessage ?? '', /Access denied for user 'op' \(using password: YES\)/);
      assert.ok(!error.message.includes(wrong));
      assert.ok(!JSON.stringify(error).includes(wrong));
      await expectFeError(client.addComputeNodes(['10.3.0.1:9050']), 'AuthenticationFailed');
    } finally {
      await client.close();
    }
    const good = new FeClient({ addresses: sim.addresses, user: 'op', password: PASSWORD, logger });
    try {
      await good.addComputeNodes(['10.3.0.1:9050']);
      await good.addComputeNodes(['10.3.0.1:9050']);
    } finally {
      await good.close();
    }
    assert.ok(logged.length > 0, 'the client logged something to check');
    assert.ok(!logged.includes(wrong));
    assert.ok(!logged.includes(PASSWORD));
  });
});

describe('FE client: shared snapshots', () => {
  let sim: FeSimulator;
  before(async () => {
    sim = new FeSimulator({ version: '3.3' });
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });

  it('groups on the same FE share one SHOW COMPUTE NODES per period', async () => {
    const cache = new FeSnapshotCache({ periodMs: 60_000 });
    const groupA = new FeClient({ addresses: sim.addresses, user: 'root', password: '' });
    const groupB = new FeClient({ addresses: [...sim.addresses].reverse(), user: 'root', password: '' });
    try {
      sim.clearStatements();
      const [a, b] = await Promise.all([cache.get(groupA), cache.get(groupB)]);
      await cache.get(groupA);
      assert.equal(a, b);
      assert.equal(sim.statementsMatching(/SHOW COMPUTE NODES/).length, 1);
      cache.invalidate(groupA.cacheKey);
      await cache.get(groupB);
      assert.equal(sim.statementsMatching(/SHOW COMPUTE NODES/).length, 2);
    } finally {
      await groupA.close();
      await groupB.close();
    }
  });
});

for (const version of PROFILE_NAMES) {
  describe(`FE client against ${version}: load figures`, () => {
    it('reads the per-CN load and the queue where the version has them, and says when it does not', async () => {
      const fe = new FeSimulator({ version, computeNodes: [{ address: '127.0.0.1:9050', alive: true }] });
      await fe.start();
      const client = new FeClient({ addresses: fe.addresses, user: 'root', password: '' });
      try {
        fe.setLoad({ runningPerNode: 3, cpuUsedPercent: 72.5, running: 3, pending: 4, slotsPerQuery: 2 });
        const cache = new FeSnapshotCache({ periodMs: 60_000 });
        const snapshot = await cache.get(client);
        const [node] = snapshot.nodes;
        if (version === '2.4') {
          assert.equal(node?.load, null);
          assert.equal(snapshot.queue.kind, 'Unsupported');
        } else {
          assert.deepEqual(node?.load, { runningQueries: 3, cpuUsedPercent: 72.5, memUsedPercent: 0 });
          // Slots: 1 per query under queue v1, the estimate (2 here) under v2, on by default from 4.1.
          const slots = fe.profile.queryQueueV2 === 'on' ? 2 : 1;
          assert.deepEqual(snapshot.queue, {
            kind: 'Read',
            queue: { running: 3, pending: 4, slots: { running: 3 * slots, pending: 4 * slots } },
          });
        }
      } finally {
        await client.close();
        await fe.stop();
      }
    });
  });
}

describe('FE client: the queries on a leaving CN (the drain window ends)', () => {
  const A = '10.2.0.1:9050';
  const B = '10.2.0.2:9050';

  async function cluster(version: ProfileName) {
    const sim = new FeSimulator({
      version,
      ports: [0, 0],
      heartbeatPeriodMs: 3_600_000,
      // As installation.md grants it: cluster_admin has NODE only, and SHOW PROC and KILL need OPERATE.
      users: [
        { name: 'op', password: PASSWORD, roles: ['cluster_admin'], privileges: ['OPERATE'] },
        { name: 'node_only', password: PASSWORD, roles: ['cluster_admin'] },
      ],
    });
    sim.liveness.defaultOutcome = { ok: true };
    await sim.start();
    sim.seedComputeNode({ address: A, alive: true });
    sim.seedComputeNode({ address: B, alive: true });
    await sim.runHeartbeats(1);
    const engine = new QueryEngine({ slotsPerCN: 4 });
    sim.attachQueryEngine(engine);
    const client = new FeClient({ addresses: sim.addresses, user: 'op', password: PASSWORD });
    return { sim, engine, client };
  }

  for (const version of ['3.4', '3.5', '4.1'] as const) {
    it(`${version}: asks every FE, finds the query the second FE coordinates on the dropped CN, and kills it`, async () => {
      const { sim, engine, client } = await cluster(version);
      try {
        const onB = engine.submit({ at: 0, work: 600, width: 2, fe: 1 }, 0);
        const elsewhere = engine.submit({ at: 0, work: 600, width: 1, fe: 0 }, 0);
        sim.advanceQueries(0);
        await client.dropComputeNodes([B]);
        const found = await client.queriesOnHost('10.2.0.2');
        assert.deepEqual(found, [
          { fe: sim.addresses[0], queryIds: elsewhere.cns.includes(B) ? [elsewhere.queryId] : [] },
          { fe: sim.addresses[1], queryIds: [onB.queryId] },
        ]);
        assert.equal(await client.killQuery(onB.queryId), 'killed');
        assert.equal(onB.error, 'killed');
        assert.equal(await client.killQuery(onB.queryId), 'gone', 'an ended query is not an error');
        assert.throws(() => renderKillQuery("1' OR '1'='1"), /not a StarRocks query id/);
      } finally {
        await client.close();
        await sim.stop();
      }
    });
  }

  it('an account with NODE only (the role cluster_admin) may not list them: the error names OPERATE', async () => {
    const { sim, client } = await cluster('3.5');
    const nodeOnly = new FeClient({ addresses: sim.addresses, user: 'node_only', password: PASSWORD });
    try {
      const [first] = await nodeOnly.queriesOnHost('10.2.0.2');
      assert.ok(first !== undefined && 'error' in first);
      assert.match(first.error.message, /OPERATE privilege/);
    } finally {
      await nodeOnly.close();
      await client.close();
      await sim.stop();
    }
  });

  it('3.3: says why it cannot list them, and KILL by id is a syntax error', async () => {
    const { sim, engine, client } = await cluster('3.3');
    try {
      const onB = engine.submit({ at: 0, work: 600, width: 2, fe: 0 }, 0);
      sim.advanceQueries(0);
      await client.dropComputeNodes([B]);
      const [first] = await client.queriesOnHost('10.2.0.2');
      assert.ok(first !== undefined && 'error' in first);
      assert.match(first.error.message, /Backend node not found/);
      const refused = await expectFeError(client.killQuery(onB.queryId), 'Unknown');
      assert.equal(isKillByIdUnsupported(refused.feMessage ?? ''), true);
    } finally {
      await client.close();
      await sim.stop();
    }
  });
});
