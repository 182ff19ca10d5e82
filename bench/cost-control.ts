// What cost control saves over a working day, and what it costs in waiting, played on a clock of the script: one
// Monday, second by second, through the FE simulator's query engine (placement, slots, the queue, a CN-only FE's
// "No alive backend or compute node") and the operator's own decisions (src/capacity: schedule windows, suspension,
// idle auto-suspend and wake-up, the refusal of 0 CNs; src/load: the group's query_load). The HPA is modelled by its
// algorithm for an Object metric (ceil(query_load / targetPerCN), 10 % tolerance) with the behavior the operator gives
// query-aware groups (up: 100 % or 4 pods per 15 s; down: 5 minutes of stabilization, 1 pod a minute), synced every
// 15 s as in a real cluster. A day of a real control plane per policy would take a day: this is a model of the
// cluster around the operator's pure decisions, not a run of the manager (the e2e tier runs those on a real control
// plane: test/e2e/operator-cost-control.test.ts).
//
// Assumptions, each a flag: a CN serves --cn-start-seconds after it is asked for (pod scheduling, image present, CN
// start, registration); a CN that never ran before starts with a cold data cache and runs its queries
// --cold-factor times slower for --warmup-seconds (TPC-DS SF1000 on 3 CNs: 289.9 s cold against about 145 s warm,
// awslabs/data-on-eks), while a CN that comes back keeps its cache on its retained claim; a leaving CN is dropped at
// once and counts until its running fragments end (the drain). With --backends 1 the cluster is shared-nothing: one BE
// takes queries too, with the same slots as a CN.
//
//   node --import tsx bench/cost-control.ts [--backends 1] [--seed 7] [--svg docs/cost-control.svg] [--write]
// --write puts the table into docs/benchmarks.md between its markers. Takes about a minute.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { QueryEngine, type QueryRecord, type TraceQuery } from '@starrocks-cn-operator/testbed/fe-simulator';
import { seededRandom } from '@starrocks-cn-operator/testbed/helpers';
import { docSection } from './support/doc-section.js';
import type { AutoScalingPolicy, ScheduleWindow } from '../src/api/v1alpha1/index.js';
import { decideCapacity, type CapacitySpec, type SuspensionMemory } from '../src/capacity/decide.js';
import { workSignal } from '../src/capacity/work.js';
import type { ComputeNodeRecord, FeIdleReading } from '../src/fe/index.js';
import { markdownTable } from '../src/docs/markdown.js';
import { groupLoad } from '../src/load/figures.js';
import { percentile } from './support/stats.js';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: '1' },
    seed: { type: 'string', default: '7' },
    'cn-start-seconds': { type: 'string', default: '60' },
    'cold-factor': { type: 'string', default: '2' },
    'warmup-seconds': { type: 'string', default: '600' },
    svg: { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});
const BACKENDS = Number(values.backends);
const CN_START_MS = Number(values['cn-start-seconds']) * 1000;
const COLD_FACTOR = Number(values['cold-factor']);
const WARMUP_MS = Number(values['warmup-seconds']) * 1000;

const DAY_START = Date.parse('2026-12-07T00:00:00Z'); // a Monday
const DAY_MS = 86_400_000;
const STEP_MS = 1_000;
const SYNC_MS = 15_000;
const SLOTS = 4;
const TARGET_PER_CN = 4;
const MAX_CNS = 12;
const WARM_UP_MS = 3_600_000;

// ---- the day's queries: arrivals per minute by hour (UTC): a quiet night with a stray query, working hours, a lunch
// dip, an evening burst; each query 20-120 CN-seconds on up to 4 CNs ---------------------------------------------------
const PER_MINUTE_BY_HOUR = [0.03, 0, 0, 0.03, 0, 0, 0, 1, 8, 12, 14, 12, 4, 12, 14, 12, 10, 8, 30, 20, 3, 1.5, 0.3, 0];

function dayTrace(seed: number): TraceQuery[] {
  const random = seededRandom(seed);
  const queries: TraceQuery[] = [];
  for (let minute = 0; minute < 1440; minute++) {
    const rate = PER_MINUTE_BY_HOUR[Math.floor(minute / 60)] ?? 0;
    // Poisson arrivals within the minute.
    let at = minute * 60_000 - Math.log(1 - random()) * (60_000 / Math.max(rate, 1e-9));
    while (rate > 0 && at < (minute + 1) * 60_000) {
      queries.push({ at: Math.round(at), work: 20 + Math.round(random() * 100), width: 4, timeoutMs: 300_000 });
      at += -Math.log(1 - random()) * (60_000 / rate);
    }
  }
  return queries;
}

