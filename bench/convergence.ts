// Convergence at scale and the steady state after it, on a test control plane with the operator as it ships (the
// compiled build). For each scenario size N: a fresh namespace and operator, N ComputeNodeGroups of C CNs created at
// once; prints the time from the create until each group is Ready=True (Ready means its CNs run and the FE lists them
// all; median, p99 and the last), the operator's CPU seconds and its API requests in that time (audit log: reads and
// writes). Then, once every group's status reports its CNs alive (the FE sync after they registered), a quiet
// stretch with nothing changing: the operator's requests per minute (writes must be zero) and
// its `SHOW COMPUTE NODES` per FE listener per sync period (at most one, whatever N), resident memory and heap.
// The groups are deleted (the operator drops their CNs) before the next size.
//   npm run build && node --import tsx bench/convergence.ts [--groups 1,10,100,300] [--cns 3]
//       [--steady-seconds 60] [--fe-sync-period 15s] [--report report.json] [--svg docs/convergence.svg]
//       [--node-flags="..."]   (default: the V8 flags of the image's entry point, MANAGER_NODE_FLAGS)
//       [--unrelated-pods 0] [--unrelated-secrets 0]   (other applications' objects in each namespace, made first)
// Linux only (it reads /proc for the operator's CPU and memory).
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  auditMark,
  type AuditRequest,
  auditRequestsSince,
  freshNamespace,
  kubectl,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { MANAGER_NODE_FLAGS } from '../src/builders/settings.js';
import { compiledCli } from '../test/support/e2e.js';
import * as operatorSupport from '../test/support/operator.js';
import { createInBatches, createUnrelatedObjects, ensureKwokCapacity, withControlPlane } from './support/cluster.js';
import { cpuSeconds, rssMiB } from './support/proc.js';
import { percentile } from './support/stats.js';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '1,10,100,300' },
    cns: { type: 'string', default: '3' },
    'steady-seconds': { type: 'string', default: '60' },
    'fe-sync-period': { type: 'string', default: '15s' },
    report: { type: 'string' },
    svg: { type: 'string' },
    'node-flags': { type: 'string', default: MANAGER_NODE_FLAGS.join(' ') },
    'unrelated-pods': { type: 'string', default: '0' },
    'unrelated-secrets': { type: 'string', default: '0' },
  },
});
const sizes = values.groups.split(',').map(Number);
const cnsPerGroup = Number(values.cns);
const steadySeconds = Number(values['steady-seconds']);
const syncPeriod = /^(\d+)s$/.exec(values['fe-sync-period']);
if (sizes.some((size) => !Number.isInteger(size) || size < 1 || size > 1000)) {
  throw new Error('--groups must list integers from 1 to 1000');
}
if (!Number.isInteger(cnsPerGroup) || cnsPerGroup < 1 || cnsPerGroup > 5) throw new Error('--cns must be from 1 to 5');
if (!Number.isInteger(steadySeconds) || steadySeconds < 10) throw new Error('--steady-seconds must be at least 10');
if (syncPeriod?.[1] === undefined) throw new Error('--fe-sync-period must be whole seconds, such as 15s');
const syncPeriodSeconds = Number(syncPeriod[1]);
// A window shorter than a few sync periods turns one read into a rate above one per period.
if (steadySeconds < 2 * syncPeriodSeconds) throw new Error('--steady-seconds must span at least two FE sync periods');
const nodeFlags = values['node-flags'].split(/\s+/).filter((flag) => flag !== '');
const unrelatedPods = Number(values['unrelated-pods']);
const unrelatedSecrets = Number(values['unrelated-secrets']);
if (![unrelatedPods, unrelatedSecrets].every((count) => Number.isInteger(count) && count >= 0)) {
  throw new Error('--unrelated-pods and --unrelated-secrets must be integers >= 0');
}
/** Every group Ready within this bound, or the scenario fails (the target for 1,000 groups is 5 minutes). */
const CONVERGE_TIMEOUT_MS = 15 * 60_000;
const READ_VERBS: readonly string[] = ['get', 'list', 'watch'];

interface Scenario {
  groups: number;
  cns: number;
  readyMedianS: number;
  readyP99S: number;
  allReadyS: number;
  /** Until every group's status reported all its CNs alive (the FE sync after registration). */
  allAliveS: number;
  convergeCpuS: number;
  convergeReads: number;
  convergeWrites: number;
  /**
   * Where the time went, from the audit log (seconds after the create): the operator's first write of its last
   * StatefulSet (server-side apply creates it with a PATCH), the
   * controller manager's last pod create and the scheduler's last binding. Ready follows the last binding.
   */
  lastStatefulSetS: number;
  lastPodCreateS: number;
  lastBindingS: number;
  steadyReadsPerMin: number;
  steadyWritesPerMin: number;
  steadyWriteRequests: string[];
  showsPerFePerSyncPeriod: number[];
  steadyCpuPerMinS: number;
  rssMiB: number;
  heapUsedMiB: number;
}

