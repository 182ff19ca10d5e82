// Query-aware autoscaling against the seed's CPU autoscaling, on the real control plane with the real HPA and the FE
// simulator's query engine. For each setting, trace and policy: a fresh group of 1 CN, the trace played in real time,
// queries placed on the CNs alive and registered when they start, pod CPU fed to the metrics API in proportion to
// each CN's fragments. Prints a table and writes an SVG of CNs and queued queries over time for the burst trace.
//
//   npm run build
//   node --import tsx bench/query-autoscaling.ts [--settings defaults,fast] [--traces burst,ramp,daily,quiet]
//     [--policies cpu,queries,queries-3] [--svg docs/query-autoscaling.svg] [--json FILE] [--write]
//   node --import tsx bench/query-autoscaling.ts --from-json A.json,B.json [--write] [--svg ...]
//
// --json keeps every run's figures and samples; --from-json renders the table (and the SVG) from such files instead
// of measuring; --write puts the table into docs/benchmarks.md between its markers.
//
// The settings (SETTINGS below): `defaults` is what a real cluster runs (kube-controller-manager's HPA sync of 15 s
// and its CPU initialization period, metrics-server's 15 s resolution, the operator's shipped FE sync periods);
// `fast` is the test control plane's (HPA sync 5 s, each pod's CPU of the moment every 2 s, the FE read every 2 s).
//
// The model, stated so the figures can be judged: each CN has 4 fragment slots; a query uses up to `width` CNs and
// runs work/CNs seconds; it waits in the FE's queue while not enough slots are free. A CN taken out of the FE takes no
// new fragments; when its pod stops, its fragments get the 20 s a graceful stop gives them (StarRocks 3.3.17+), and
// a query still running there after that fails (test/support/query-workload.ts). Memory is held at 10 % of the
// request: at 20 % the seed's 30 % memory target alone keeps 2 CNs for good (the HPA wants ceil(2 x 20 / 30) = 2),
// and a CN whose caches fill its memory would pin a memory-scaled group at maxReplicas.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  type HpaTimings,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator, QueryEngine, type TraceQuery } from '@starrocks-cn-operator/testbed/fe-simulator';
import { seededRandom } from '@starrocks-cn-operator/testbed/helpers';
import { z } from 'zod';
import { markdownTable } from '../src/docs/markdown.js';
import { docSection } from './support/doc-section.js';
import { percentile } from './support/stats.js';

const { values } = parseArgs({
  options: {
    settings: { type: 'string', default: 'defaults,fast' },
    traces: { type: 'string', default: 'burst,ramp,daily,quiet' },
    policies: { type: 'string', default: 'cpu,queries,queries-3' },
    svg: { type: 'string' },
    json: { type: 'string' },
    'from-json': { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});

const SLOTS_PER_CN = 4;
const MAX_CNS = 8;
/**
 * After the trace, a run goes on until the group is back at 1 CN with nothing queued or running, so a policy that
 * scaled up later (and so scales down later) is charged for its whole episode; bounded by this.
 */
const SETTLE_LIMIT_MS = 240_000;
const GROUP = 'computenodegroup-sample';
/** Each CN's memory use: 10 % of its 1Gi request (see above). */
const MEMORY_USED = '100Mi';

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
    {
      // A slow rise over 4 minutes, from 0.05 to 1.2 queries a second (12 CN-seconds on up to 2 CNs: 14.4 busy slots
      // at the top, 4 CNs), with no burst to react to: what headroom buys.
      name: 'ramp',
      durationMs: 240_000,
      queries: arrivals(next, 0, 240_000, (ms) => 0.05 + (1.15 * ms) / 240_000, { work: 12, width: 2 }),
    },
  ];
}

interface Setting {
  name: string;
  hpaTimings: HpaTimings;
  feSyncPeriod: string;
  /** The operator's --busy-fe-sync-period; undefined: the shipped default. */
  busyFeSyncPeriod?: string;
  /** metrics-server's resolution; undefined: each pod's CPU of the moment, written every 2 s. */
  metricsResolutionMs?: number;
}