// ---- the policies: what the operator is given ---------------------------------------------------------------------
interface Policy {
  name: string;
  spec: CapacitySpec;
  /** The FE's idle check on (autoSuspend.feHttpPort), so work anywhere on the FE wakes the group. */
  feIdleCheck: boolean;
  /** Without autoscaling: a fixed count. */
  fixed?: number;
}

const autoscaling: AutoScalingPolicy = {
  minReplicas: 1,
  maxReplicas: 4,
  queries: { targetPerCN: TARGET_PER_CN },
  resourceMetrics: 'Container',
};
const OFFICE: ScheduleWindow = {
  name: 'office-hours',
  start: '0 8 * * 1-5',
  end: '0 20 * * 1-5',
  timeZone: 'UTC',
  minReplicas: 3,
  maxReplicas: MAX_CNS,
};
const NIGHTS: ScheduleWindow = {
  name: 'nights',
  start: '0 22 * * *',
  end: '0 7 * * *',
  timeZone: 'UTC',
  suspend: true,
};
const AUTO = { idleSeconds: 900, resume: 'OnWork' as const, feHttpPort: 8030 };
const base = { suspend: false, allowNoCompute: false };

function policies(cnOnly: boolean): Policy[] {
  const list: Policy[] = [
    { name: 'always-on (8 CNs)', spec: { ...base, replicas: 8 }, feIdleCheck: false, fixed: 8 },
    {
      name: 'HPA alone (1-12)',
      spec: { ...base, replicas: 1, autoScalingPolicy: { ...autoscaling, maxReplicas: MAX_CNS } },
      feIdleCheck: false,
    },
    {
      name: 'HPA + schedules',
      spec: { ...base, replicas: 1, autoScalingPolicy: autoscaling, schedules: [OFFICE, NIGHTS] },
      feIdleCheck: false,
    },
    {
      name: 'HPA + idle auto-suspend',
      spec: { ...base, replicas: 1, autoScalingPolicy: { ...autoscaling, maxReplicas: MAX_CNS }, autoSuspend: AUTO },
      feIdleCheck: true,
    },
    {
      name: 'HPA + schedules + idle',
      spec: { ...base, replicas: 1, autoScalingPolicy: autoscaling, schedules: [OFFICE, NIGHTS], autoSuspend: AUTO },
      feIdleCheck: true,
    },
  ];
  if (!cnOnly) return list;
  const both = list[4];
  if (both === undefined) return list;
  return [
    { ...both, name: 'CN-only, schedules + idle (floor 1)' },
    { ...both, name: 'CN-only, schedules + idle, allowNoCompute', spec: { ...both.spec, allowNoCompute: true } },
  ];
}

// ---- the HPA's algorithm (pkg/controller/podautoscaler) for an Object metric with an AverageValue target -----------
class HpaModel {
  private recommendations: { at: number; replicas: number }[] = [];
  private scaleDowns: { at: number; pods: number }[] = [];
  private scaleUps: { at: number; pods: number }[] = [];

  reset(): void {
    this.recommendations = [];
    this.scaleDowns = [];
    this.scaleUps = [];
  }

  /** One sync: the new spec.replicas from the current one and the group's query_load. */
  sync(now: number, current: number, queryLoad: number, min: number, max: number): number {
    const ratio = queryLoad / (TARGET_PER_CN * Math.max(current, 1));
    let desired = Math.abs(ratio - 1) <= 0.1 ? current : Math.ceil(queryLoad / TARGET_PER_CN);
    desired = Math.min(Math.max(desired, min), max);
    this.recommendations.push({ at: now, replicas: desired });
    this.recommendations = this.recommendations.filter((entry) => entry.at > now - 300_000);
    if (desired < current) {
      // Scale-down stabilization: the highest recommendation of the last 5 minutes; then 1 pod per 60 s.
      const stabilized = Math.max(...this.recommendations.map((entry) => entry.replicas));
      const removed = this.scaleDowns.filter((event) => event.at > now - 60_000).reduce((n, e) => n + e.pods, 0);
      const next = Math.max(stabilized, current - Math.max(0, 1 - removed));
      if (next < current) this.scaleDowns.push({ at: now, pods: current - next });
      return Math.max(next, min);
    }
    if (desired > current) {
      const added = this.scaleUps.filter((event) => event.at > now - 15_000).reduce((n, e) => n + e.pods, 0);
      const limit = Math.max(current * 2, current + 4) - added;
      const next = Math.min(desired, Math.max(current, limit));
      if (next > current) this.scaleUps.push({ at: now, pods: next - current });
      return next;
    }
    return current;
  }
}

