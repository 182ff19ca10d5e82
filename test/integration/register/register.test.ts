// The register sidecar against the FE simulator, for each FE version profile.
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { after, afterEach, describe, it } from 'node:test';
import { EXIT_BAD_CONFIG, runRegister } from '../../../src/components/register/index.js';
import { createLogger } from '../../../src/runtime/logging.js';
import {
  CN_ADDRESS,
  CN_IP,
  FQDN,
  delay,
  killIfRunning,
  sidecarEnv,
  spawnSidecar,
  startFixture,
  startSidecar,
  waitFor,
  type ChildSidecar,
  type Fixture,
  type Sidecar,
} from './harness.js';

const PROFILES = ['2.4', '3.3', '3.5'] as const;

for (const version of PROFILES) {
  describe(`register against FE ${version}`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function fixture(options: Parameters<typeof startFixture>[0] = {}, cnAddress?: string): Promise<Fixture> {
      const started = await startFixture({ version, ...options }, cnAddress);
      cleanups.push(() => started.stop());
      return started;
    }
    async function sidecar(env: Record<string, string | undefined>): Promise<Sidecar> {
      const started = await startSidecar(env);
      cleanups.push(() => started.stop());
      return started;
    }
    const adds = (f: Fixture) => f.fe.statementsMatching(/ALTER\s+SYSTEM\s+ADD/i);
    const listed = (f: Fixture, address = CN_ADDRESS) => f.fe.computeNodeAddresses().includes(address);

    it('waits for the CN, then registers it once and turns ready when the FE reports it alive', async () => {
      const f = await fixture();
      f.cn.setState('down');
      const s = await sidecar(sidecarEnv(f));
      await delay(400);
      assert.equal(adds(f).length, 0, 'no ADD while the CN is down');
      assert.equal(await s.probe('/readyz'), 503);
      assert.equal(await s.probe('/healthz'), 200);
      f.cn.setState('up');
      await waitFor('the FE lists the CN', () => listed(f));
      await waitFor('/readyz 200', async () => (await s.probe('/readyz')) === 200);
      assert.equal(adds(f).length, 1);
      assert.match(adds(f)[0]?.sql ?? '', new RegExp(`['"]${CN_ADDRESS.replace(/\./g, '\\.')}['"]`));
      assert.ok(s.events().includes('added') && s.events().includes('alive'));
    });

    it('turns unready when the FE marks the CN dead, and ready again when it is back', async () => {
      const f = await fixture();
      const s = await sidecar(sidecarEnv(f));
      await waitFor('/readyz 200', async () => (await s.probe('/readyz')) === 200);
      f.cn.setState('down');
      await waitFor('/readyz 503', async () => (await s.probe('/readyz')) === 503);
      f.cn.setState('up');
      await waitFor('/readyz 200 again', async () => (await s.probe('/readyz')) === 200);
      assert.equal(adds(f).length, 1, 'a dead CN is not re-added: it is still listed');
    });

    it('duplicate adds are harmless: two sidecars for one CN, then a restart, leave one FE entry', async () => {
      const f = await fixture();
      const a = await sidecar(sidecarEnv(f));
      const b = await sidecar(sidecarEnv(f));
      await waitFor('both ready', async () => (await a.probe('/readyz')) === 200 && (await b.probe('/readyz')) === 200);
      assert.equal(f.fe.computeNodeAddresses().filter((x) => x === CN_ADDRESS).length, 1);
      assert.ok(![...a.events(), ...b.events()].includes('add-failed'), '"already exists" counts as success');
      await a.stop();
      await b.stop();
      assert.ok(listed(f), 'stopping the sidecar does not drop the CN');
      f.fe.clearStatements();
      const c = await sidecar(sidecarEnv(f));
      await waitFor('restarted sidecar ready', async () => (await c.probe('/readyz')) === 200);
      assert.equal(adds(f).length, 0, 'a restarted sidecar finds its CN listed and does not add it');
      assert.equal(f.fe.statementsMatching(/DROP/i).length, 0);
    });

    it('re-adds the CN after an FE restart that lost it', async () => {
      const f = await fixture();
      const s = await sidecar(sidecarEnv(f));
      await waitFor('ready', async () => (await s.probe('/readyz')) === 200);
      await f.fe.setFault('refuse');
      const node = f.fe.findComputeNode(CN_ADDRESS);
      assert.ok(node);
      f.fe.catalog.computeNodes.splice(f.fe.catalog.computeNodes.indexOf(node), 1);
      await delay(300);
      await f.fe.setFault('normal');
      await waitFor('re-added', () => listed(f), 8000);
      await waitFor('ready again', async () => (await s.probe('/readyz')) === 200);
      const events = s.events();
      assert.ok(events.includes('missing') && events.includes('re-adding'), events.join(','));
    });

    it('retries an unreachable FE with backoff (no tight loop) and registers when it is back', async () => {
      const f = await fixture();
      await f.fe.setFault('refuse');
      const s = await sidecar(sidecarEnv(f));
      await delay(2000);
      const failures = s.events().filter((e) => e === 'fe-check-failed').length;
      // Retry interval: 1 s first, capped at 0.4 s here (±20%): at most about 6 attempts in 2 s.
      assert.ok(failures >= 2 && failures <= 7, `FE attempts in 2 s: ${failures}`);
      assert.equal(await s.probe('/readyz'), 503);
      assert.equal(await s.probe('/healthz'), 200, 'the loop is alive while the FE is down');
      await f.fe.setFault('normal');
      await waitFor('registered after the outage', () => listed(f), 5000);
      await waitFor('ready', async () => (await s.probe('/readyz')) === 200);
    });

    it('wrong password: one clear error, then the long wait (no retry loop), never the password', async () => {
      const f = await fixture({ rootPassword: 'right-pw' });
      const s = await sidecar(sidecarEnv(f, { FE_PWD: 'pw-Zq93x-secret' }));
      await waitFor('an FE error', () => s.events().includes('fe-check-failed'));
      await delay(1500);
      const errors = s.logs().filter((line) => line.event === 'fe-check-failed');
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.level, 'error');
      assert.match(String(errors[0].msg), /AuthenticationFailed.*FE_USR\/FE_PWD.*Next try in \d+ s/);
      assert.ok(Number(errors[0]['nextCheckMs']) >= 240_000, 'waits minutes after a wrong password');
      assert.equal(f.fe.statements.length, 0);
      assert.ok(!JSON.stringify(s.logs()).includes('pw-Zq93x-secret'));
      assert.equal(await s.probe('/readyz'), 503);
    });

    it('missing NODE privilege: one ADD, a clear error, then the long wait', async () => {
      const f = await fixture({ users: [{ name: 'viewer', password: 'v', privileges: ['ADMIN', 'OPERATE'] }] });
      const s = await sidecar(sidecarEnv(f, { FE_USR: 'viewer', FE_PWD: 'v' }));
      await waitFor('the ADD refused', () => s.events().includes('add-failed'));
      await delay(1500);
      assert.equal(adds(f).length, 1);
      const line = s.logs().find((l) => l.event === 'add-failed');
      assert.equal(line?.level, 'error');
      assert.match(String(line.msg), /MissingPrivilege.*NODE/);
      assert.ok(!listed(f));
    });

    it('no privilege to read the FE: one SHOW, a clear error, then the long wait', async () => {
      const f = await fixture({ users: [{ name: 'nobody', password: 'n' }] });
      const s = await sidecar(sidecarEnv(f, { FE_USR: 'nobody', FE_PWD: 'n' }));
      await waitFor('the SHOW refused', () => s.events().includes('fe-check-failed'));
      await delay(1500);
      assert.equal(f.fe.statementsMatching(/SHOW/i).length, 1);
      assert.match(String(s.logs().find((l) => l.event === 'fe-check-failed')?.msg), /MissingPrivilege/);
    });

    it('never touches foreign CNs, hand-added nodes or BEs', async () => {
      const f = await fixture({
        computeNodes: [{ address: '10.244.9.1:9050', alive: true }, { address: '192.168.50.5:9050' }],
        backends: [{ address: '10.244.9.2:9050' }],
      });
      const s = await sidecar(sidecarEnv(f));
      await waitFor('ready', async () => (await s.probe('/readyz')) === 200);
      await s.stop();
      const changes = f.fe.statementsMatching(/ALTER/i);
      assert.equal(changes.length, 1);
      assert.ok(changes.every((record) => record.sql.includes(CN_ADDRESS) && !/DROP|DECOMMISSION/i.test(record.sql)));
      assert.deepEqual(f.fe.computeNodeAddresses().sort(), ['10.244.9.1:9050', CN_ADDRESS, '192.168.50.5:9050'].sort());
      assert.equal(f.fe.catalog.backends.length, 1);
    });

    it('FQDN mode: registers the pod DNS name verbatim', async () => {
      const address = `${FQDN}:9050`;
      const f = await fixture({ hostMode: 'FQDN', resolve: { [FQDN]: CN_IP } }, address);
      const s = await sidecar(sidecarEnv(f, { CN_HOST: FQDN }));
      await waitFor('ready', async () => (await s.probe('/readyz')) === 200);
      assert.deepEqual(f.fe.computeNodeAddresses(), [address]);
    });

    it('an IP-mode FE given a DNS name: says the FE stores another address instead of adding forever', async () => {
      const f = await fixture({ hostMode: 'IP', resolve: { [FQDN]: CN_IP } });
      const s = await sidecar(sidecarEnv(f, { CN_HOST: FQDN }));
      await waitFor('the diagnosis', () => s.events().includes('stored-under-another-address'), 8000);
      assert.ok(adds(f).length <= 2);
      assert.deepEqual(f.fe.computeNodeAddresses(), [CN_ADDRESS]);
    });

    it('refuses a CN_HOST carrying quotes or SQL: exit 2, nothing sent to the FE', async () => {
      const f = await fixture();
      for (const host of ["10.0.0.1'; DROP TABLE t; --", '10.0.0.1"', "x' OR '1'='1"]) {
        const stream = new PassThrough();
        const chunks: string[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
        const code = await runRegister({
          env: sidecarEnv(f, { CN_HOST: host }),
          signal: new AbortController().signal,
          logger: createLogger({ name: 'register', destination: stream }),
        });
        assert.equal(code, EXIT_BAD_CONFIG);
        assert.match(chunks.join(''), /CN_HOST/);
      }
      assert.equal(f.fe.statements.length, 0);
    });

    // Child processes start the whole program from source (tsx); on a loaded machine that takes many seconds, so
    // the waits for start-up are long. What is measured (SIGTERM to exit) is unaffected.
    describe('as a process', () => {
      const children: ChildSidecar[] = [];
      after(() => {
        for (const child of children) killIfRunning(child);
      });

      it('stops within the bound on SIGTERM during an FE outage, and drops nothing', async () => {
        const f = await fixture();
        await f.fe.setFault('stall');
        const child = spawnSidecar(sidecarEnv(f, { FE_CONNECT_TIMEOUT_MS: '20000', FE_QUERY_TIMEOUT_MS: '20000' }));
        children.push(child);
        await waitFor(
          'the loop talks to the FE',
          () => child.lines().some((l) => l.event === 'probes-listening'),
          60_000,
        );
        await delay(500);
        const sentAt = Date.now();
        assert.ok(child.child.pid !== undefined);
        process.kill(child.child.pid, 'SIGTERM');
        const exit = await Promise.race([child.exited, delay(8000).then(() => undefined)]);
        assert.ok(exit, 'register did not exit within 8 s of SIGTERM');
        assert.equal(exit.code, 0);
        assert.ok(exit.at - sentAt < 5000, `exit took ${exit.at - sentAt} ms`);
        assert.ok(child.lines().some((l) => l.event === 'stopped'));
        await f.fe.setFault('normal');
        assert.equal(f.fe.statementsMatching(/DROP/i).length, 0);
      });

      it('exits 2 naming the variable for bad settings', async () => {
        const child = spawnSidecar({ FE_ADDRS: 'fe:9030', FE_USR: 'root', CN_HOST: '10.0.0.1', CN_PORT: 'x' });
        children.push(child);
        const exit = await Promise.race([child.exited, delay(60_000).then(() => undefined)]);
        assert.equal(exit?.code, EXIT_BAD_CONFIG);
        assert.ok(child.lines().some((l) => l.variable === 'CN_PORT' && /CN_PORT/.test(String(l.msg))));
      });
    });
  });
}
