// starrocks-fe.md section 3 and the FE source: users and grants set up with SQL as a DBA does it, role activation
// on 3.x (a granted role counts only while active; the denial names the inactive ones), db_admin may read but not
// change the nodes. Both clients: mysql2 and the mysql command-line client.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FeSimulator, PROFILE_NAMES } from '../../../fe-simulator/index.js';
import { expectError, mysqlCli, sql } from './clients.js';

for (const version of PROFILE_NAMES.filter((name) => name !== '2.4')) {
  describe(`FE simulator ${version}: users and roles by SQL`, () => {
    let sim: FeSimulator;
    let port: number;
    before(async () => {
      sim = new FeSimulator({ version });
      await sim.start();
      port = sim.ports[0] ?? 0;
    });
    after(async () => {
      await sim.stop();
    });

    it('CREATE USER ... DEFAULT ROLE cluster_admin may ADD at once', async () => {
      assert.equal((await sql(port, "CREATE USER 'op1' IDENTIFIED BY 'pw1' DEFAULT ROLE 'cluster_admin'")).ok, true);
      assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.9.0.1:9050"', 'op1', 'pw1')).ok, true);
    });

    it('a role granted but not default is inactive: denied, and the text names it', async () => {
      assert.equal((await sql(port, "CREATE USER 'op2' IDENTIFIED BY 'pw2'")).ok, true);
      assert.equal((await sql(port, "GRANT 'cluster_admin' TO USER 'op2'")).ok, true);
      const denied = expectError(await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.9.0.2:9050"', 'op2', 'pw2'));
      assert.equal(denied.errno, 5203);
      assert.match(denied.message, /Current role\(s\): \[public\]\. Inactivated role\(s\): \[cluster_admin\]\.$/);
      assert.equal((await sql(port, "SET DEFAULT ROLE 'cluster_admin' TO 'op2'")).ok, true);
      assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.9.0.2:9050"', 'op2', 'pw2')).ok, true);
    });

    it('GRANT NODE ON SYSTEM gives the privilege directly', async () => {
      await sql(port, "CREATE USER 'op3' IDENTIFIED BY 'pw3'");
      assert.equal((await sql(port, "GRANT NODE ON SYSTEM TO USER 'op3'")).ok, true);
      assert.equal((await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "10.9.0.2:9050"', 'op3', 'pw3')).ok, true);
    });

    it('db_admin may SHOW COMPUTE NODES but not ALTER SYSTEM', async () => {
      await sql(port, "CREATE USER 'dba' IDENTIFIED BY 'pw' DEFAULT ROLE 'db_admin'");
      assert.equal((await sql(port, 'SHOW COMPUTE NODES', 'dba', 'pw')).ok, true);
      const denied = expectError(await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.9.0.3:9050"', 'dba', 'pw'));
      assert.match(denied.message, /NODE privilege\(s\) on SYSTEM.*Current role\(s\): \[public, db_admin\]/);
    });

    it('only a user with GRANT manages users; an existing user needs IF NOT EXISTS', async () => {
      const denied = expectError(await sql(port, "CREATE USER 'x' IDENTIFIED BY 'y'", 'op1', 'pw1'));
      assert.equal(denied.errno, 5203);
      assert.equal(expectError(await sql(port, "CREATE USER 'op1' IDENTIFIED BY 'pw1'")).errno, 1396);
      assert.equal((await sql(port, "CREATE USER IF NOT EXISTS 'op1' IDENTIFIED BY 'pw1'")).ok, true);
    });

    it('SET ROLE activates a granted role for the rest of the session only', async () => {
      await sql(port, "CREATE USER 'sess' IDENTIFIED BY 's'");
      await sql(port, "GRANT 'cluster_admin' TO USER 'sess'");
      const activated = await mysqlCli(port, [
        '-usess',
        '-ps',
        '-e',
        "SET ROLE 'cluster_admin'; ALTER SYSTEM ADD COMPUTE NODE '10.9.0.5:9050'",
      ]);
      assert.equal(activated.code, 0, activated.stderr);
      const denied = await mysqlCli(port, ['-usess', '-ps', '-e', "ALTER SYSTEM DROP COMPUTE NODE '10.9.0.5:9050'"]);
      assert.match(denied.stderr, /ERROR 5203 \(42000\).*Inactivated role\(s\): \[cluster_admin\]/);
      const notGranted = await mysqlCli(port, ['-usess', '-ps', '-e', "SET ROLE 'db_admin'"]);
      assert.notEqual(notGranted.code, 0);
    });

    it('the mysql client sets up a user the same way', async () => {
      const setup = await mysqlCli(port, [
        '-uroot',
        '-e',
        "CREATE USER 'cli'@'%' IDENTIFIED BY 'c' DEFAULT ROLE 'cluster_admin'",
      ]);
      assert.equal(setup.code, 0, setup.stderr);
      const added = await mysqlCli(port, ['-ucli', '-pc', '-e', "ALTER SYSTEM ADD COMPUTE NODE '10.9.0.4:9050'"]);
      assert.equal(added.code, 0, added.stderr);
      await mysqlCli(port, ['-uroot', '-e', "CREATE USER 'cli2' IDENTIFIED BY 'c'; GRANT cluster_admin TO 'cli2'"]);
      const denied = await mysqlCli(port, ['-ucli2', '-pc', '-e', "ALTER SYSTEM DROP COMPUTE NODE '10.9.0.4:9050'"]);
      assert.match(denied.stderr, /ERROR 5203 \(42000\).*Inactivated role\(s\): \[cluster_admin\]/);
    });
  });
}

describe('FE simulator 2.4: roles are always active', () => {
  it('a granted role counts at once (no activation before 3.0)', async () => {
    const sim = new FeSimulator({ version: '2.4' });
    await sim.start();
    try {
      const port = sim.ports[0] ?? 0;
      assert.equal((await sql(port, "CREATE USER 'op' IDENTIFIED BY 'pw'")).ok, true);
      assert.equal((await sql(port, "GRANT 'operator' TO 'op'")).ok, true);
      assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.9.1.1:9050"', 'op', 'pw')).ok, true);
      assert.equal((await sql(port, "GRANT NODE_PRIV ON *.* TO 'op'")).ok, true);
    } finally {
      await sim.stop();
    }
  });
});