// ---- the cluster around the operator -------------------------------------------------------------------------------
interface Cn {
  ordinal: number;
  address: string;
  askedAt: number;
  servesAt: number;
  /** When it was dropped (leaving): no new work, counted until its fragments end. */
  droppedAt?: number;
  goneAt?: number;
  coldUntil: number;
}

interface Outcome {
  policy: string;
  cnMinutes: number;
  failed: number;
  waitP50: number;
  waitP99: number;
  resumeLatencies: number[];
  coldCnSeconds: number;
  samples: { at: number; cns: number }[];
}

function play(policy: Policy, trace: readonly TraceQuery[], backends: number): Outcome {
  const cns: Cn[] = [];
  const everRan = new Set<number>();
  const coldOf = (address: string, now: number): boolean =>
    cns.some((cn) => cn.address === address && cn.coldUntil > now && cn.goneAt === undefined);
  let coldCnSeconds = 0;
  const engine = new QueryEngine({
    slotsPerCN: SLOTS,
    workFactor: (chosen, now) => (chosen.some((address) => coldOf(address, now)) ? COLD_FACTOR : 1),
  });
  const beAddresses = Array.from({ length: backends }, (_, index) => `be-${index}:9050`);
  const hpa = new HpaModel();
  let specReplicas = policy.spec.replicas;
  let memory: SuspensionMemory = {};
  let lastWorkAt = -Infinity;
  let bounds: { minReplicas?: number; maxReplicas: number } | undefined = policy.spec.autoScalingPolicy;
  const records: QueryRecord[] = [];
  const samples: { at: number; cns: number }[] = [];
  const resumeLatencies: number[] = [];
  let suspendedSince: number | undefined;
  let firstQueryWhileSuspended: number | undefined;
  let next = 0;
  let cnMs = 0;

  // From an hour before midnight, so the day starts from what the policy runs at night, not from nothing.
  for (let t = -WARM_UP_MS; t < DAY_MS; t += STEP_MS) {
    const now = DAY_START + t;
    while (next < trace.length && (trace[next]?.at ?? Infinity) <= t) {
      const query = trace[next++];
      if (query !== undefined) records.push(engine.submit(query, t));
      if (suspendedSince !== undefined) firstQueryWhileSuspended ??= t;
    }
    const serving = cns.filter((cn) => cn.servesAt <= t && cn.droppedAt === undefined && cn.goneAt === undefined);
    if (cns.some((cn) => cn.servesAt === t)) lastWorkAt = t; // its registration: ALTER SYSTEM ADD COMPUTE NODE
    engine.setFeView({
      schedulable: serving.map((cn) => cn.address),
      registered: serving.map((cn) => cn.address),
      dead: [],
      backends: beAddresses,
    });
    engine.advance(t);
    for (const cn of cns) {
      if (cn.droppedAt !== undefined && cn.goneAt === undefined && engine.runningOn(cn.address) === 0) cn.goneAt = t;
    }
    const counts = engine.queue();
    // The engine's queries take 1 slot each, as under the FE's queue v1.
    const queue = { ...counts, slots: { running: counts.running, pending: counts.pending } };
    if (queue.running + queue.pending > 0) lastWorkAt = t;

    if (t % SYNC_MS === 0) {
      const load = groupLoad({
        nodes: serving.map((cn) => record(cn.address, engine.runningOn(cn.address))),
        queue: { kind: 'Read', queue },
        memberAddresses: serving.map((cn) => cn.address),
      });
      // The FE's idle check: busy until 2 x 60 s after the last statement it counts, the operator's DROP and ADD too.
      const feIdle: FeIdleReading[] | undefined = policy.feIdleCheck
        ? [{ kind: t - lastWorkAt > 120_000 ? 'Idle' : 'Busy' }]
        : undefined;
      // The HPA syncs first, within the bounds the operator gave its object at the last pass (none while paused).
      if (bounds !== undefined) {
        specReplicas = hpa.sync(t, specReplicas, load.queryLoad ?? 0, bounds.minReplicas ?? 1, bounds.maxReplicas);
      }
      const previousBy = memory.suspended?.by;
      const capacity = decideCapacity({
        spec: { ...policy.spec, replicas: specReplicas },
        generation: 1,
        now: new Date(now),
        memory,
        work: workSignal({ load, queue: { kind: 'Read', queue }, feIdle }),
        otherCompute: { kind: backends > 0 ? 'Alive' : 'None' },
        currentReplicas: cns.filter((cn) => cn.droppedAt === undefined).length,
      });
      memory = capacity.memory;
      if (capacity.hpa === 'Paused' && bounds !== undefined) hpa.reset(); // the HPA object is deleted
      bounds = capacity.hpa === 'Paused' ? undefined : capacity.hpa;
      const target = policy.fixed ?? capacity.replicas;
      const wasSuspended = suspendedSince !== undefined;
      const nowSuspended = target === 0;
      if (!wasSuspended && nowSuspended) suspendedSince = t;
      if (wasSuspended && !nowSuspended) suspendedSince = undefined;
      if (resize(cns, target, t, everRan)) lastWorkAt = t; // ALTER SYSTEM DROP COMPUTE NODE
      // Woken by work: from the first query that arrived while suspended to the first CN serving again.
      const woken = capacity.changes.some((change) => change.kind === 'Resumed') && previousBy === 'Idle';
      if (woken && firstQueryWhileSuspended !== undefined) {
        resumeLatencies.push(t + CN_START_MS - firstQueryWhileSuspended);
      }
      if (!nowSuspended) firstQueryWhileSuspended = undefined;
    }
    const alive = cns.filter((cn) => cn.goneAt === undefined);
    if (t < 0) continue;
    cnMs += alive.length * STEP_MS;
    coldCnSeconds += alive.filter((cn) => cn.coldUntil > t && cn.servesAt <= t).length * (STEP_MS / 1000);
    if (t % 60_000 === 0) samples.push({ at: t, cns: alive.length });
  }
  const waits = records.filter((r) => r.startedAt !== null).map((r) => ((r.startedAt ?? 0) - r.arrivedAt) / 1000);
  return {
    policy: policy.name,
    cnMinutes: cnMs / 60_000,
    failed: records.filter((r) => r.failed).length,
    waitP50: percentile(waits, 50),
    waitP99: percentile(waits, 99),
    resumeLatencies,
    coldCnSeconds,
    samples,
  };
}