const fe = new FeSimulator({ version: '3.3', ports: [0, 0], heartbeatPeriodMs: 2_000 });
fe.liveness.defaultOutcome = { ok: true };
const results: Scenario[] = [];
await withControlPlane('convergence-', fe, async () => {
  await ensureKwokCapacity(Math.max(...sizes) * cnsPerGroup);

  /**
   * Group name to its Ready status and the number of its CNs the FE reports alive, in one request (jsonpath keeps the
   * reply small with a thousand groups).
   */
  const readiness = async (namespace: string): Promise<Map<string, { ready: string; alive: number }>> => {
    const result = await kubectl(
      [
        'get',
        'cng',
        '-n',
        namespace,
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{" "}' +
          '{.status.servers.available}{"\\n"}{end}',
      ],
      { timeoutMs: 60_000 },
    );
    if (result.code !== 0) throw new Error(result.stderr);
    const statuses = new Map<string, { ready: string; alive: number }>();
    for (const line of result.stdout.split('\n')) {
      const [name, ready, alive] = line.split(' ');
      if (name !== undefined && name !== '') statuses.set(name, { ready: ready ?? '', alive: Number(alive ?? 0) });
    }
    return statuses;
  };

  const heapUsedMiB = async (operator: { metricsText(): Promise<string | undefined> }): Promise<number> => {
    const match = /^nodejs_heap_size_used_bytes ([0-9.e+]+)$/m.exec((await operator.metricsText()) ?? '');
    return match?.[1] === undefined ? NaN : Number(match[1]) / 1024 / 1024;
  };

  const scenario = async (groups: number): Promise<Scenario> => {
    const testNamespace = await freshNamespace(`converge-${groups}`);
    const namespace = testNamespace.name;
    await createUnrelatedObjects(namespace, { pods: unrelatedPods, secrets: unrelatedSecrets, secretBytes: 4096 });
    const identity = await operatorSupport.createOperatorIdentity(namespace);
    const operator = await operatorSupport.startOperator({
      identity,
      watchNamespaces: [namespace],
      label: `converge-${groups}`,
      feSyncPeriod: values['fe-sync-period'],
      metrics: true,
      program: [...nodeFlags, ...compiledCli()],
    });
    try {
      const seed = await operatorSupport.seedExampleObjects(namespace, fe.addresses, (spec) => {
        delete spec['autoScalingPolicy'];
        delete spec['cronJobPolicy'];
        spec['replicas'] = cnsPerGroup;
      });
      const template = seed.find((object) => object['kind'] === 'ComputeNodeGroup');
      if (template === undefined) throw new Error('no group in the seed example');
      await createInBatches(seed.filter((object) => object['kind'] !== 'ComputeNodeGroup'));
      const groupObjects = Array.from({ length: groups }, (_, index) => {
        const group = structuredClone(template);
        (group['metadata'] as Record<string, unknown>)['name'] = `g${index}`;
        return group;
      });
      await sleep(3_000);

      const mark = await auditMark();
      const cpuAtStart = cpuSeconds(operator.pid);
      const started = Date.now();
      await createInBatches(groupObjects);
      const readyAfterMs = new Map<string, number>();
      while (readyAfterMs.size < groups) {
        if (Date.now() - started > CONVERGE_TIMEOUT_MS) {
          throw new Error(`${readyAfterMs.size} of ${groups} groups Ready after ${CONVERGE_TIMEOUT_MS / 1000} s`);
        }
        if (operator.exited()) throw new Error(`the operator exited:\n${await operator.log()}`);
        for (const [name, status] of await readiness(namespace)) {
          if (status.ready === 'True' && !readyAfterMs.has(name)) readyAfterMs.set(name, Date.now() - started);
        }
        await sleep(1_000);
      }
      const convergeCpuS = cpuSeconds(operator.pid) - cpuAtStart;
      const registered = fe.computeNodeAddresses().length;
      if (registered !== groups * cnsPerGroup) {
        throw new Error(`every group Ready but the FE lists ${registered} CNs, not ${groups * cnsPerGroup}`);
      }
      const everyone = await auditRequestsSince(mark);
      const converging = everyone.filter((request) => request.user === identity.user);
      /** Seconds from the create to the last request that matches, by the API server's clock (the same machine). */
      const lastS = (match: (request: AuditRequest) => boolean): number =>
        Math.max(
          0,
          ...everyone
            .filter((request) => match(request) && request.receivedAt !== null)
            .map((request) => (Date.parse(request.receivedAt ?? '') - started) / 1000),
        );

      // Ready means the FE lists every CN; the next FE sync reports them alive, and the status says so (a write).
      // Nothing changes after that: wait for it, let the last status writes land, then count.
      while (![...(await readiness(namespace)).values()].every((status) => status.alive === cnsPerGroup)) {
        if (Date.now() - started > CONVERGE_TIMEOUT_MS) throw new Error('CNs not reported alive in time');
        await sleep(1_000);
      }
      const allAliveS = (Date.now() - started) / 1000;
      await sleep(5_000);
      const steadyMark = await auditMark();
      const steadyCpuStart = cpuSeconds(operator.pid);
      const steadyFrom = new Date();
      await sleep(steadySeconds * 1_000);
      const steady = await auditRequestsSince(steadyMark, { user: identity.user });
      const steadyWrites = steady.filter((request) => operatorSupport.WRITE_VERBS.includes(request.verb));
      const perMinute = (count: number): number => (count * 60) / steadySeconds;
      const shows = fe.statementsMatching(/^\s*SHOW\s+COMPUTE\s+NODES/i).filter((record) => record.at >= steadyFrom);
      const syncPeriods = steadySeconds / syncPeriodSeconds;
      const readyTimes = [...readyAfterMs.values()].map((ms) => ms / 1000);
      const result: Scenario = {
        groups,
        cns: cnsPerGroup,
        readyMedianS: percentile(readyTimes, 50),
        readyP99S: percentile(readyTimes, 99),
        allReadyS: Math.max(...readyTimes),
        allAliveS,
        convergeCpuS,
        convergeReads: converging.filter((request) => READ_VERBS.includes(request.verb)).length,
        convergeWrites: converging.filter((request) => operatorSupport.WRITE_VERBS.includes(request.verb)).length,
        lastStatefulSetS: lastFirstWriteS(
          everyone.filter(
            (request) =>
              request.user === identity.user &&
              request.resource === 'statefulsets' &&
              operatorSupport.WRITE_VERBS.includes(request.verb),
          ),
          started,
        ),
        lastPodCreateS: lastS(
          (request) => request.verb === 'create' && request.resource === 'pods' && request.subresource === null,
        ),
        lastBindingS: lastS(
          (request) => request.verb === 'create' && request.resource === 'pods' && request.subresource === 'binding',
        ),
        steadyReadsPerMin: perMinute(steady.filter((request) => READ_VERBS.includes(request.verb)).length),
        steadyWritesPerMin: perMinute(steadyWrites.length),
        steadyWriteRequests: steadyWrites.map((request) => `${request.verb} ${request.uri}`),
        showsPerFePerSyncPeriod: fe.addresses.map(
          (_, listener) => shows.filter((record) => record.listener === listener).length / syncPeriods,
        ),
        steadyCpuPerMinS: perMinute(cpuSeconds(operator.pid) - steadyCpuStart),
        rssMiB: rssMiB(operator.pid),
        heapUsedMiB: await heapUsedMiB(operator),
      };
      console.log(format(result));

      // The groups go while the operator runs (its finalizer drops their CNs), so the next size starts clean.
      const deleted = await kubectl(['delete', 'cng', '--all', '-n', namespace, '--wait=true', '--timeout=600s'], {
        timeoutMs: 610_000,
      });
      if (deleted.code !== 0) throw new Error(deleted.stderr);
      return result;
    } finally {
      await operator.stop();
      await operatorSupport.removeOperatorIdentity(identity);
      await testNamespace.delete().catch(() => undefined);
    }
  };

  for (const size of sizes) results.push(await scenario(size));
});

