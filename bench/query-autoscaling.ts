// Query-aware autoscaling against the seed's CPU autoscaling, on the real control plane with the real HPA (kcm syncs
// HPAs every 5 s here) and the FE simulator's query engine. For each trace and policy: a fresh group of 1 CN, the
// trace played in real time, queries placed on the CNs alive and registered when they start, pod CPU fed to the
// metrics API in proportion to each CN's fragments. Prints a table and writes an SVG of CNs and queued queries over
// time for the burst trace.
//
//   npm run build
//   node --import tsx bench/query-autoscaling.ts [--traces burst,daily,quiet] [--svg docs/query-autoscaling.svg]
//
// The model, stated so the figures can be judged: each CN has 4 fragment slots; a query uses up to `width` CNs and
// runs work/CNs seconds; it waits in the FE's queue while not enough slots are free. A CN taken out of the FE takes no
// new fragments; when its pod stops, its fragments get the 20 s a graceful stop gives them (StarRocks 3.3.17+), and
// a query still running there after that fails (test/support/query-workload.ts). Memory is held at 20 % of the
// request (below the seed's 30 % threshold: a CN whose caches fill its memory would pin a memory-scaled group at
// maxReplicas).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  down,
  environmentOf,
  freshNamespace,
  kubectl,
  kubectlCreate,
  up,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator, QueryEngine, type TraceQuery } from '@starrocks-cn-operator/testbed/fe-simulator';
import { seededRandom } from '@starrocks-cn-operator/testbed/helpers';
import { percentile } from './support/stats.js';

const { values } = parseArgs({
  options: {
    traces: { type: 'string', default: 'burst,daily,quiet' },
    policies: { type: 'string', default: 'cpu,queries' },
    svg: { type: 'string' },
  },
});

const SLOTS_PER_CN = 4;
const MAX_CNS = 8;
const DRAIN_AFTER_TRACE_MS = 30_000;
const GROUP = 'computenodegroup-sample';

interface Trace {
  name: string;
  durationMs: number;
  /** The burst's start and the CNs its demand needs (busy slots / slots per CN), where the trace has one. */
  burst?: { startMs: number; neededCns: number };
  queries: TraceQuery[];
}

/** Poisson arrivals at `rate(t)` per second over [fromMs, toMs). */
function arrivals(
  next: () => number,
  fromMs: number,
  toMs: number,
  rate: (ms: number) => number,
  shape: Omit<TraceQuery, 'at'>,
): TraceQuery[] {
  const queries: TraceQuery[] = [];
  let at = fromMs;
  for (let guard = 0; guard < 100_000; guard++) {
    const perSecond = Math.max(rate(at), 0.001);
    at += (-Math.log(1 - next()) / perSecond) * 1000;
    if (at >= toMs) break;
    queries.push({ at, ...shape });
  }
  return queries;
}

function traces(): Trace[] {
  const next = seededRandom(20261201);
  const long = { work: 16, width: 4 };
  const short = { work: 4, width: 1 };
  return [
    {
      // 20 s quiet, 60 s of 1 long query a second (16 busy slots: 4 CNs), 70 s quiet.
      name: 'burst',
      durationMs: 150_000,
      burst: { startMs: 20_000, neededCns: 4 },
      queries: [
        ...arrivals(next, 0, 20_000, () => 0.1, short),
        ...arrivals(next, 20_000, 80_000, () => 1, long),
        ...arrivals(next, 80_000, 150_000, () => 0.1, short),
      ],
    },
    {
      // A day compressed into 3 minutes: night, a morning rise, a peak of 0.9 queries a second, an evening fall.
      name: 'daily',
      durationMs: 180_000,
      queries: arrivals(next, 0, 180_000, (ms) => 0.05 + 0.85 * Math.sin((Math.PI * ms) / 180_000) ** 2, {
        work: 12,
        width: 2,
      }),
    },
    { name: 'quiet', durationMs: 90_000, queries: arrivals(next, 0, 90_000, () => 0.1, short) },
  ];
}

/** Both policies get the same fast behavior, scaled to the compressed traces; only the metric differs. */
const BEHAVIOR = {
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 4, periodSeconds: 5 }] },
  scaleDown: { stabilizationWindowSeconds: 20, policies: [{ type: 'Pods', value: 1, periodSeconds: 10 }] },
};

