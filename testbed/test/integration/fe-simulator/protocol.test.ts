// starrocks-fe.md section 8 and the protocol rows of section 1: handshake, several statements in one query,
// prepared statements, several FE addresses on one state, fault injection, and the Debian `mysql` client.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import mysql from 'mysql2/promise';
import { FeSimulator, PROFILE_NAMES } from '../../../fe-simulator/index.js';
import { answerAuthSwitch, expectError, expectRows, mysqlCli, readGreeting, sql, isFrom34 } from './clients.js';

for (const version of PROFILE_NAMES) {
  describe(`FE simulator ${version}: protocol`, () => {
    let sim: FeSimulator;
    let port: number;
    before(async () => {
      sim = new FeSimulator({
        version,
        ports: [0, 0],
        users: [{ name: 'op', password: 'op-pass', roles: version === '2.4' ? ['operator'] : ['cluster_admin'] }],
      });
      await sim.start();
      port = sim.ports[0] ?? 0;
    });
    after(async () => {
      await sim.stop();
    });

    it(`greets with protocol 10 and server version ${isFrom34(version) ? '8.0.33' : '5.1.0'}`, async () => {
      assert.deepEqual(await readGreeting(port), {
        protocol: 10,
        serverVersion: isFrom34(version) ? '8.0.33' : '5.1.0',
      });
    });

    it('runs several statements in one query', async () => {
      const connection = await mysql.createConnection({
        host: '127.0.0.1',
        port,
        user: 'root',
        multipleStatements: true,
      });
      try {
        const [results] = await connection.query(
          'ALTER SYSTEM ADD COMPUTE NODE "10.7.0.1:9050"; SHOW COMPUTE NODES; SELECT @@version_comment',
        );
        assert.ok(Array.isArray(results));
        assert.equal(results.length, 3);
        assert.equal((results[1] as unknown[]).length, 1);
      } finally {
        connection.destroy();
      }
    });

    it('rejects prepared statements (use the text protocol)', async () => {
      const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
      try {
        await assert.rejects(connection.execute('SHOW COMPUTE NODES'), /Unsupported command\(COM_STMT_PREPARE\)/);
      } finally {
        connection.destroy();
      }
    });

    it('every listener is an address of the same FE (shared state), and the record names the listener', async () => {
      const second = sim.ports[1] ?? 0;
      sim.clearStatements();
      await sql(second, 'ALTER SYSTEM ADD COMPUTE NODE "10.7.0.2:9050"');
      const rows = expectRows(await sql(port, 'SHOW COMPUTE NODES'));
      assert.ok(rows.some((row) => row['IP'] === '10.7.0.2'));
      assert.deepEqual(
        sim.statements.map((record) => record.listener),
        [1, 0],
      );
      assert.equal(expectRows(await sql(port, 'SHOW FRONTENDS')).length, 2);
    });

    it('the mysql command-line client: batch output, error format with SQLSTATE', async () => {
      const ok = await mysqlCli(port, ['-uop', '-pop-pass', '-e', 'show compute nodes']);
      assert.equal(ok.code, 0, ok.stderr);
      const [header, ...lines] = ok.stdout.trim().split('\n');
      assert.equal(header?.split('\t')[0], 'ComputeNodeId');
      assert.ok(lines.length >= 1);
      const exists = await mysqlCli(port, ['-uop', '-pop-pass', '-e', "ALTER SYSTEM ADD COMPUTE NODE '10.7.0.2:9050'"]);
      assert.notEqual(exists.code, 0);
      assert.match(exists.stderr, /ERROR 1064 \(HY000\) at line 1: .*already exists/);
      const denied = await mysqlCli(port, ['-uop', '-pnope', '-e', 'show compute nodes']);
      assert.match(denied.stderr, /ERROR 1045 \(28000\): Access denied for user 'op' \(using password: YES\)/);
    });

    it('a client offering another auth plugin gets an auth switch to mysql_native_password', async () => {
      const good = await mysqlCli(port, [
        '--default-auth=caching_sha2_password',
        '-uop',
        '-pop-pass',
        '-e',
        'SHOW BACKENDS',
      ]);
      assert.equal(good.code, 0, good.stderr);
      const bad = await mysqlCli(port, [
        '--default-auth=caching_sha2_password',
        '-uop',
        '-pnope',
        '-e',
        'SHOW BACKENDS',
      ]);
      assert.match(bad.stderr, /ERROR 1045 \(28000\)/);
      const root = await mysqlCli(port, ['--default-auth=caching_sha2_password', '-uroot', '-e', 'SHOW BACKENDS']);
      assert.equal(root.code, 0, root.stderr);
    });

    it('an auth switch response that starts with 0xff is a token, not an error packet', async () => {
      // A token is a hash: one login in 256 starts with 0xff, the byte that marks an error packet elsewhere.
      const wrong = await answerAuthSwitch(port, 'op', Buffer.alloc(20, 0xff));
      assert.deepEqual(wrong, { switchedTo: 'mysql_native_password', reply: { kind: 'error', code: 1045 } });
      const empty = await answerAuthSwitch(port, 'root', Buffer.alloc(0));
      assert.deepEqual(empty, { switchedTo: 'mysql_native_password', reply: { kind: 'ok' } });
    });

    it('the mysql client: statements from standard input, including what it sends on connect', async () => {
      sim.clearStatements();
      const result = await mysqlCli(port, ['-uroot'], 'select @@version_comment limit 1;\nSHOW BACKENDS;\n');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(sim.profile.versionComment.replace(/\./g, '\\.')));
      assert.deepEqual(
        sim.statements.map((record) => record.sql),
        ['select @@version_comment limit 1', 'SHOW BACKENDS'],
      );
    });
  });
}

