// starrocks-fe.md sections 2 (exact error texts and codes) and 3 (privileges), per profile.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FeSimulator, PROFILE_NAMES, type ProfileName } from '../../../fe-simulator/index.js';
import { expectError, login, sql, type SqlAnswer } from './clients.js';

const ANALYSIS = 'Getting analyzing error. Detail message: ';

function error(errno: number, sqlState: string, message: string): SqlAnswer {
  return { ok: false, errno, sqlState, message };
}

const EXISTS: Record<ProfileName, string> = {
  '2.4': 'Same compute node already exists[10.0.0.1:9050]',
  '3.3': 'Compute node already exists with same host 10.0.0.1 and port 9050',
  '3.4': 'Compute node already exists with same host 10.0.0.1 and port 9050',
  '3.5': 'Compute node already exists with same host 10.0.0.1 and port 9050',
  '4.1': 'Compute node already exists with same host 10.0.0.1 and port 9050',
};

const INVALID: Record<ProfileName, (text: string) => string> = {
  '2.4': () => 'compute node host or port is wrong!',
  '3.3': (text) => `${ANALYSIS}Invalid host port: ${text}.`,
  '3.4': (text) => `${ANALYSIS}Invalid host port: ${text}.`,
  '3.5': (text) => `${ANALYSIS}Invalid host port: ${text}.`,
  '4.1': (text) => `${ANALYSIS}Invalid host port: ${text}.`,
};

const NODE_DENIED_3 =
  'Access denied; you need (at least one of) the NODE privilege(s) on SYSTEM for this operation. ' +
  'Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. ' +
  'Current role(s): [public]. Inactivated role(s): NONE.';