function policySpec(policy: string): Record<string, unknown> {
  const base = { minReplicas: 1, maxReplicas: MAX_CNS };
  if (policy === 'queries')
    return { ...base, queries: { targetPerCN: SLOTS_PER_CN }, hpaPolicy: { behavior: BEHAVIOR } };
  // The seed's guide: 60 % CPU and 30 % memory utilization.
  return {
    ...base,
    hpaPolicy: {
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 30 } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      ],
      behavior: BEHAVIOR,
    },
  };
}

interface Sample {
  ms: number;
  cns: number;
  pending: number;
}

interface Result {
  trace: string;
  policy: string;
  samples: Sample[];
  waitP50: number;
  waitP99: number;
  cnMinutes: number;
  peakCns: number;
  failed: number;
  unfinished: number;
  toCapacityMs: number | null;
  queries: number;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'query-autoscaling-'));
const results: Result[] = [];
// Interrupted: stop the control plane (by pid, in `down`) before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void down({ dir })
      .catch(() => undefined)
      .finally(() => process.exit(130));
  });
}
try {
  const plane = await up({ dir });
  Object.assign(process.env, environmentOf(plane));
  // Imported after the environment is set: the helpers read it on first use.
  const e2e = await import('../test/support/e2e.js');
  const support = await import('../test/support/operator.js');
  const customMetricsSupport = await import('../test/support/custom-metrics.js');
  const workloads = await import('../test/support/query-workload.js');
  await e2e.installCrd();
  const operatorNamespace = (await freshNamespace('query-bench-operator')).name;
  const identity = await support.createOperatorIdentity(operatorNamespace);
  const customMetrics = await customMetricsSupport.setUpCustomMetrics(operatorNamespace);
  const wanted = values.traces.split(',');
  const policies = values.policies.split(',');
  for (const trace of traces().filter((candidate) => wanted.includes(candidate.name))) {
    for (const policy of policies) {
      const namespace = (await freshNamespace(`query-bench-${trace.name}-${policy}`)).name;
      const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 1000 });
      fe.liveness.defaultOutcome = { ok: true };
      const engine = new QueryEngine({ slotsPerCN: SLOTS_PER_CN });
      fe.attachQueryEngine(engine);
      await fe.start();
      const operator = await support.startOperator({
        identity,
        watchNamespaces: [namespace],
        label: `bench-${trace.name}-${policy}`,
        feSyncPeriod: '2s',
        extraArgs: customMetrics.args,
      });
      try {
        await customMetricsSupport.waitForCustomMetricsApi();
        const objects = await support.seedExampleObjects(namespace, fe.addresses, (spec) => {
          spec['replicas'] = 1;
          delete spec['cronJobPolicy'];
          spec['podPolicy'] = {
            ...(spec['podPolicy'] as object),
            resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
          };
          spec['autoScalingPolicy'] = policySpec(policy);
        });
        const created = await kubectlCreate(objects);
        if (created.code !== 0) throw new Error(created.stderr);
        await support.waitForMembers(namespace, GROUP, 1, () => fe.computeNodeAddresses());
        results.push(await play(trace, policy, namespace, fe, engine, workloads));
        const last = results.at(-1);
        if (last !== undefined) process.stdout.write(`${row(last)}\n`);
      } finally {
        await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']);
        await operator.stop();
        await fe.stop();
      }
    }
  }
  await customMetrics.cleanup();
  await support.removeOperatorIdentity(identity);
} finally {
  await down({ dir }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

process.stdout.write(`\n${table(results)}\n`);
if (values.svg !== undefined) {
  await writeFile(values.svg, svg(results.filter((result) => result.trace === 'burst')));
  process.stdout.write(`wrote ${values.svg}\n`);
}

async function play(
  trace: Trace,
  policy: string,
  namespace: string,
  fe: FeSimulator,
  engine: QueryEngine,
  workloads: typeof import('../test/support/query-workload.js'),
): Promise<Result> {
  const workload = new workloads.QueryWorkload({ fe, engine, namespace, group: GROUP, trace: trace.queries });
  const start = Date.now();
  const samples: Sample[] = [];
  const end = trace.durationMs + DRAIN_AFTER_TRACE_MS;
  for (let guard = 0; guard < 100_000; guard++) {
    const ms = Date.now() - start;
    if (ms > end) break;
    await workload.step(ms);
    const last = samples.at(-1);
    if (last === undefined || ms - last.ms >= 1000) {
      const alive = fe.catalog.computeNodes.filter((node) => node.alive).length;
      samples.push({ ms, cns: alive, pending: engine.queue().pending });
    }
    await sleep(200);
  }
  const waits = workload.records
    .map((record) => (record.startedAt ?? end) - record.arrivedAt)
    .sort((a, b) => a - b)
    .map((ms) => ms / 1000);
  const burst = trace.burst;
  const reached =
    burst === undefined ? undefined : samples.find((s) => s.ms >= burst.startMs && s.cns >= burst.neededCns);
  return {
    trace: trace.name,
    policy,
    samples,
    waitP50: percentile(waits, 50),
    waitP99: percentile(waits, 99),
    cnMinutes: samples.reduce((total, sample) => total + sample.cns, 0) / 60,
    peakCns: Math.max(...samples.map((sample) => sample.cns)),
    failed: workload.failed,
    unfinished: workload.unfinished(),
    toCapacityMs: burst === undefined || reached === undefined ? null : reached.ms - burst.startMs,
    queries: workload.records.length,
  };
}

function row(result: Result): string {
  const capacity = result.toCapacityMs === null ? '-' : `${(result.toCapacityMs / 1000).toFixed(0)} s`;
  return (
    `| ${result.trace} | ${result.policy} | ${result.queries} | ${capacity} | ${result.waitP50.toFixed(1)} s | ` +
    `${result.waitP99.toFixed(1)} s | ${result.cnMinutes.toFixed(1)} | ${result.peakCns} | ${result.failed} |`
  );
}

function table(all: readonly Result[]): string {
  return [
    '| trace | policy | queries | burst start to needed CNs | queue wait p50 | queue wait p99 | CN-minutes | peak CNs | failed queries |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...all.map(row),
  ].join('\n');
}

/** CNs (solid) and queued queries (dashed) over time, one colour per policy. */
function svg(burst: readonly Result[]): string {
  const width = 640;
  const height = 260;
  const margin = 40;
  const maxMs = Math.max(1, ...burst.flatMap((result) => result.samples.map((sample) => sample.ms)));
  const maxY = Math.max(MAX_CNS, ...burst.flatMap((result) => result.samples.map((sample) => sample.pending)));
  const x = (ms: number): number => margin + ((width - 2 * margin) * ms) / maxMs;
  const y = (value: number): number => height - margin - ((height - 2 * margin) * value) / maxY;
  const colours: Record<string, string> = { cpu: '#d62728', queries: '#1f77b4' };
  const lines = burst.flatMap((result) => {
    const colour = colours[result.policy] ?? '#333';
    const points = (pick: (sample: Sample) => number): string =>
      result.samples.map((sample) => `${x(sample.ms).toFixed(1)},${y(pick(sample)).toFixed(1)}`).join(' ');
    return [
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points((s) => s.cns)}"/>`,
      `<polyline fill="none" stroke="${colour}" stroke-width="1" stroke-dasharray="4 3" points="${points((s) => s.pending)}"/>`,
    ];
  });
  const legend = burst.map(
    (result, index) =>
      `<text x="${margin + 10}" y="${margin + 14 * index}" fill="${colours[result.policy] ?? '#333'}" font-size="12">${result.policy}: CNs (solid), queued queries (dashed)</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<line x1="${margin}" y1="${height - margin}" x2="${width - margin}" y2="${height - margin}" stroke="#999"/>`,
    `<line x1="${margin}" y1="${margin / 2}" x2="${margin}" y2="${height - margin}" stroke="#999"/>`,
    `<text x="${width / 2}" y="${height - 8}" font-size="12" text-anchor="middle">seconds into the burst trace (burst from 20 s to 80 s); 0-${(maxMs / 1000).toFixed(0)} s</text>`,
    `<text x="8" y="${margin - 6}" font-size="12">0-${maxY}</text>`,
    ...lines,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