describe('FE simulator: fault injection', () => {
  let sim: FeSimulator;
  before(async () => {
    sim = new FeSimulator({ ports: [0, 0] });
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });

  it('refuse closes the port; normal reopens the same port', async () => {
    const port = sim.ports[0] ?? 0;
    await sim.setFault('refuse', 0);
    await assert.rejects(sql(port, 'SHOW COMPUTE NODES'), /ECONNREFUSED/);
    await sim.setFault('normal', 0);
    assert.equal(sim.ports[0], port);
    assert.equal((await sql(port, 'SHOW COMPUTE NODES')).ok, true);
  });

  it('stall accepts the connection but never greets', async () => {
    await sim.setFault('stall', 1);
    try {
      const greeted = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: sim.ports[1] ?? 0 });
        const timer = setTimeout(() => {
          socket.destroy();
          resolve(false);
        }, 300);
        socket.once('data', () => {
          clearTimeout(timer);
          socket.destroy();
          resolve(true);
        });
      });
      assert.equal(greeted, false);
    } finally {
      await sim.setFault('normal', 1);
    }
  });

  it('drop cuts the connection when a query arrives, and records the statement', async () => {
    await sim.setFault('drop', 1);
    sim.clearStatements();
    try {
      await assert.rejects(sql(sim.ports[1] ?? 0, 'SHOW COMPUTE NODES'), /closed|lost|ECONNRESET/i);
      assert.deepEqual(
        sim.statements.map((record) => record.sql),
        ['SHOW COMPUTE NODES'],
      );
    } finally {
      await sim.setFault('normal', 1);
    }
  });

  it('drop cuts the connection before the statement runs; lose-answer runs it and cuts before the answer', async () => {
    const port = sim.ports[1] ?? 0;
    await sim.setFault('drop', 1);
    await assert.rejects(sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.8.0.1:9050"'), /closed|lost|ECONNRESET/i);
    assert.equal(sim.findComputeNode('10.8.0.1:9050'), undefined);
    await sim.setFault('lose-answer', 1);
    await assert.rejects(sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.8.0.1:9050"'), /closed|lost|ECONNRESET/i);
    await sim.setFault('normal', 1);
    assert.ok(sim.findComputeNode('10.8.0.1:9050'));
  });

  it('latency delays every answer', async () => {
    sim.setLatency(150, 0);
    try {
      const started = Date.now();
      assert.equal((await sql(sim.ports[0] ?? 0, 'SHOW COMPUTE NODES')).ok, true);
      assert.ok(Date.now() - started >= 150);
    } finally {
      sim.setLatency(0);
    }
  });

  it('an unknown statement is a syntax error', async () => {
    const answer = expectError(await sql(sim.ports[0] ?? 0, 'FROB'));
    assert.equal(answer.errno, 1064);
    assert.match(answer.message, /Unexpected input 'FROB'/);
  });
});
