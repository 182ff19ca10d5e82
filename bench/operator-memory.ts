// Resident memory of the operator with many groups: starts a test control plane and an FE simulator, creates N
// ComputeNodeGroups of one small CN each in one namespace, waits until every group is Ready, and prints the manager's
// VmRSS (from /proc) before the groups, at convergence, and after a quiet minute of FE syncs. Linux only.
//   node --import tsx bench/operator-memory.ts [groups=100]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { down, up } from '../test/support/control-plane/control-plane.js';
import { FeSimulator } from '../test/support/fe-simulator/index.js';

const groups = Number(process.argv[2] ?? '100');
// The single KWOK node holds 110 pods; one pod per group.
if (!Number.isInteger(groups) || groups < 1 || groups > 100) throw new Error('groups must be an integer from 1 to 100');

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'operator-memory-'));
const fe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 2_000 });
fe.liveness.defaultOutcome = { ok: true };
let stopOperator: (() => Promise<void>) | undefined;
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
  const namespace = (await e2e.freshNamespace('operator-memory')).name;
  const identity = await operatorSupport.createOperatorIdentity(namespace);
  const operator = await operatorSupport.startOperator({ identity, watchNamespaces: [namespace], label: 'memory' });
  stopOperator = () => operator.stop();
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
  await e2e.waitFor(
    async () => {
      const result = await e2e.kubectl([
        'get',
        'cng',
        '-n',
        namespace,
        '-o',
        'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      ]);
      return result.stdout.split('\n').filter((line) => line === 'True').length === groups;
    },
    { description: `${groups} groups Ready`, timeoutMs: 600_000, intervalMs: 5_000 },
  );
  const converged = await rssMiB(operator.pid);
  const convergeMs = Date.now() - started;
  await sleep(60_000);
  const quiet = await rssMiB(operator.pid);
  console.log(
    `groups ${groups}: all Ready after ${(convergeMs / 1000).toFixed(1)} s; manager RSS idle ${idle.toFixed(1)} MiB, ` +
      `at convergence ${converged.toFixed(1)} MiB, after a quiet minute ${quiet.toFixed(1)} MiB; ` +
      `FE lists ${fe.computeNodeAddresses().length} CNs`,
  );
} finally {
  await stopOperator?.().catch(() => undefined);
  await fe.stop();
  await down({ dir }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
