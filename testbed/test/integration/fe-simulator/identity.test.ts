// starrocks-fe.md section 4: IP mode (resolve on ADD, DROP by stored IP from 3.1) and FQDN mode (verbatim).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FeSimulator, PROFILE_NAMES, FAILURES_BEFORE_DEAD } from '../../../fe-simulator/index.js';
import { expectRows, sql } from './clients.js';

async function withSim<T>(sim: FeSimulator, body: (port: number) => Promise<T>): Promise<T> {
  await sim.start();
  try {
    return await body(sim.ports[0] ?? 0);
  } finally {
    await sim.stop();
  }
}

for (const version of PROFILE_NAMES) {
  describe(`FE simulator ${version}: node identity`, () => {
    it('IP mode: ADD resolves a host name and stores the IP', async () => {
      const sim = new FeSimulator({ version, hostMode: 'IP', resolve: { 'cn-0.cn.ns.svc.cluster.local': '10.4.0.7' } });
      await withSim(sim, async (port) => {
        assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "cn-0.cn.ns.svc.cluster.local:9050"')).ok, true);
        const rows = expectRows(await sql(port, 'SHOW COMPUTE NODES'));
        assert.deepEqual(
          rows.map((row) => row['IP']),
          ['10.4.0.7'],
        );
      });
    });

    it('IP mode: an unknown host is refused at ADD', async () => {
      const sim = new FeSimulator({ version, hostMode: 'IP' });
      await withSim(sim, async (port) => {
        const answer = await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "no-such-host:9050"');
        assert.deepEqual(answer, {
          ok: false,
          errno: 1064,
          sqlState: 'HY000',
          message:
            version === '2.4'
              ? 'compute node host or port is wrong!'
              : 'Getting analyzing error. Detail message: Unknown host: no-such-host: Name or service not known.',
        });
      });
    });

    it(`IP mode: DROP by host name ${version === '2.4' ? 'resolves' : 'does not resolve (3.1+)'}`, async () => {
      const sim = new FeSimulator({ version, hostMode: 'IP', resolve: { 'cn-1': '10.4.0.8' } });
      await withSim(sim, async (port) => {
        await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "cn-1:9050"');
        const answer = await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "cn-1:9050"');
        if (version === '2.4') {
          assert.equal(answer.ok, true);
          assert.equal(sim.findComputeNode('10.4.0.8:9050'), undefined);
        } else {
          assert.equal(!answer.ok && answer.message, 'compute node does not exists[cn-1:9050]');
          assert.equal((await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "10.4.0.8:9050"')).ok, true);
        }
      });
    });

    it('FQDN mode: the host string is stored verbatim; a name and an IP are two nodes', async () => {
      const sim = new FeSimulator({ version, hostMode: 'FQDN', resolve: { 'cn-0.x': '10.4.0.9' } });
      await withSim(sim, async (port) => {
        assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "cn-0.x:9050"')).ok, true);
        assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "10.4.0.9:9050"')).ok, true);
        const rows = expectRows(await sql(port, 'SHOW COMPUTE NODES'));
        assert.deepEqual(rows.map((row) => row['IP']).sort(), ['10.4.0.9', 'cn-0.x']);
      });
    });

    it('FQDN mode: a typo is accepted at ADD and shows only in ErrMsg after the heartbeats', async () => {
      const sim = new FeSimulator({ version, hostMode: 'FQDN', heartbeatPeriodMs: 60_000 });
      await withSim(sim, async (port) => {
        assert.equal((await sql(port, 'ALTER SYSTEM ADD COMPUTE NODE "cn-0.tpyo:9050"')).ok, true);
        sim.liveness.setAlive('cn-0.tpyo:9050', true);
        await sim.runHeartbeats(FAILURES_BEFORE_DEAD);
        const row = expectRows(await sql(port, 'SHOW COMPUTE NODES'))[0];
        assert.equal(row?.['Alive'], 'false');
        assert.equal(row['ErrMsg'], 'java.net.UnknownHostException: cn-0.tpyo');
      });
    });
  });
}
