// Measures the warm start-up of the test control plane (binaries already built): `up` until every component is
// ready (API server /readyz, kcm and scheduler /healthz, kwok node Ready, metrics APIService Available, default
// ServiceAccount), then `down`. Prints one line per run and the median.
//   node --import tsx bench/control-plane-startup.ts [runs=3]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { down, up } from '@starrocks-cn-operator/testbed/control-plane';

const runs = Number(process.argv[2] ?? '3');
if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error('runs must be an integer from 1 to 20');

const upTimes: number[] = [];
const downTimes: number[] = [];
for (let run = 1; run <= runs; run++) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cp-bench-'));
  try {
    const started = performance.now();
    await up({ dir });
    const ready = performance.now();
    await down({ dir });
    const stopped = performance.now();
    upTimes.push(ready - started);
    downTimes.push(stopped - ready);
    console.log(`run ${run}: up ${(ready - started).toFixed(0)} ms, down ${(stopped - ready).toFixed(0)} ms`);
  } finally {
    await down({ dir }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
console.log(
  `median of ${runs}: up ${median(upTimes).toFixed(0)} ms, down ${median(downTimes).toFixed(0)} ms (${os.cpus().length} CPUs)`,
);