/** Scale out with the lowest free ordinals (cold unless they ran before: their claim keeps the cache); in: highest. */
function resize(cns: Cn[], target: number, t: number, everRan: Set<number>): boolean {
  const staying = cns.filter((cn) => cn.droppedAt === undefined).sort((a, b) => a.ordinal - b.ordinal);
  const leaving = staying.slice(target);
  for (const cn of leaving) cn.droppedAt = t;
  for (let ordinal = 0; ordinal < target; ordinal++) {
    if (staying.some((cn) => cn.ordinal === ordinal)) continue;
    const warm = everRan.has(ordinal);
    everRan.add(ordinal);
    cns.push({
      ordinal,
      address: `cn-${ordinal}-${t}:9050`,
      askedAt: t,
      servesAt: t + CN_START_MS,
      coldUntil: warm ? 0 : t + CN_START_MS + WARMUP_MS,
    });
  }
  return leaving.length > 0;
}

function record(address: string, running: number): ComputeNodeRecord {
  const [host = '', port = '9050'] = address.split(':');
  return {
    id: address,
    host,
    heartbeatPort: Number(port),
    address,
    bePort: 9060,
    httpPort: 8040,
    brpcPort: 8060,
    alive: true,
    lastStartTime: null,
    lastHeartbeat: null,
    errMsg: '',
    version: '3.5.2',
    statusCode: 'OK',
    warehouse: null,
    load: { runningQueries: running, cpuUsedPercent: null, memUsedPercent: null },
  };
}

