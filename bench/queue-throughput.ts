// Work queue and controller throughput: how many keys per second the deduplicating queue and the worker loop move
// with a no-op reconcile, and how well bursts of duplicate adds collapse. Prints figures; asserts nothing.
//   node --import tsx bench/queue-throughput.ts [keys=10000] [addsPerKey=5] [workers=4]
import { performance } from 'node:perf_hooks';
import { Controller } from '../src/runtime/controller.js';
import { createLogger } from '../src/runtime/logging.js';
import { OperatorMetrics } from '../src/runtime/metrics.js';
import { WorkQueue } from '../src/runtime/queue.js';

const [keys = 10_000, addsPerKey = 5, workers = 4] = process.argv.slice(2).map(Number);

async function rawQueue(): Promise<void> {
  const queue = new WorkQueue();
  const start = performance.now();
  for (let round = 0; round < addsPerKey; round++) for (let i = 0; i < keys; i++) queue.add(`ns/group-${i}`);
  const addMs = performance.now() - start;
  let processed = 0;
  const drainStart = performance.now();
  while (queue.len() > 0) {
    const key = await queue.get();
    if (key === undefined) break;
    queue.done(key);
    processed += 1;
  }
  const drainMs = performance.now() - drainStart;
  console.log(`queue: ${keys * addsPerKey} adds in ${addMs.toFixed(1)} ms (${rate(keys * addsPerKey, addMs)} adds/s)`);
  console.log(
    `queue: ${processed} keys processed after dedup (of ${keys * addsPerKey} adds) in ${drainMs.toFixed(1)} ms (${rate(processed, drainMs)} get+done/s)`,
  );
}

async function controllerLoop(): Promise<void> {
  let reconciles = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const controller = new Controller({
    name: 'bench',
    maxConcurrentReconciles: workers,
    logger: createLogger({ name: 'bench', level: 'silent' }),
    metrics: new OperatorMetrics({ defaultMetrics: false }),
    reconcile: async () => {
      reconciles += 1;
      await Promise.resolve();
      if (reconciles >= keys) allDone();
      return {};
    },
  });
  controller.start();
  const start = performance.now();
  for (let i = 0; i < keys; i++) controller.enqueue(`ns/group-${i}`);
  await finished;
  const ms = performance.now() - start;
  await controller.stop(5000);
  console.log(
    `controller: ${reconciles} no-op reconciles with ${workers} workers in ${ms.toFixed(1)} ms (${rate(reconciles, ms)}/s, metrics on)`,
  );
}

function rate(count: number, ms: number): string {
  return Math.round((count / ms) * 1000).toLocaleString('en-US');
}

await rawQueue();
await controllerLoop();
const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
console.log(`heap used at the end: ${heapMb.toFixed(1)} MiB`);