console.log(
  `\nV8 flags: ${nodeFlags.join(' ') || '(none)'}; unrelated in each namespace: ${unrelatedPods} pods, ` +
    `${unrelatedSecrets} Secrets of 4 KiB\n${table(results)}`,
);
if (values.report !== undefined) {
  await writeFile(values.report, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${values.report}`);
}
if (values.svg !== undefined) {
  await writeFile(values.svg, svg(results));
  console.log(`wrote ${values.svg}`);
}

/** When the last object got its first write (server-side apply creates with a PATCH), in seconds after `started`. */
function lastFirstWriteS(writes: readonly AuditRequest[], started: number): number {
  const first = new Map<string, number>();
  for (const request of writes) {
    if (request.name === null || request.receivedAt === null) continue;
    const at = Date.parse(request.receivedAt);
    first.set(request.name, Math.min(first.get(request.name) ?? at, at));
  }
  return Math.max(0, ...[...first.values()].map((at) => (at - started) / 1000));
}

function format(result: Scenario): string {
  return (
    `${result.groups} groups x ${result.cns} CNs: Ready after median ${result.readyMedianS.toFixed(1)} s, ` +
    `p99 ${result.readyP99S.toFixed(1)} s, all ${result.allReadyS.toFixed(1)} s, all alive ` +
    `${result.allAliveS.toFixed(1)} s; operator CPU ` +
    `${result.convergeCpuS.toFixed(2)} s, API ${result.convergeReads} reads ${result.convergeWrites} writes\n` +
    `  last StatefulSet applied by the operator at ${result.lastStatefulSetS.toFixed(1)} s, last pod created at ` +
    `${result.lastPodCreateS.toFixed(1)} s, last pod bound at ${result.lastBindingS.toFixed(1)} s\n` +
    `  steady ${steadySeconds} s: ${result.steadyReadsPerMin.toFixed(1)} reads/min, ` +
    `${result.steadyWritesPerMin.toFixed(1)} writes/min ${JSON.stringify(result.steadyWriteRequests)}; ` +
    `SHOW COMPUTE NODES per FE per ${syncPeriodSeconds} s ` +
    `${result.showsPerFePerSyncPeriod.map((value) => value.toFixed(2)).join(' / ')}; ` +
    `CPU ${result.steadyCpuPerMinS.toFixed(2)} s/min, RSS ${result.rssMiB.toFixed(1)} MiB, ` +
    `heap used ${result.heapUsedMiB.toFixed(1)} MiB`
  );
}

/** The Markdown table docs/benchmarks.md carries. */
function table(all: readonly Scenario[]): string {
  const row = (result: Scenario): string =>
    `| ${result.groups} | ${result.readyMedianS.toFixed(1)} s | ${result.readyP99S.toFixed(1)} s | ` +
    `${result.allReadyS.toFixed(1)} s | ${result.convergeCpuS.toFixed(1)} s | ${result.convergeReads} / ` +
    `${result.convergeWrites} | ${result.steadyReadsPerMin.toFixed(1)} / ${result.steadyWritesPerMin.toFixed(1)} | ` +
    `${Math.max(...result.showsPerFePerSyncPeriod).toFixed(2)} | ${result.rssMiB.toFixed(0)} MiB |`;
  return [
    `| groups of ${cnsPerGroup} CNs | Ready, median | p99 | all Ready | operator CPU | API reads / writes while converging | ` +
      `steady reads / writes per min | SHOW COMPUTE NODES per FE per sync | RSS after |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...all.map(row),
  ].join('\n');
}