// ---- report ------------------------------------------------------------------------------------------------------
const HEADER = [
  'policy',
  'CN-minutes',
  'saved vs always-on',
  'failed queries',
  'queue wait p50',
  'queue wait p99',
  'woken by work: first query to a CN serving, max (wake-ups)',
  'cold-cache CN-seconds',
];

function cells(outcome: Outcome, alwaysOn: number): string[] {
  const saved = alwaysOn > 0 ? `${Math.round((100 * (alwaysOn - outcome.cnMinutes)) / alwaysOn)} %` : '-';
  const wakes = outcome.resumeLatencies;
  const resume = wakes.length === 0 ? '-' : `${(Math.max(...wakes) / 1000).toFixed(0)} s (${wakes.length})`;
  return [
    outcome.policy,
    outcome.cnMinutes.toFixed(0),
    saved,
    String(outcome.failed),
    `${outcome.waitP50.toFixed(1)} s`,
    `${outcome.waitP99.toFixed(1)} s`,
    resume,
    outcome.coldCnSeconds.toFixed(0),
  ];
}

function table(outcomes: readonly Outcome[], alwaysOn: number): string {
  return markdownTable(
    HEADER,
    outcomes.map((outcome) => cells(outcome, alwaysOn)),
  ).trimEnd();
}

function svg(outcomes: readonly Outcome[]): string {
  const width = 720;
  const height = 280;
  const margin = 40;
  const x = (at: number): number => margin + ((width - 2 * margin) * at) / DAY_MS;
  const y = (value: number): number => height - margin - ((height - 2 * margin) * value) / MAX_CNS;
  const colours = ['#7f7f7f', '#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  const lines = outcomes.map((outcome, index) => {
    const points = outcome.samples.map((sample) => `${x(sample.at).toFixed(1)},${y(sample.cns).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${colours[index] ?? '#333'}" stroke-width="1.5" points="${points}"/>`;
  });
  const legend = outcomes.map(
    (outcome, index) =>
      `<text x="${margin + 10}" y="${margin + 14 * index}" fill="${colours[index] ?? '#333'}" font-size="12">${outcome.policy}</text>`,
  );
  const hours = [0, 6, 12, 18, 24].map(
    (hour) =>
      `<text x="${x(hour * 3_600_000).toFixed(1)}" y="${height - margin + 14}" font-size="11" text-anchor="middle">${hour}:00</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<line x1="${margin}" y1="${height - margin}" x2="${width - margin}" y2="${height - margin}" stroke="#999"/>`,
    `<line x1="${margin}" y1="${margin / 2}" x2="${margin}" y2="${height - margin}" stroke="#999"/>`,
    `<text x="${width / 2}" y="${height - 6}" font-size="12" text-anchor="middle">CNs running over one Monday (UTC), per policy</text>`,
    `<text x="8" y="${margin - 6}" font-size="12">0-${MAX_CNS}</text>`,
    ...hours,
    ...lines,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}

const trace = dayTrace(Number(values.seed));
const shared = policies(false).map((policy) => play(policy, trace, BACKENDS));
const cnOnly = policies(true).map((policy) => play(policy, trace, 0));
const alwaysOn = shared[0]?.cnMinutes ?? 0;
for (const outcome of [...shared, ...cnOnly]) {
  const { samples: _samples, ...figures } = outcome;
  console.log(JSON.stringify(figures));
}
const text = [
  `${trace.length} queries over the day (seed ${values.seed}); a CN serves ${CN_START_MS / 1000} s after it is asked for; cold caches ${COLD_FACTOR}x slower for ${WARMUP_MS / 1000} s.`,
  '',
  `With ${BACKENDS} BE (shared-nothing):`,
  '',
  table(shared, alwaysOn),
  '',
  'CN-only (no BE), the same day:',
  '',
  table(cnOnly, alwaysOn),
].join('\n');
console.log(`\n${text}`);
if (values.svg !== undefined) {
  await writeFile(values.svg, svg(shared));
  console.log(`wrote ${values.svg}`);
}
if (values.write) {
  await (await docSection('cost-table', 'bench/cost-control.ts')).write(text);
  console.log('wrote docs/benchmarks.md');
}
