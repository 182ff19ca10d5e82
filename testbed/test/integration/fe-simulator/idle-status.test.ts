// GET /api/idle_status on the FE's HTTP port (docs/fe-simulator.md, "Idle status"; fe-core http/rest/IdleAction.java,
// warehouse/WarehouseIdleChecker.java, #53850): absent before 3.3.8 / 3.4.0, off by default, idle only after
// 2 x the check interval without work, idleTime the epoch ms it was first seen idle.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { FeSimulator, PROFILE_NAMES, PROFILES, type ProfileName } from '../../../fe-simulator/index.js';
import { sql } from './clients.js';

const bodySchema = z.object({
  isClusterIdle: z.boolean(),
  clusterIdleTime: z.number(),
  warehouses: z.array(z.object({ id: z.number(), name: z.string(), isIdle: z.boolean(), idleTime: z.number() })),
});
const body = (text: string) => bodySchema.parse(JSON.parse(text));

async function withFe(
  version: ProfileName,
  idleCheck: { enabled?: boolean; intervalSeconds?: number },
  body: (
    sim: FeSimulator,
    get: (auth?: string) => Promise<{ status: number; text: string; type: string }>,
  ) => Promise<void>,
): Promise<void> {
  const sim = new FeSimulator({ version, httpPort: 0, idleCheck, heartbeatPeriodMs: 3_600_000 });
  await sim.start();
  try {
    sim.seedComputeNode({ address: '10.0.6.1:9050', alive: true });
    const get = async (auth?: string) => {
      const headers: Record<string, string> = auth === undefined ? {} : { authorization: `Basic ${btoa(auth)}` };
      const response = await fetch(`http://127.0.0.1:${sim.httpPort ?? 0}/api/idle_status`, {
        headers,
        signal: AbortSignal.timeout(5_000),
      });
      return { status: response.status, text: await response.text(), type: response.headers.get('content-type') ?? '' };
    };
    await body(sim, get);
  } finally {
    await sim.stop();
  }
}

const WITH = PROFILE_NAMES.filter((name) => PROFILES[name].hasIdleStatus);
const WITHOUT = PROFILE_NAMES.filter((name) => !PROFILES[name].hasIdleStatus);

describe('GET /api/idle_status', () => {
  it('exists from 3.4 on among the profiles (3.3.8 and 3.4.0 added it; the 3.3 profile is 3.3.0)', () => {
    assert.deepEqual(WITHOUT, ['2.4', '3.3']);
  });

  for (const version of WITHOUT) {
    it(`${version}: no handler, so the not-found action asks for a password, then answers 404`, async () => {
      await withFe(version, { enabled: true }, async (_sim, get) => {
        const anonymous = await get();
        assert.equal(anonymous.status, 401);
        assert.equal((await get('root:wrong')).status, 401);
        const known = await get('root:');
        assert.deepEqual([known.status, /this is 404 page/.test(known.text)], [404, true]);
      });
    });
  }

  for (const version of WITH) {
    it(`${version}: off by default, 200 with a text, no credentials asked`, async () => {
      await withFe(version, {}, async (_sim, get) => {
        assert.deepEqual(await get(), { status: 200, text: 'warehouse idle check is not enabled', type: 'text/html' });
      });
    });

    it(`${version}: on, busy while work runs, idle 2 intervals after it ended, from the first check that saw it`, async () => {
      await withFe(version, { enabled: true, intervalSeconds: 0.2 }, async (sim, get) => {
        sim.setLoad({ runningPerNode: 0, running: 1 });
        const busy = body((await get()).text);
        assert.deepEqual(busy, {
          isClusterIdle: false,
          clusterIdleTime: -1,
          warehouses: [{ id: 0, name: 'default_warehouse', isIdle: false, idleTime: -1 }],
        });
        sim.setLoad({ runningPerNode: 0 });
        const ended = Date.now();
        // Within 2 x 0.2 s of the end: still busy (a query that just finished still counts).
        assert.equal(body((await get()).text).isClusterIdle, false);
        await new Promise((resolve) => setTimeout(resolve, 600));
        const idle = body((await get()).text);
        assert.equal(idle.isClusterIdle, true);
        assert.ok(idle.clusterIdleTime >= ended + 400, `idleTime ${idle.clusterIdleTime - ended} ms after the end`);
        assert.equal(idle.warehouses[0]?.idleTime, idle.clusterIdleTime);
        const again = body((await get()).text);
        assert.equal(again.clusterIdleTime, idle.clusterIdleTime, 'idleTime stays the first time it was seen idle');
        sim.setLoad({ runningPerNode: 0, pending: 1 });
        assert.equal(body((await get()).text).clusterIdleTime, -1, 'a queued query is work');
      });
    });

    it(`${version}: the operator's own ALTER SYSTEM is work; its SHOW statements are not`, async () => {
      await withFe(version, { enabled: true, intervalSeconds: 0.1 }, async (sim, get) => {
        const port = sim.ports[0] ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 300));
        await sql(port, 'SHOW COMPUTE NODES');
        await sql(port, 'SHOW RUNNING QUERIES');
        assert.equal(body((await get()).text).isClusterIdle, true, 'SHOW does not count');
        await sql(port, 'ALTER SYSTEM DROP COMPUTE NODE "10.0.6.1:9050"');
        assert.equal(body((await get()).text).isClusterIdle, false, 'a DROP counts, for 2 intervals');
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(body((await get()).text).isClusterIdle, true);
      });
    });
  }
});