for (const version of PROFILE_NAMES) {
  describe(`FE simulator ${version}: errors`, () => {
    let sim: FeSimulator;
    let port: number;
    before(async () => {
      sim = new FeSimulator({
        version,
        users: [
          { name: 'op', password: 'op-pass', roles: version === '2.4' ? ['operator'] : ['cluster_admin'] },
          { name: 'weak', password: 'weak-pass', roles: version === '2.4' ? ['admin'] : ['db_admin'] },
          { name: 'nobody', password: 'x', roles: [] },
          { name: 'viewer', password: 'v', privileges: version === '2.4' ? ['ADMIN'] : ['OPERATE'] },
        ],
      });
      await sim.start();
      port = sim.ports[0] ?? 0;
      await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.0.0.1:9050"');
    });
    after(async () => {
      await sim.stop();
    });

    it('ADD of an existing CN: the version wording, 1064 HY000', async () => {
      assert.deepEqual(
        await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.0.0.1:9050"'),
        error(1064, 'HY000', EXISTS[version]),
      );
    });

    it('ADD naming one new address twice registers it twice (every check runs before any add)', async () => {
      assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.0.0.9:9050", "10.0.0.9:9050"')).ok, true);
      assert.equal(sim.computeNodeAddresses().filter((address) => address === '10.0.0.9:9050').length, 2);
      await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "10.0.0.9:9050"');
      await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "10.0.0.9:9050"');
    });

    it('ADD checks every node first: nothing is added when one exists', async () => {
      const answer = await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.0.0.5:9050", "10.0.0.1:9050"');
      assert.equal(answer.ok, false);
      assert.equal(sim.findComputeNode('10.0.0.5:9050'), undefined);
    });

    it(`DROP of an unknown IPv6 CN: the address ${version === '2.4' ? 'as stored' : 'in brackets (3.3+)'}`, async () => {
      const address = version === '2.4' ? 'fd00::9:9050' : '[fd00::9]:9050';
      assert.deepEqual(
        await sql(port, "ALTER SYSTEM DROP COMPUTE NODE '[fd00::9]:9050'"),
        error(1064, 'HY000', `compute node does not exists[${address}]`),
      );
    });

    it('DROP of an unknown CN: "does not exists" in every version', async () => {
      assert.deepEqual(
        await sql(port, "ALTER SYSTEM DROP COMPUTE NODE '10.0.0.77:9050'"),
        error(1064, 'HY000', 'compute node does not exists[10.0.0.77:9050]'),
      );
    });

    for (const bad of ['10.0.0.1', 'a:b:c']) {
      it(`invalid address ${bad}: the version's analysis text`, async () => {
        assert.deepEqual(
          await sql(port, `ALTER SYSTEM ADD COMPUTE NODE "${bad}"`),
          error(1064, 'HY000', INVALID[version](bad)),
        );
      });
    }

    // 3.x checks the port inside a catch-all: the Java exception's text follows "Encounter unknown exception".
    const PORT_ERRORS: [string, string][] = [
      ['10.0.0.1:0', 'Port is out of range: 0'],
      ['10.0.0.1:65536', 'Port is out of range: 65536'],
      ['10.0.0.1:x', 'For input string: "x"'],
    ];
    for (const [bad, detail] of PORT_ERRORS) {
      it(`bad port ${bad}: ${version === '2.4' ? 'host or port is wrong' : detail}`, async () => {
        const expected =
          version === '2.4'
            ? 'compute node host or port is wrong!'
            : `${ANALYSIS}Encounter unknown exception: ${detail}.`;
        assert.deepEqual(await sql(port, `ALTER SYSTEM ADD COMPUTE NODE "${bad}"`), error(1064, 'HY000', expected));
      });
    }

    it('empty host: Host is null (3.2+)', async () => {
      const expected = version === '2.4' ? 'compute node host or port is wrong!' : `${ANALYSIS}Host is null.`;
      assert.deepEqual(await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE ":9050"'), error(1064, 'HY000', expected));
    });

    it('syntax error', async () => {
      const answer = expectError(await sql(port, 'ALTER SYSTEM FROB COMPUTE NODE "10.0.0.1:9050"'));
      {
        assert.equal(answer.errno, 1064);
        if (version !== '2.4') {
          assert.equal(
            answer.message,
            "Getting syntax error at line 1, column 13. Detail message: Unexpected input 'FROB', the most similar input is {<EOF>, ';'}.",
          );
        }
      }
    });

    it('wrong password: 1045 28000, YES or NO', async () => {
      assert.deepEqual(
        await login(port, 'op', 'wrong'),
        error(1045, '28000', "Access denied for user 'op' (using password: YES)"),
      );
      assert.deepEqual(
        await login(port, 'op', ''),
        error(1045, '28000', "Access denied for user 'op' (using password: NO)"),
      );
      assert.deepEqual(
        await login(port, 'ghost', 'x'),
        error(1045, '28000', "Access denied for user 'ghost' (using password: YES)"),
      );
    });

    it('root (empty password) and the NODE role may ADD and DROP', async () => {
      assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.0.0.2:9050"', 'op', 'op-pass')).ok, true);
      assert.equal((await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "10.0.0.2:9050"', 'op', 'op-pass')).ok, true);
    });

    it(`${version === '2.4' ? 'role admin' : 'role db_admin'} is not enough for ADD/DROP`, async () => {
      const expected =
        version === '2.4'
          ? error(1064, 'HY000', 'Access denied; you need (at least one of) the weak privilege(s) for this operation')
          : error(5203, '42000', NODE_DENIED_3.replace('[public]', '[public, db_admin]'));
      assert.deepEqual(await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.0.0.3:9050"', 'weak', 'weak-pass'), expected);
      assert.equal(sim.findComputeNode('10.0.0.3:9050'), undefined);
    });

    it('a user without roles gets the exact denied text', async () => {
      const expected =
        version === '2.4'
          ? error(1064, 'HY000', 'Access denied; you need (at least one of) the nobody privilege(s) for this operation')
          : error(5203, '42000', NODE_DENIED_3);
      assert.deepEqual(await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "10.0.0.1:9050"', 'nobody', 'x'), expected);
    });

    it('analysis runs before the privilege check', async () => {
      assert.deepEqual(
        await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "nonsense"', 'nobody', 'x'),
        error(1064, 'HY000', INVALID[version]('nonsense')),
      );
    });

    it(`SHOW COMPUTE NODES needs ${version === '2.4' ? 'ADMIN or NODE' : 'OPERATE or NODE'}`, async () => {
      assert.equal((await sql(port, 'SHOW COMPUTE NODES', 'viewer', 'v')).ok, true);
      // 2.4's admin role has ADMIN; 3.x's db_admin has OPERATE (every SYSTEM privilege but GRANT and NODE).
      assert.equal((await sql(port, 'SHOW COMPUTE NODES', 'weak', 'weak-pass')).ok, true);
      assert.equal((await sql(port, 'SHOW COMPUTE NODES', 'op', 'op-pass')).ok, true);
      const denied = expectError(await sql(port, 'SHOW COMPUTE NODES', 'nobody', 'x'));
      assert.match(denied.message, /^Access denied; you need \(at least one of\)/);
    });
  });
}