/** Median and p99 time to Ready (bars) and the operator's CPU seconds (dots) per number of groups. */
function svg(all: readonly Scenario[]): string {
  const width = 640;
  const height = 280;
  const margin = 48;
  const slot = (width - 2 * margin) / Math.max(1, all.length);
  const maxSeconds = Math.max(1, ...all.map((result) => Math.max(result.readyP99S, result.convergeCpuS)));
  const y = (seconds: number): number => height - margin - ((height - 2 * margin) * seconds) / maxSeconds;
  const bars = all.flatMap((result, index) => {
    const x = margin + slot * index + slot * 0.2;
    const bar = slot * 0.28;
    const cpuX = margin + slot * index + slot / 2;
    return [
      `<rect x="${x.toFixed(1)}" y="${y(result.readyMedianS).toFixed(1)}" width="${bar.toFixed(1)}" height="${(height - margin - y(result.readyMedianS)).toFixed(1)}" fill="#1f77b4"/>`,
      `<rect x="${(x + bar).toFixed(1)}" y="${y(result.readyP99S).toFixed(1)}" width="${bar.toFixed(1)}" height="${(height - margin - y(result.readyP99S)).toFixed(1)}" fill="#aec7e8"/>`,
      `<circle cx="${cpuX.toFixed(1)}" cy="${y(result.convergeCpuS).toFixed(1)}" r="4" fill="#d62728"/>`,
      `<text x="${cpuX.toFixed(1)}" y="${height - margin + 16}" font-size="12" text-anchor="middle">${result.groups}</text>`,
    ];
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<line x1="${margin}" y1="${height - margin}" x2="${width - margin}" y2="${height - margin}" stroke="#999"/>`,
    `<line x1="${margin}" y1="${margin / 2}" x2="${margin}" y2="${height - margin}" stroke="#999"/>`,
    `<text x="${width / 2}" y="${height - 10}" font-size="12" text-anchor="middle">ComputeNodeGroups of ${all[0]?.cns ?? cnsPerGroup} CNs created at once</text>`,
    `<text x="8" y="${margin - 8}" font-size="12">seconds (0-${maxSeconds.toFixed(0)})</text>`,
    `<text x="${width - margin}" y="${margin - 8}" font-size="12" text-anchor="end" fill="#1f77b4">time to Ready: median, p99</text>`,
    `<text x="${width - margin}" y="${margin + 6}" font-size="12" text-anchor="end" fill="#d62728">operator CPU seconds</text>`,
    ...bars,
    '</svg>',
    '',
  ].join('\n');
}
