// Measures the FE client against the FE simulator on loopback: SHOW COMPUTE NODES latency for a given number of
// registered nodes, ADD/DROP round trips (one statement and the idempotent fallback), failover cost when the first
// FE refuses connections, and what the snapshot cache saves for many groups on one FE.
//   node --import tsx bench/fe-client.ts [nodes=200] [iterations=200]
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { FeClient, FeSnapshotCache } from '../src/fe/index.js';
import { percentile } from './support/stats.js';

const nodes = Number(process.argv[2] ?? '200');
const iterations = Number(process.argv[3] ?? '200');
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 5000) throw new Error('nodes must be an integer from 1 to 5000');
if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10000) {
  throw new Error('iterations must be an integer from 1 to 10000');
}

function report(name: string, samples: number[]): void {
  console.log(
    `${name.padEnd(44)} n=${String(samples.length).padStart(5)}  p50 ${percentile(samples, 50).toFixed(2)} ms` +
      `  p99 ${percentile(samples, 99).toFixed(2)} ms  max ${Math.max(...samples).toFixed(2)} ms`,
  );
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const sim = new FeSimulator({ version: '3.5', ports: [0, 0], heartbeatPeriodMs: 60_000 });
await sim.start();
const client = new FeClient({ addresses: sim.addresses, user: 'root', password: '' });
try {
  const addresses = Array.from({ length: nodes }, (_, i) => `10.${Math.floor(i / 250)}.${i % 250}.1:9050`);
  console.log(`FE simulator latest, ${nodes} nodes, ${iterations} iterations`);
  report('ADD all nodes in one statement', [await time(() => client.addComputeNodes(addresses))]);
  for (const address of addresses) sim.liveness.setAlive(address, true);
  await sim.runHeartbeats();

  const show: number[] = [];
  for (let i = 0; i < iterations; i++) show.push(await time(() => client.showComputeNodes()));
  report(`SHOW COMPUTE NODES (${nodes} rows, parsed)`, show);

  const single: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const address = `10.200.${Math.floor(i / 250)}.${i % 250}:9050`;
    single.push(await time(() => client.addComputeNodes([address])));
  }
  report('ADD one node', single);

  const again: number[] = [];
  for (let i = 0; i < iterations; i++) again.push(await time(() => client.addComputeNodes([addresses[0] ?? ''])));
  report('ADD one existing node (idempotent)', again);

  const mixed = addresses.slice(0, 10);
  const fallback: number[] = [];
  for (let i = 0; i < Math.min(iterations, 50); i++) fallback.push(await time(() => client.addComputeNodes(mixed)));
  report('ADD 10 existing nodes (1 + 9 statements)', fallback);

  await sim.setFault('refuse', 0);
  const failover: number[] = [];
  for (let i = 0; i < Math.min(iterations, 50); i++) {
    const fresh = new FeClient({ addresses: sim.addresses, user: 'root', password: '' });
    failover.push(await time(() => fresh.showComputeNodes()));
    await fresh.close();
  }
  report('first call, FE 1 refused, FE 2 answers', failover);
  await sim.setFault('normal', 0);

  const groups = 100;
  const cache = new FeSnapshotCache({ periodMs: 10_000 });
  sim.clearStatements();
  const cached = await time(() => Promise.all(Array.from({ length: groups }, () => cache.get(client))));
  const shows = sim.statementsMatching(/SHOW COMPUTE NODES/).length;
  console.log(`${groups} groups read through FeSnapshotCache: ${shows} SHOW COMPUTE NODES, ${cached.toFixed(2)} ms`);
} finally {
  await client.close();
  await sim.stop();
}