const SETTINGS: readonly Setting[] = [
  // kube-controller-manager without HPA flags, the operator without its period flags, metrics-server's official
  // manifest (--metric-resolution=15s).
  { name: 'defaults', hpaTimings: 'defaults', feSyncPeriod: '15s', metricsResolutionMs: 15_000 },
  { name: 'fast', hpaTimings: 'fast', feSyncPeriod: '2s' },
];

/** Both policies get the same fast behavior, scaled to the compressed traces; only the metric differs. */
const BEHAVIOR = {
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 4, periodSeconds: 5 }] },
  scaleDown: { stabilizationWindowSeconds: 20, policies: [{ type: 'Pods', value: 1, periodSeconds: 10 }] },
};

/** `cpu`, `queries` (a target of a CN's slots) or `queries-N` (a target of N queries per CN: headroom). */
function policySpec(policy: string): Record<string, unknown> {
  const base = { minReplicas: 1, maxReplicas: MAX_CNS };
  const target = policy === 'queries' ? SLOTS_PER_CN : /^queries-(\d+(\.\d+)?)$/.exec(policy)?.[1];
  if (target !== undefined)
    return { ...base, queries: { targetPerCN: Number(target) }, hpaPolicy: { behavior: BEHAVIOR } };
  if (policy !== 'cpu') throw new Error(`unknown policy ${policy}: use cpu, queries or queries-N`);
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

const resultSchema = z.object({
  setting: z.string(),
  trace: z.string(),
  policy: z.string(),
  samples: z.array(z.object({ ms: z.number(), cns: z.number(), pending: z.number() })),
  waitP50: z.number(),
  waitP99: z.number(),
  cnMinutes: z.number(),
  peakCns: z.number(),
  failed: z.number(),
  unfinished: z.number(),
  toCapacityMs: z.number().nullable(),
  /** When the group was back at 1 CN with no query left; null if not within the limit. */
  settledMs: z.number().nullable(),
  queries: z.number(),
});
type Result = z.infer<typeof resultSchema>;

/** Alive CNs integrated over time: each sample's CNs until the next sample. */
function cnMinutes(samples: readonly Sample[]): number {
  let total = 0;
  for (let index = 0; index + 1 < samples.length; index++) {
    const sample = samples[index];
    const next = samples[index + 1];
    if (sample !== undefined && next !== undefined) total += sample.cns * (next.ms - sample.ms);
  }
  return total / 60_000;
}

/** The columns of the table (cells() fills them). */
const HEADER = [
  'settings',
  'trace',
  'policy',
  'queries',
  'burst start to needed CNs',
  'queue wait p50',
  'queue wait p99',
  'CN-minutes',
  'peak CNs',
  'back at 1 CN',
  'failed queries',
];

/** What a run started and must stop if the benchmark is interrupted. */
const running = new Set<() => Promise<void>>();

const results: Result[] = [];
if (values['from-json'] === undefined) {
  const wantedSettings = SETTINGS.filter((candidate) => values.settings.split(',').includes(candidate.name));
  const only = wantedSettings.length === 1 ? wantedSettings[0] : undefined;
  if (only !== undefined) results.push(...(await runSetting(only)));
  // The test helpers keep the first control plane's environment: each setting runs in a process of its own.
  else for (const setting of wantedSettings) results.push(...(await runSettingApart(setting)));
} else {
  for (const file of values['from-json'].split(',')) {
    results.push(...z.array(resultSchema).parse(JSON.parse(await readFile(file, 'utf8'))));
  }
}

/** This script again for one setting, in a child process; its results from the JSON it keeps. */
async function runSettingApart(setting: Setting): Promise<Result[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'query-autoscaling-runs-'));
  const json = path.join(dir, `${setting.name}.json`);
  const args = ['--settings', setting.name, '--traces', values.traces, '--policies', values.policies, '--json', json];
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, ...args], { stdio: 'inherit' });
  const stop = (): void => {
    child.kill('SIGTERM');
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the ${setting.name} run exited with ${code}`);
    return z.array(resultSchema).parse(JSON.parse(await readFile(json, 'utf8')));
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await rm(dir, { recursive: true, force: true });
  }
}

/** One control plane with the setting's timings, and every trace and policy on it. */
async function runSetting(setting: Setting): Promise<Result[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'query-autoscaling-'));
  const done: Result[] = [];
  // Interrupted: stop the run's operator and the control plane (by pid, in `down`) before leaving.
  const onSignal = (): void => {
    void Promise.all([...running].map((stop) => stop().catch(() => undefined)))
      .then(() => down({ dir }))
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const plane = await up({ dir, hpaTimings: setting.hpaTimings });
    Object.assign(process.env, environmentOf(plane));
    // Imported after the environment is set: the helpers read it on first use.
    const e2e = await import('../test/support/e2e.js');
    const support = await import('../test/support/operator.js');
    const customMetricsSupport = await import('../test/support/custom-metrics.js');
    await e2e.installCrd();
    const operatorNamespace = (await freshNamespace('query-bench-operator')).name;
    const identity = await support.createOperatorIdentity(operatorNamespace);
    const customMetrics = await customMetricsSupport.setUpCustomMetrics(operatorNamespace);
    const wanted = values.traces.split(',');
    for (const trace of traces().filter((candidate) => wanted.includes(candidate.name))) {
      for (const policy of values.policies.split(',')) {
        const result = await runOne(setting, trace, policy, { identity, customMetrics });
        done.push(result);
        process.stdout.write(`${row(result)}\n`);
        // Kept after every run, so an interrupted benchmark loses none.
        if (values.json !== undefined) await writeFile(values.json, JSON.stringify([...results, ...done]) + '\n');
      }
    }
    if (values.json !== undefined) await writeFile(values.json, JSON.stringify([...results, ...done]) + '\n');
    await customMetrics.cleanup();
    await support.removeOperatorIdentity(identity);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await down({ dir }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return done;
}

interface Shared {
  identity: Awaited<ReturnType<typeof import('../test/support/operator.js').createOperatorIdentity>>;
  customMetrics: Awaited<ReturnType<typeof import('../test/support/custom-metrics.js').setUpCustomMetrics>>;
}

/** A fresh FE, operator and group of 1 CN for one trace and policy. */
async function runOne(setting: Setting, trace: Trace, policy: string, shared: Shared): Promise<Result> {
  const support = await import('../test/support/operator.js');
  const customMetricsSupport = await import('../test/support/custom-metrics.js');
  const workloads = await import('../test/support/query-workload.js');
  const namespace = (await freshNamespace(`query-bench-${setting.name}-${trace.name}-${policy}`)).name;
  const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 1000 });
  fe.liveness.defaultOutcome = { ok: true };
  const engine = new QueryEngine({ slotsPerCN: SLOTS_PER_CN });
  fe.attachQueryEngine(engine);
  await fe.start();
  const busy = setting.busyFeSyncPeriod === undefined ? [] : [`--busy-fe-sync-period=${setting.busyFeSyncPeriod}`];
  const operator = await support.startOperator({
    identity: shared.identity,
    watchNamespaces: [namespace],
    label: `bench-${setting.name}-${trace.name}-${policy}`,
    feSyncPeriod: setting.feSyncPeriod,
    extraArgs: [...shared.customMetrics.args, ...busy],
  });
  const stop = async (): Promise<void> => {
    await operator.stop();
  };
  running.add(stop);
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
    return await play({ setting, trace, policy, namespace, fe, engine }, workloads);
  } finally {
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']);
    running.delete(stop);
    await operator.stop();
    await fe.stop();
  }
}

const report = `${table(results)}\n\n${comparisons(results)
  .map((line) => `- ${line}`)
  .join('\n')}`;
process.stdout.write(`\n${report}\n`);
if (values.write) {
  await (await docSection('query-table', 'bench/query-autoscaling.ts')).write(report);
  process.stdout.write('wrote docs/benchmarks.md\n');
}
if (values.svg !== undefined) {
  const first = results[0]?.setting;
  await writeFile(values.svg, svg(results.filter((result) => result.trace === 'burst' && result.setting === first)));
  process.stdout.write(`wrote ${values.svg}\n`);
}

interface Run {
  setting: Setting;
  trace: Trace;
  policy: string;
  namespace: string;
  fe: FeSimulator;
  engine: QueryEngine;
}

async function play(run: Run, workloads: typeof import('../test/support/query-workload.js')): Promise<Result> {
  const { setting, trace, policy, namespace, fe, engine } = run;
  const workload = new workloads.QueryWorkload({
    fe,
    engine,
    namespace,
    group: GROUP,
    trace: trace.queries,
    memory: MEMORY_USED,
    ...(setting.metricsResolutionMs === undefined ? {} : { metricsResolutionMs: setting.metricsResolutionMs }),
  });
  const start = Date.now();
  const samples: Sample[] = [];
  const limit = trace.durationMs + SETTLE_LIMIT_MS;
  let end = limit;
  for (let guard = 0; guard < 100_000; guard++) {
    const ms = Date.now() - start;
    if (ms > limit) break;
    await workload.step(ms);
    const last = samples.at(-1);
    if (last === undefined || ms - last.ms >= 1000) {
      const alive = fe.catalog.computeNodes.filter((node) => node.alive).length;
      samples.push({ ms, cns: alive, pending: engine.queue().pending });
      if (ms >= trace.durationMs && alive <= 1 && workload.unfinished() === 0) {
        end = ms;
        break;
      }
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
    setting: setting.name,
    trace: trace.name,
    policy,
    samples,
    waitP50: percentile(waits, 50),
    waitP99: percentile(waits, 99),
    cnMinutes: cnMinutes(samples),
    settledMs: end < limit ? end : null,
    peakCns: Math.max(...samples.map((sample) => sample.cns)),
    failed: workload.failed,
    unfinished: workload.unfinished(),
    toCapacityMs: burst === undefined || reached === undefined ? null : reached.ms - burst.startMs,
    queries: workload.records.length,
  };
}

/** One row of the table, as the script prints it while it runs. */
function cells(result: Result): string[] {
  const seconds = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(0)} s`);
  return [
    result.setting,
    result.trace,
    result.policy,
    String(result.queries),
    seconds(result.toCapacityMs),
    `${result.waitP50.toFixed(1)} s`,
    `${result.waitP99.toFixed(1)} s`,
    result.cnMinutes.toFixed(1),
    String(result.peakCns),
    seconds(result.settledMs),
    String(result.failed),
  ];
}

