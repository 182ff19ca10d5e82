// The manager's footprint as users run it (the compiled build): starts a test control plane and an FE simulator
// (with enough KWOK nodes for the pods), optionally fills the watched namespace with unrelated Secrets and Pods (of
// another scheduler, so they stay Pending and cost the control plane nothing but storage), starts the
// manager and prints: start to /readyz, resident memory (VmRSS) and CPU in its first idle minute, then creates N
// ComputeNodeGroups of C CNs and prints the CPU and time to converge (every group Ready with its CNs in the FE),
// memory at convergence, and memory and CPU after a quiet minute of FE syncs. With --baseline <git ref> the same
// scenario first runs that ref's build (made in a temporary worktree), in the same run on the same control plane;
// each --node-flags (repeatable) adds a further run of this build with those V8 flags; --heap-snapshot DIR writes
// a heap snapshot of this build after its quiet minute into DIR (summarise it with bench/heap-snapshot-summary.ts).
// The manager runs on the Node that runs this script, or on each `--node <binary>` in turn (the runtimes compared on
// one control plane), each time without V8 flags, with the image's (`--image-flags`: MANAGER_NODE_FLAGS) and with
// every --node-flags set. `--json FILE` keeps the figures; `--write` puts their table into docs/benchmarks.md
// (section runtime-table). Linux only.
//   npm run build && node --import tsx bench/operator-memory.ts [--groups 100] [--cns 1] [--unrelated-secrets 0]
//       [--secret-bytes 4096] [--unrelated-pods 0] [--baseline <git ref>] [--node-flags="--max-semi-space-size=1 ..."]
//       [--heap-snapshot DIR] [--fe-sync-period 2s] [--node /path/to/node ...] [--image-flags] [--json FILE] [--write]
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { freshNamespace, kubectl, kubectlCreate } from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { REPO_ROOT, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { MANAGER_NODE_FLAGS } from '../src/builders/settings.js';
import { compiledCli } from '../test/support/e2e.js';
import * as operatorSupport from '../test/support/operator.js';
import { createUnrelatedObjects, ensureKwokCapacity, withControlPlane } from './support/cluster.js';
import { docSection } from './support/doc-section.js';
import { cpuSeconds, rssMiB, statusKiB } from './support/proc.js';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '100' },
    cns: { type: 'string', default: '1' },
    'node-flags': { type: 'string', multiple: true },
    'unrelated-secrets': { type: 'string', default: '0' },
    'secret-bytes': { type: 'string', default: '4096' },
    'unrelated-pods': { type: 'string', default: '0' },
    baseline: { type: 'string' },
    'heap-snapshot': { type: 'string' },
    // The e2e harness' 2s by default, as in the published figures; 15s is what the manager ships with.
    'fe-sync-period': { type: 'string', default: '2s' },
    node: { type: 'string', multiple: true },
    'image-flags': { type: 'boolean', default: false },
    json: { type: 'string' },
    'from-json': { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});
const groups = Number(values.groups);
const cnsPerGroup = Number(values.cns);
const unrelatedSecrets = Number(values['unrelated-secrets']);
const secretBytes = Number(values['secret-bytes']);
const unrelatedPods = Number(values['unrelated-pods']);
if (!Number.isInteger(groups) || groups < 1 || groups > 1000)
  throw new Error('--groups must be an integer from 1 to 1000');
if (!Number.isInteger(cnsPerGroup) || cnsPerGroup < 1 || cnsPerGroup > 5) throw new Error('--cns must be from 1 to 5');
if (!Number.isInteger(unrelatedSecrets) || unrelatedSecrets < 0) throw new Error('--unrelated-secrets must be >= 0');
if (!Number.isInteger(unrelatedPods) || unrelatedPods < 0) throw new Error('--unrelated-pods must be >= 0');
// One snapshot per folder: V8 names the file itself, and the script finds it as the folder's only one.
if (values['heap-snapshot'] !== undefined && (values.node?.length ?? 0) > 1)
  throw new Error('--heap-snapshot takes one --node at a time');

