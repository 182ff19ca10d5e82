import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseRegisterConfig } from '../../../src/components/register/config.js';
import { RegisterLoop, type FeMembership } from '../../../src/components/register/loop.js';
import { createLogger } from '../../../src/runtime/logging.js';

const parsed = parseRegisterConfig({
  FE_ADDRS: '127.0.0.1:9030',
  FE_USR: 'root',
  CN_HOST: '10.1.2.3',
  REGISTER_PERIOD_SECONDS: '1',
  FE_CONNECT_TIMEOUT_MS: '100',
  FE_QUERY_TIMEOUT_MS: '100',
  CN_HEALTH_TIMEOUT_MS: '100',
});
if (!parsed.ok) throw new Error('test settings');
const config = parsed.value;
const silent = createLogger({ name: 'register', level: 'silent' });

function tickOnce(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

describe('RegisterLoop', () => {
  it('reports not live when a tick hangs past its budget, and stops at once on abort', async () => {
    let now = 1_000_000;
    const hanging: FeMembership = {
      showComputeNodes: () => new Promise(() => undefined),
      addComputeNodes: () => Promise.resolve(),
    };
    const loop = new RegisterLoop(config, {
      fe: hanging,
      checkCnHealth: () => Promise.resolve(true),
      logger: silent,
      now: () => now,
    });
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await tickOnce();
    assert.equal(loop.live(), true);
    assert.equal(loop.ready(), false);
    now += 60_000;
    assert.equal(loop.live(), false, 'a tick stuck for a minute fails /healthz');
    stop.abort();
    await running;
    assert.equal(loop.live(), false);
  });

  it('matches its own address in the FE rows by host case and port, and becomes ready when alive', async () => {
    const shows: number[] = [];
    const fe: FeMembership = {
      showComputeNodes: () => {
        shows.push(1);
        return Promise.resolve([
          { host: '10.1.2.3', heartbeatPort: 9051, alive: true },
          { host: '10.1.2.3', heartbeatPort: 9050, alive: true },
        ]);
      },
      addComputeNodes: () => Promise.reject(new Error('must not add: already listed')),
    };
    const loop = new RegisterLoop(config, { fe, checkCnHealth: () => Promise.resolve(true), logger: silent });
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await tickOnce();
    assert.equal(loop.ready(), true);
    assert.equal(loop.currentState.phase, 'registered');
    stop.abort();
    await running;
    assert.equal(loop.ready(), false, 'never ready once stopped');
    assert.equal(shows.length, 1);
  });

  it('adds when its address is missing (another port of the same host does not count)', async () => {
    const added: string[][] = [];
    const fe: FeMembership = {
      showComputeNodes: () => Promise.resolve([{ host: '10.1.2.3', heartbeatPort: 9051, alive: true }]),
      addComputeNodes: (addresses) => {
        added.push(addresses);
        return Promise.resolve();
      },
    };
    const loop = new RegisterLoop(config, { fe, checkCnHealth: () => Promise.resolve(true), logger: silent });
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await tickOnce();
    stop.abort();
    await running;
    assert.deepEqual(added, [['10.1.2.3:9050']]);
  });
});
