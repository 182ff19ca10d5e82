// starrocks-fe.md section 1 (statements) and the ADD/DROP semantics of every profile.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FeSimulator, PROFILE_NAMES } from '../../../fe-simulator/index.js';
import { expectError, expectRows, sql, isFrom34 } from './clients.js';

for (const version of PROFILE_NAMES) {
  describe(`FE simulator ${version}: statements`, () => {
    let sim: FeSimulator;
    let port: number;
    before(async () => {
      sim = new FeSimulator({ version, heartbeatPeriodMs: 60_000 });
      await sim.start();
      port = sim.ports[0] ?? 0;
    });
    after(async () => {
      await sim.stop();
    });

    it('accepts keywords in any case, single or double quotes, and strips whitespace inside the address', async () => {
      assert.deepEqual(await sql(port, `alter SYSTEM Add compute NODE ' 10.0.1.1 : 9050 '`), {
        ok: true,
        rows: [],
        columns: [],
      });
      assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.0.1.2:9050", \'10.0.1.3:9050\'')).ok, true);
      const rows = expectRows(await sql(port, 'show compute nodes'));
      assert.deepEqual(
        rows.map((row) => `${row['IP']}:${row['HeartbeatPort']}`),
        ['10.0.1.1:9050', '10.0.1.2:9050', '10.0.1.3:9050'],
      );
    });

    it('ADD writes metadata only: Alive false, ports -1, times NULL', async () => {
      const row = expectRows(await sql(port, 'SHOW COMPUTE NODES')).find((r) => r['IP'] === '10.0.1.1');
      assert.ok(row);
      assert.equal(row['Alive'], 'false');
      assert.equal(row['BePort'], '-1');
      assert.equal(row['HttpPort'], '-1');
      assert.equal(row['BrpcPort'], '-1');
      assert.equal(row['LastStartTime'], null);
      assert.equal(row['LastHeartbeat'], null);
      if (isFrom34(version)) assert.equal(row['StatusCode'], 'CONNECTING');
      else assert.equal('StatusCode' in row, false);
    });

    it("SHOW PROC '/compute_nodes' gives the same rows as SHOW COMPUTE NODES", async () => {
      const show = expectRows(await sql(port, 'SHOW COMPUTE NODES'));
      const proc = expectRows(await sql(port, "SHOW PROC '/compute_nodes'"));
      assert.deepEqual(proc, show);
    });

    it('a wrong proc path is error 5001 (ERR_WRONG_PROC_PATH)', async () => {
      assert.deepEqual(await sql(port, "SHOW PROC '/computenodes'"), {
        ok: false,
        errno: 5001,
        sqlState: 'HY000',
        message: "Proc path '/computenodes' doesn't exist",
      });
    });

    it('DROP removes the node', async () => {
      assert.equal((await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "10.0.1.3:9050"')).ok, true);
      assert.equal(sim.findComputeNode('10.0.1.3:9050'), undefined);
    });

    it('DROP of several nodes with an unknown one in the middle follows the version', async () => {
      await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.0.2.1:9050", "10.0.2.3:9050"');
      const answer = await sql(
        port,
        'ALTER SYSTEM DROP COMPUTE NODE "10.0.2.1:9050", "10.0.2.2:9050", "10.0.2.3:9050"',
      );
      assert.deepEqual(answer, {
        ok: false,
        errno: 1064,
        sqlState: 'HY000',
        message: 'compute node does not exists[10.0.2.2:9050]',
      });
      if (version === '2.4') {
        // all or nothing: both known nodes are still there
        assert.ok(sim.findComputeNode('10.0.2.1:9050'));
      } else {
        // one by one, stopping at the first unknown node: the first is already gone
        assert.equal(sim.findComputeNode('10.0.2.1:9050'), undefined);
      }
      assert.ok(sim.findComputeNode('10.0.2.3:9050'));
    });

    it('there is no decommission for CN', async () => {
      assert.deepEqual(await sql(port, 'ALTER SYSTEM DECOMMISSION BACKEND "10.0.1.1:9050"'), {
        ok: false,
        errno: 1064,
        sqlState: 'HY000',
        message: 'Backend does not exist[10.0.1.1:9050]',
      });
    });

    it('answers SHOW BACKENDS and SHOW FRONTENDS', async () => {
      sim.seedBackend({ address: '10.9.9.9:9050' });
      const backends = expectRows(await sql(port, 'SHOW BACKENDS'));
      assert.deepEqual(
        backends.map((row) => [row['IP'], row['HeartbeatPort'], row['Alive']]),
        [['10.9.9.9', '9050', 'true']],
      );
      const frontends = expectRows(await sql(port, 'SHOW FRONTENDS'));
      assert.equal(frontends.length, 1);
      assert.equal(frontends[0]?.['QueryPort'], String(port));
      assert.equal(frontends[0]['Role'], 'LEADER');
    });

    it('an ADD onto a BE address is refused with the backend text', async () => {
      const answer = expectError(await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.9.9.9:9050"'));
      assert.equal(
        answer.message,
        version === '2.4'
          ? 'Same backend already exists[10.9.9.9:9050]'
          : 'Backend already exists with same host 10.9.9.9 and port 9050',
      );
    });

    it('answers SELECT @@version_comment (what the mysql CLI sends on connect)', async () => {
      const rows = expectRows(await sql(port, 'select @@version_comment limit 1'));
      assert.deepEqual(rows, [{ '@@version_comment': sim.profile.versionComment }]);
      const expected = {
        '2.4': 'StarRocks version 2.4.0',
        '3.3': '3.3.0-rc01-3b8cb0c',
        '3.4': '3.4.5-2c4e3b0',
        '3.5': '3.5.2-69b2a4e',
        '4.1': '4.1.0-ad83983',
      };
      assert.equal(sim.profile.versionComment, expected[version]);
    });

    it(`SELECT 1 ${version === '2.4' ? 'needs an alive BE' : 'is answered by the FE itself'}`, async () => {
      const lonely = new FeSimulator({ version });
      await lonely.start();
      try {
        const answer = await sql(lonely.ports[0] ?? 0, 'SELECT 1');
        assert.equal(answer.ok, version !== '2.4');
        lonely.seedBackend({ address: '10.9.9.8:9050', alive: true });
        assert.equal((await sql(lonely.ports[0] ?? 0, 'SELECT 1')).ok, true);
      } finally {
        await lonely.stop();
      }
    });

    it('accepts SET and USE (session statements a client may send)', async () => {
      assert.equal((await sql(port, 'SET NAMES utf8mb4')).ok, true);
      assert.equal((await sql(port, 'set @@session.query_timeout = 300')).ok, true);
      assert.equal((await sql(port, 'USE information_schema')).ok, true);
    });

    it('records every statement with user, listener and time', async () => {
      sim.clearStatements();
      const before = Date.now();
      await sql(port, 'SHOW COMPUTE NODES');
      assert.equal(sim.statements.length, 1);
      const record = sim.statements[0];
      assert.equal(record?.sql, 'SHOW COMPUTE NODES');
      assert.equal(record.user, 'root');
      assert.equal(record.listener, 0);
      assert.equal(record.port, port);
      assert.ok(record.at.getTime() >= before);
    });
  });
}

describe('FE simulator 3.5: warehouses', () => {
  let sim: FeSimulator;
  let port: number;
  before(async () => {
    sim = new FeSimulator({ version: '3.5', warehouses: ['wh2'], sharedData: true });
    await sim.start();
    port = sim.ports[0] ?? 0;
  });
  after(async () => {
    await sim.stop();
  });

  it('ADD INTO WAREHOUSE places the node; WarehouseName shows it', async () => {
    assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.3.0.1:9050" INTO WAREHOUSE wh2')).ok, true);
    assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.3.0.2:9050"')).ok, true);
    const rows = expectRows(await sql(port, 'SHOW COMPUTE NODES'));
    assert.deepEqual(
      rows.map((row) => row['WarehouseName']),
      ['wh2', 'default_warehouse'],
    );
  });

  it('unknown warehouse: code 5901, SQLSTATE 42000', async () => {
    assert.deepEqual(await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.3.0.3:9050" INTO WAREHOUSE nope'), {
      ok: false,
      errno: 5901,
      sqlState: '42000',
      message: 'Warehouse name: nope not exist.',
    });
  });

  it('DROP FROM the wrong warehouse is refused with the warehouse text', async () => {
    assert.deepEqual(await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "10.3.0.1:9050"'), {
      ok: false,
      errno: 1064,
      sqlState: 'HY000',
      message: 'compute node [10.3.0.1:9050] does not exist in warehouse default_warehouse',
    });
    assert.equal((await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "10.3.0.1:9050" FROM WAREHOUSE wh2')).ok, true);
  });

  it('3.3 and 2.4 do not know the warehouse clause', async () => {
    const old = new FeSimulator({ version: '3.3' });
    await old.start();
    try {
      const answer = expectError(
        await sql(old.ports[0] ?? 0, 'ALTER SYSTEM ADD COMPUTE NODE "10.3.0.1:9050" INTO WAREHOUSE w'),
      );
      assert.match(answer.message, /^Getting syntax error at line 1, column \d+/);
    } finally {
      await old.stop();
    }
  });
});
