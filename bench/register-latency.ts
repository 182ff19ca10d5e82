// How long from "the CN answers /api/health" to "the FE lists it" with the register sidecar's default timing
// (health polled every 250 ms), against the FE simulator on loopback. Also the time until /readyz turns 200, which
// adds the FE's first heartbeat (100 ms period in the simulator here; 5 s on a real FE).
//
//   node --import tsx bench/register-latency.ts [runs]      (default 50)
import { CnEmulator } from '@starrocks-cn-operator/testbed/cn-emulator';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { parseRegisterConfig, startRegister } from '../src/components/register/index.js';
import { createLogger } from '../src/runtime/logging.js';
import { percentile } from './support/stats.js';

const CN_IP = '10.244.7.9';
const CN_ADDRESS = `${CN_IP}:9050`;
const runs = Number(process.argv[2] ?? '50');

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return performance.now();
    if (performance.now() > deadline) throw new Error(`no result within ${timeoutMs} ms`);
    await sleep(1);
  }
}

async function probeReady(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
  await response.body?.cancel();
  return response.status === 200;
}

async function oneRun(): Promise<{ registeredMs: number; readyMs: number }> {
  const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 100, heartbeatTimeoutMs: 200 });
  const cn = new CnEmulator({ state: 'down' });
  await cn.start();
  fe.liveness.mapToEndpoint(CN_ADDRESS, cn.healthUrl);
  await fe.start();
  const parsed = parseRegisterConfig({
    FE_ADDRS: fe.addresses.join(','),
    FE_USR: 'root',
    FE_PWD: '',
    CN_HOST: CN_IP,
    CN_PORT: '9050',
    CN_HTTP_PORT: String(cn.port),
    REGISTER_PROBE_HOST: '127.0.0.1',
    REGISTER_PROBE_PORT: '0',
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const stop = new AbortController();
  const running = await startRegister(parsed.value, createLogger({ name: 'register', level: 'silent' }), stop.signal);
  try {
    // Let the sidecar settle into its waiting loop at a random phase of its health poll.
    await sleep(300 + Math.random() * 250);
    const healthyAt = performance.now();
    cn.setState('up');
    const registeredAt = await until(() => fe.computeNodeAddresses().includes(CN_ADDRESS), 10_000);
    const readyAt = await until(() => probeReady(running.probePort), 10_000);
    return { registeredMs: registeredAt - healthyAt, readyMs: readyAt - healthyAt };
  } finally {
    stop.abort();
    await running.finished;
    await fe.stop();
    await cn.stop();
  }
}

function summary(name: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const fmt = (v: number): string => v.toFixed(0).padStart(5);
  return `${name.padEnd(34)} median ${fmt(percentile(sorted, 50))} ms   p90 ${fmt(percentile(sorted, 90))} ms   min ${fmt(sorted[0] ?? NaN)} ms   max ${fmt(sorted.at(-1) ?? NaN)} ms`;
}

const registered: number[] = [];
const ready: number[] = [];
for (let run = 0; run < runs; run++) {
  const result = await oneRun();
  registered.push(result.registeredMs);
  ready.push(result.readyMs);
}
console.log(`register latency over ${runs} runs (FE simulator 3.5, default health poll 250 ms, loopback)`);
console.log(summary('CN healthy -> listed in FE', registered));
console.log(summary('CN healthy -> /readyz 200 (hb 100ms)', ready));