function row(result: Result): string {
  return `| ${cells(result).join(' | ')} |`;
}

function table(all: readonly Result[]): string {
  return markdownTable(HEADER, all.map(cells));
}

/** Each query policy against cpu on the same setting and trace: the ratios the docs quote. */
function comparisons(all: readonly Result[]): string[] {
  return all.flatMap((result) => {
    const cpu = all.find(
      (other) => other.policy === 'cpu' && other.setting === result.setting && other.trace === result.trace,
    );
    if (result.policy === 'cpu' || cpu === undefined) return [];
    const sooner =
      result.toCapacityMs !== null && cpu.toCapacityMs !== null && result.toCapacityMs > 0
        ? `capacity ${(cpu.toCapacityMs / result.toCapacityMs).toFixed(1)}x sooner, `
        : '';
    return [
      `${result.setting} ${result.trace} ${result.policy} against cpu: ${sooner}` +
        `CN-minutes ${(result.cnMinutes / cpu.cnMinutes).toFixed(2)}x, ` +
        `wait p99 ${result.waitP99.toFixed(1)} s against ${cpu.waitP99.toFixed(1)} s, ` +
        `failed ${result.failed} against ${cpu.failed}`,
    ];
  });
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
  const colours: Record<string, string> = { cpu: '#d62728', queries: '#1f77b4', 'queries-3': '#2ca02c' };
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
      `<text x="${margin + 10}" y="${margin + 14 * index}" fill="${colours[result.policy] ?? '#333'}" font-size="12">${result.setting}, ${result.policy}: CNs (solid), queued queries (dashed)</text>`,
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