/** Builds `ref` in a temporary worktree sharing this checkout's node_modules; returns its program and clean-up. */
async function buildRef(ref: string): Promise<{ program: string[]; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'operator-baseline-'));
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  git('worktree', 'add', '--detach', dir, ref);
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  // The ref's own build script: tsc's one file per module before the bundle (hack/bundle.ts), the bundle after.
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: dir, stdio: 'inherit' });
  return {
    program: [path.join(dir, 'dist/cli/main.js')],
    remove: async () => {
      git('worktree', 'remove', '--force', dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One scenario's figures, as --json keeps them and the table shows them. */
interface Footprint {
  label: string;
  /** `this build`, or `baseline <ref>`. */
  build: string;
  node: string;
  flags: string[];
  startToReadyMs: number;
  idleRssMiB: number;
  idleCpuS: number;
  convergeS: number;
  convergeCpuS: number;
  convergeRssMiB: number;
  passes: number;
  quietRssMiB: number;
  quietAnonMiB: number;
  quietFileMiB: number;
  quietCpuS: number;
}

const footprints: Footprint[] = [];

function footprintTable(rows: readonly Footprint[]): string {
  const header =
    '| build | Node | V8 flags | start to ready | idle RSS / CPU (1st min) | converge: time / CPU / RSS | quiet minute: RSS (anonymous + file) / CPU |\n' +
    '| --- | --- | --- | --- | --- | --- | --- |';
  const lines = rows.map(
    (row) =>
      `| ${row.build} | ${row.node} | ${row.flags.length === 0 ? 'none' : `\`${row.flags.join(' ')}\``} | ${row.startToReadyMs} ms | ` +
      `${row.idleRssMiB.toFixed(1)} MiB / ${row.idleCpuS.toFixed(2)} s | ` +
      `${row.convergeS.toFixed(1)} s / ${row.convergeCpuS.toFixed(2)} s / ${row.convergeRssMiB.toFixed(1)} MiB | ` +
      `${row.quietRssMiB.toFixed(1)} MiB (${row.quietAnonMiB.toFixed(1)} + ${row.quietFileMiB.toFixed(1)}) / ` +
      `${row.quietCpuS.toFixed(2)} s |`,
  );
  return [header, ...lines].join('\n');
}

/** Prints the table of every scenario; keeps the figures (--json) and writes the table into the docs (--write). */
async function report(): Promise<void> {
  const table = footprintTable(footprints);
  console.log(`\n${table}`);
  if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(footprints, null, 2)}\n`);
  if (!values.write) return;
  const section = await docSection('runtime-table', 'bench/operator-memory.ts');
  const when = new Date().toISOString().slice(0, 10);
  await section.write(
    `${groups} groups of ${cnsPerGroup} CNs, FE sync every ${values['fe-sync-period']}, run of ${when}:\n\n${table}`,
  );
}

/** `v24.22.3` of a Node binary. */
function nodeVersion(binary: string): string {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
}

/** The figures of an earlier run (--json), parsed: re-printed and written (--write) without measuring again. */
const footprintSchema = z.object({
  label: z.string(),
  // Runs before the column existed measured this build only.
  build: z.string().default('this build'),
  node: z.string(),
  flags: z.array(z.string()),
  startToReadyMs: z.number(),
  idleRssMiB: z.number(),
  idleCpuS: z.number(),
  convergeS: z.number(),
  convergeCpuS: z.number(),
  convergeRssMiB: z.number(),
  passes: z.number(),
  quietRssMiB: z.number(),
  quietAnonMiB: z.number(),
  quietFileMiB: z.number(),
  quietCpuS: z.number(),
});
if (values['from-json'] !== undefined) {
  const earlier = z.array(footprintSchema).parse(JSON.parse(await readFile(values['from-json'], 'utf8')));
  footprints.push(...earlier);
  await report();
  process.exit(0);
}

const fe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 2_000 });
fe.liveness.defaultOutcome = { ok: true };
await withControlPlane('operator-memory-', fe, async () => {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    await ensureKwokCapacity(groups * cnsPerGroup);

    /** Reconcile passes so far: the sum of controller_runtime_reconcile_total over its result labels. */
    const reconcilesSoFar = async (operator: { metricsText(): Promise<string | undefined> }): Promise<number> => {
      const text = (await operator.metricsText()) ?? '';
      let total = 0;
      for (const match of text.matchAll(/^controller_runtime_reconcile_total\{[^}]*\} (\d+)$/gm)) {
        total += Number(match[1]);
      }
      return total;
    };

    /** Where the RSS goes: V8's heap from prom-client's default metrics (used of committed, and the young generation's
     * share of the committed) and memory outside it (buffers), then the resident memory split into anonymous pages
     * and file-backed ones (mostly the node binary's). */
    const heapFigures = async (operator: {
      pid: number;
      metricsText(): Promise<string | undefined>;
    }): Promise<string> => {
      const text = (await operator.metricsText()) ?? '';
      const value = (series: string): string => {
        const escaped = series.replace(/[{}"]/g, (character) => `\\${character}`);
        const match = new RegExp(`^${escaped} ([0-9.e+]+)$`, 'm').exec(text);
        return match?.[1] === undefined ? '?' : (Number(match[1]) / 1024 / 1024).toFixed(1);
      };
      return (
        `heap ${value('nodejs_heap_size_used_bytes')} used of ${value('nodejs_heap_size_total_bytes')} MiB ` +
        `(young generation ${value('nodejs_heap_space_size_total_bytes{space="new"}')}), ` +
        `external ${value('nodejs_external_memory_bytes')} MiB; resident anonymous ` +
        `${(statusKiB(operator.pid, 'RssAnon') / 1024).toFixed(1)} MiB, file ` +
        `${(statusKiB(operator.pid, 'RssFile') / 1024).toFixed(1)} MiB`
      );
    };

    /** Asks the operator (started with --heapsnapshot-signal=SIGUSR2) for a heap snapshot and waits for the file. */
    const heapSnapshot = async (pid: number, snapshotDir: string): Promise<string> => {
      const done = async (): Promise<string | undefined> =>
        (await readdir(snapshotDir)).find((name) => name.endsWith('.heapsnapshot'));
      const before = await done();
      if (before !== undefined) throw new Error(`${snapshotDir} already holds ${before}`);
      process.kill(pid, 'SIGUSR2');
      // V8 writes the file in one go at the end; wait until its size stops changing.
      let lastSize = -1;
      for (let attempt = 0; attempt < 120; attempt++) {
        await sleep(1_000);
        const name = await done();
        if (name === undefined) continue;
        const { size } = await stat(path.join(snapshotDir, name));
        if (size > 0 && size === lastSize) return path.join(snapshotDir, name);
        lastSize = size;
      }
      throw new Error(`no complete heap snapshot in ${snapshotDir} after 120 s`);
    };

    const scenario = async (
      label: string,
      program: string[],
      options: { snapshotDir?: string; node?: string; flags?: string[]; build?: string } = {},
    ): Promise<void> => {
      const { snapshotDir, node } = options;
      const namespace = (await freshNamespace('operator-memory')).name;
      await createUnrelatedObjects(namespace, { pods: unrelatedPods, secrets: unrelatedSecrets, secretBytes });
      const identity = await operatorSupport.createOperatorIdentity(namespace);
      const starting = Date.now();
      const operator = await operatorSupport.startOperator({
        identity,
        watchNamespaces: [namespace],
        label: `memory-${label.replace(/[^a-z0-9]+/gi, '-')}`,
        program,
        ...(node === undefined ? {} : { node }),
        feSyncPeriod: values['fe-sync-period'],
        readyPollMs: 20,
        // Served as in the shipped manifests (they bind :8080); read for the number of reconcile passes.
        metrics: true,
      });
      const startToReadyMs = Date.now() - starting;
      try {
        const idleCpuStart = cpuSeconds(operator.pid);
        await sleep(60_000);
        const idleCpu = cpuSeconds(operator.pid) - idleCpuStart;
        const idle = rssMiB(operator.pid);
        const idleHeap = await heapFigures(operator);
        const seed = await operatorSupport.seedExampleObjects(namespace, fe.addresses, (spec) => {
          delete spec['autoScalingPolicy'];
          delete spec['cronJobPolicy'];
          spec['replicas'] = cnsPerGroup;
        });
        const template = seed.find((object) => object['kind'] === 'ComputeNodeGroup');
        if (template === undefined) throw new Error('no group in the seed example');
        const objects = seed.filter((object) => object['kind'] !== 'ComputeNodeGroup');
        for (let index = 0; index < groups; index++) {
          const group = structuredClone(template);
          (group['metadata'] as Record<string, unknown>)['name'] = `g${index}`;
          objects.push(group);
        }
        const started = Date.now();
        const convergeCpuStart = cpuSeconds(operator.pid);
        const reconcilesAtStart = await reconcilesSoFar(operator);
        const created = await kubectlCreate(objects);
        if (created.code !== 0) throw new Error(created.stderr);
        const readyCount = async (): Promise<number> => {
          const result = await kubectl([
            'get',
            'cng',
            '-n',
            namespace,
            '-o',
            'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
          ]);
          return result.stdout.split('\n').filter((line) => line === 'True').length;
        };
        await waitFor(async () => (await readyCount()) === groups, {
          description: `${groups} groups Ready`,
          timeoutMs: 600_000,
          intervalMs: 1_000,
        });
        await waitFor(() => Promise.resolve(fe.computeNodeAddresses().length >= groups * cnsPerGroup), {
          description: `${groups * cnsPerGroup} CNs in the FE`,
          timeoutMs: 300_000,
          intervalMs: 1_000,
        });
        const convergeCpu = cpuSeconds(operator.pid) - convergeCpuStart;
        const converged = rssMiB(operator.pid);
        const convergedHeap = await heapFigures(operator);
        const convergeMs = Date.now() - started;
        const reconcilesAtConvergence = await reconcilesSoFar(operator);
        const quietCpuStart = cpuSeconds(operator.pid);
        await sleep(60_000);
        const quietCpu = cpuSeconds(operator.pid) - quietCpuStart;
        const quiet = rssMiB(operator.pid);
        const quietReconciles = (await reconcilesSoFar(operator)) - reconcilesAtConvergence;
        const quietHeap = await heapFigures(operator);
        footprints.push({
          label,
          build: options.build ?? 'this build',
          node: nodeVersion(node ?? process.execPath),
          flags: options.flags ?? [],
          startToReadyMs,
          idleRssMiB: idle,
          idleCpuS: idleCpu,
          convergeS: convergeMs / 1000,
          convergeCpuS: convergeCpu,
          convergeRssMiB: converged,
          passes: reconcilesAtConvergence - reconcilesAtStart,
          quietRssMiB: quiet,
          quietAnonMiB: statusKiB(operator.pid, 'RssAnon') / 1024,
          quietFileMiB: statusKiB(operator.pid, 'RssFile') / 1024,
          quietCpuS: quietCpu,
        });
        const snapshot = snapshotDir === undefined ? undefined : await heapSnapshot(operator.pid, snapshotDir);
        console.log(
          `${label}: ${groups} groups x ${cnsPerGroup} CNs, FE sync every ${values['fe-sync-period']}, ` +
            `${unrelatedSecrets} unrelated Secrets x ${secretBytes} B, ` +
            `${unrelatedPods} unrelated Pods\n` +
            `  start to ready ${startToReadyMs} ms; first idle minute: RSS ${idle.toFixed(1)} MiB, CPU ${idleCpu.toFixed(2)} s\n` +
            `    ${idleHeap}\n` +
            `  converge: all Ready and in the FE after ${(convergeMs / 1000).toFixed(1)} s, CPU ${convergeCpu.toFixed(2)} s, ` +
            `RSS ${converged.toFixed(1)} MiB, ${reconcilesAtConvergence - reconcilesAtStart} reconcile passes\n` +
            `    ${convergedHeap}\n` +
            `  quiet minute after: RSS ${quiet.toFixed(1)} MiB, CPU ${quietCpu.toFixed(2)} s, ` +
            `${quietReconciles} reconcile passes\n` +
            `    ${quietHeap}` +
            (snapshot === undefined ? '' : `\n  heap snapshot after the quiet minute: ${snapshot}`),
        );
        // The groups go while the operator runs (its finalizer), so the next scenario finds the node's pods free.
        const deleted = await kubectl(['delete', 'cng', '--all', '-n', namespace, '--wait=true', '--timeout=300s'], {
          timeoutMs: 310_000,
        });
        if (deleted.code !== 0) throw new Error(deleted.stderr);
      } finally {
        await operator.stop();
        await operatorSupport.removeOperatorIdentity(identity);
      }
    };

    if (values.baseline !== undefined) {
      const baseline = await buildRef(values.baseline);
      cleanups.push(baseline.remove);
      await scenario(`baseline ${values.baseline}`, baseline.program, { build: `baseline ${values.baseline}` });
    }
    const snapshotDir = values['heap-snapshot'] === undefined ? undefined : path.resolve(values['heap-snapshot']);
    if (snapshotDir !== undefined) await mkdir(snapshotDir, { recursive: true });
    const snapshotFlags =
      snapshotDir === undefined ? [] : ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`];
    const flagSets = [
      ...(values['image-flags'] ? [[...MANAGER_NODE_FLAGS]] : []),
      ...(values['node-flags'] ?? []).map((set) => set.split(/\s+/).filter((flag) => flag !== '')),
    ];
    for (const node of values.node ?? [undefined]) {
      const on = node === undefined ? '' : ` on Node ${nodeVersion(node)}`;
      await scenario(`this build${on}`, [...snapshotFlags, ...compiledCli()], {
        ...(snapshotDir === undefined ? {} : { snapshotDir }),
        ...(node === undefined ? {} : { node }),
      });
      for (const flags of flagSets) {
        await scenario(`this build${on} with ${flags.join(' ')}`, [...flags, ...compiledCli()], {
          flags,
          ...(node === undefined ? {} : { node }),
        });
      }
    }
    await report();
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
});
