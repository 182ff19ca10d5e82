// Resident memory of the operator with many groups: starts a test control plane and an FE simulator, optionally fills
// the watched namespace with unrelated Secrets, creates N ComputeNodeGroups of one small CN each, waits until every
// group is Ready, and prints the manager's VmRSS (from /proc) before the groups, at convergence, and after a quiet
// minute of FE syncs. The operator runs from the compiled build (npm run build first). With --baseline <git ref> the
// same scenario runs first with that ref's build (made in a temporary worktree), in the same run, on the same
// control plane, so the two figures compare like with like. Linux only.
//   npm run build && node --import tsx bench/operator-memory.ts [--groups 100] [--unrelated-secrets 2000]
//       [--secret-bytes 4096] [--baseline <git ref>]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { REPO_ROOT, down, up } from '../test/support/control-plane/control-plane.js';
import { FeSimulator } from '../test/support/fe-simulator/index.js';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '100' },
    'unrelated-secrets': { type: 'string', default: '0' },
    'secret-bytes': { type: 'string', default: '4096' },
    baseline: { type: 'string' },
  },
});
const groups = Number(values.groups);
const unrelatedSecrets = Number(values['unrelated-secrets']);
const secretBytes = Number(values['secret-bytes']);
// The single KWOK node holds 110 pods; one pod per group.
if (!Number.isInteger(groups) || groups < 1 || groups > 100)
  throw new Error('--groups must be an integer from 1 to 100');
if (!Number.isInteger(unrelatedSecrets) || unrelatedSecrets < 0) throw new Error('--unrelated-secrets must be >= 0');

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/** Builds `ref` in a temporary worktree sharing this checkout's node_modules; returns its program and clean-up. */
async function buildRef(ref: string): Promise<{ program: string[]; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'operator-baseline-'));
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  git('worktree', 'add', '--detach', dir, ref);
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
  return {
    program: [path.join(dir, 'dist/cli/main.js')],
    remove: async () => {
      git('worktree', 'remove', '--force', dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'operator-memory-'));
const fe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 2_000 });
fe.liveness.defaultOutcome = { ok: true };
const cleanups: (() => Promise<void>)[] = [];
try {
  const plane = await up({ dir });
  process.env['KUBECONFIG'] = plane.kubeconfig;
  process.env['CONTROL_PLANE_DIR'] = plane.dir;
  process.env['KUBECTL'] = plane.kubectl;
  // Imported after the environment is set: the helpers read it on first use.
  const e2e = await import('../test/support/e2e.js');
  const operatorSupport = await import('../test/support/operator.js');
  await e2e.installCrd();
  await fe.start();

  const scenario = async (label: string, program: string[]): Promise<void> => {
    const namespace = (await e2e.freshNamespace('operator-memory')).name;
    for (let first = 0; first < unrelatedSecrets; first += 200) {
      const batch = [];
      for (let index = first; index < Math.min(unrelatedSecrets, first + 200); index++) {
        batch.push({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `unrelated-${index}`, namespace },
          data: { blob: randomBytes(secretBytes).toString('base64') },
        });
      }
      const created = await e2e.kubectlCreate(batch);
      if (created.code !== 0) throw new Error(created.stderr);
    }
    const identity = await operatorSupport.createOperatorIdentity(namespace);
    const operator = await operatorSupport.startOperator({
      identity,
      watchNamespaces: [namespace],
      label: `memory-${label}`,
      program,
    });
    try {
      await sleep(5_000);
      const idle = await rssMiB(operator.pid);
      const seed = await operatorSupport.seedExampleObjects(namespace, fe.addresses, (spec) => {
        delete spec['autoScalingPolicy'];
        delete spec['cronJobPolicy'];
        spec['replicas'] = 1;
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
      const created = await e2e.kubectlCreate(objects);
      if (created.code !== 0) throw new Error(created.stderr);
      const readyCount = async (): Promise<number> => {
        const result = await e2e.kubectl([
          'get',
          'cng',
          '-n',
          namespace,
          '-o',
          'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
        ]);
        return result.stdout.split('\n').filter((line) => line === 'True').length;
      };
      await e2e.waitFor(async () => (await readyCount()) === groups, {
        description: `${groups} groups Ready`,
        timeoutMs: 600_000,
        intervalMs: 5_000,
      });
      const converged = await rssMiB(operator.pid);
      const convergeMs = Date.now() - started;
      await sleep(60_000);
      const quiet = await rssMiB(operator.pid);
      console.log(
        `${label}: groups ${groups}, unrelated Secrets ${unrelatedSecrets} x ${secretBytes} B: all Ready after ` +
          `${(convergeMs / 1000).toFixed(1)} s; manager RSS idle ${idle.toFixed(1)} MiB, at convergence ` +
          `${converged.toFixed(1)} MiB, after a quiet minute ${quiet.toFixed(1)} MiB`,
      );
      // The groups go while the operator runs (its finalizer), so the next scenario finds the node's pods free.
      const deleted = await e2e.kubectl(['delete', 'cng', '--all', '-n', namespace, '--wait=true', '--timeout=300s']);
      if (deleted.code !== 0) throw new Error(deleted.stderr);
    } finally {
      await operator.stop();
      await operatorSupport.removeOperatorIdentity(identity);
    }
  };

  if (values.baseline !== undefined) {
    const baseline = await buildRef(values.baseline);
    cleanups.push(baseline.remove);
    await scenario(`baseline ${values.baseline}`, baseline.program);
  }
  await scenario('this build', e2e.compiledCli());
} finally {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await fe.stop();
  await down({ dir }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
