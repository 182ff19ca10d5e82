// `cngctl status` against the real API server and the FE simulator: the pods beside the FE's entries, the ledger
// entry whose pod is gone, exit codes for an unreachable FE and a missing group, and no writes to Kubernetes. FQDN
// mode keeps the addresses independent of the fake pod IPs of the test cluster (which are never dialed).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  auditMark,
  auditRequestsSince,
  kubectl,
  kubectlCreate,
  useNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { compiledCli, installCrd } from '../support/e2e.js';

const fqdn = (group: string, namespace: string, ordinal: number): string =>
  `${group}-${ordinal}.${group}-cn.${namespace}.svc.cluster.local:9050`;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node dist/cli/main.js status ...` (the compiled build) with the test cluster's KUBECONFIG; bounded. */
function runStatus(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...compiledCli(), 'status', ...args], {
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], KUBECONFIG: process.env['KUBECONFIG'] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: string[] = [];
    const err: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk.toString('utf8')));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`status did not exit within 60 s: ${out.join('')}${err.join('')}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out.join(''), stderr: err.join('') });
    });
  });
}

function cnPod(group: string, namespace: string, ordinal: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${group}-${ordinal}`,
      namespace,
      labels: {
        'app.kubernetes.io/name': 'starrocks-cn',
        'app.kubernetes.io/instance': group,
        'app.kubernetes.io/managed-by': 'starrocks-cn-operator',
        'app.kubernetes.io/component': 'cn',
      },
    },
    spec: { containers: [{ name: 'cn', image: 'starrocks/cn-ubuntu:3.3.5' }] },
  };
}

function group(name: string, namespace: string, feAddresses: string[]): Record<string, unknown> {
  return {
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name, namespace },
    spec: {
      feInfo: { addresses: feAddresses, accountSecret: 'fe-account' },
      cnInfo: { addressType: 'FQDN' },
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.5' },
      replicas: 2,
    },
  };
}

async function setLedger(name: string, namespace: string, ordinals: number[]): Promise<void> {
  const ledger = ordinals.map((ordinal) => ({
    pod: `${name}-${ordinal}`,
    address: fqdn(name, namespace, ordinal),
    registered: true,
    alive: true,
  }));
  const patched = await kubectl([
    'patch',
    'computenodegroup',
    name,
    '-n',
    namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { computeNodes: ledger } }),
  ]);
  assert.equal(patched.code, 0, patched.stderr);
  await waitFor(
    async () => {
      const got = await kubectl(['get', 'cng', name, '-n', namespace, '-o', 'jsonpath={.status.computeNodes[*].pod}']);
      return got.stdout.trim().split(' ').length === ordinals.length;
    },
    { description: `the ledger of ${name} in its status`, timeoutMs: 10_000 },
  );
}

describe('cngctl status (e2e)', () => {
  const simulators: FeSimulator[] = [];
  before(async () => {
    await installCrd();
  });
  after(async () => {
    for (const simulator of simulators) await simulator.stop();
  });

  it("prints the group's pods beside the FE's entries, with the ledger entry whose pod is gone", async (t) => {
    const namespace = await useNamespace(t, 'cli-status');
    const fe = new FeSimulator({
      version: '3.5',
      hostMode: 'FQDN',
      // No periodic heartbeats: the one round run below decides who is alive (g-0 answers, g-1 does not).
      heartbeatPeriodMs: 3_600_000,
      // FQDN mode resolves the names at every heartbeat; the test's resolver, never real DNS (the IPs are not dialed).
      resolve: {
        [fqdn('g', namespace, 0).replace(/:\d+$/, '')]: '10.0.0.7',
        [fqdn('g', namespace, 1).replace(/:\d+$/, '')]: '10.0.0.8',
      },
      computeNodes: [
        { address: fqdn('g', namespace, 0), alive: true },
        { address: fqdn('g', namespace, 1), alive: false },
        { address: fqdn('other', namespace, 0), alive: true },
      ],
    });
    simulators.push(fe);
    await fe.start();
    await fe.runHeartbeats();
    const created = await kubectlCreate([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'fe-account', namespace },
        stringData: { FE_USR: 'root', FE_PWD: '' },
      },
      group('g', namespace, fe.addresses),
      cnPod('g', namespace, 0),
      cnPod('g', namespace, 2),
    ]);
    assert.equal(created.code, 0, created.stderr);
    await setLedger('g', namespace, [0, 1]);

    const mark = await auditMark();
    const run = await runStatus(['-n', namespace, 'g']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const line = (pod: string): string => run.stdout.split('\n').find((l) => l.startsWith(`${pod} `)) ?? '';
    assert.match(
      line('g-0'),
      new RegExp(`^g-0\\s+0\\s+\\S+\\s+\\S+\\s+${fqdn('g', namespace, 0).replaceAll('.', '\\.')}\\s+yes\\s+yes`),
    );
    assert.match(line('g-1'), /^g-1\s+-\s+\(no pod\)\s+-\s+\S+\s+yes\s+no/);
    assert.match(line('g-2'), /^g-2\s+2\s+\S+\s+\S+\s+\S+\s+no\s+-/);
    assert.doesNotMatch(run.stdout, /other-0/);
    assert.match(
      run.stdout,
      new RegExp(`ComputeNodeGroup ${namespace}/g: desired 2, pods 2, registered in FE 2, alive 1`),
    );
    assert.equal(fe.statementsMatching(/ALTER|DROP|ADD/i).length, 0, 'status never changes the FE');

    const requests = await auditRequestsSince(mark, { namespace });
    const reads = requests.filter((r) => r.resource === 'computenodegroups' && r.verb === 'get');
    assert.ok(reads.length >= 1, 'status read the group');
    const user = reads[0]?.user;
    const writes = requests.filter(
      (r) => r.user === user && ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(r.verb),
    );
    assert.deepEqual(
      writes.map((r) => `${r.verb} ${r.resource ?? r.uri}`),
      [],
    );
  });

  it('prints the Kubernetes side and exits 1 when the FE cannot be reached', async (t) => {
    const namespace = await useNamespace(t, 'cli-status-fe-down');
    const fe = new FeSimulator({ version: '3.5', hostMode: 'FQDN' });
    await fe.start();
    const addresses = fe.addresses;
    await fe.stop(); // a loopback port nothing listens on any more
    const created = await kubectlCreate([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'fe-account', namespace },
        stringData: { FE_USR: 'root', FE_PWD: 'not-printed' },
      },
      group('g', namespace, addresses),
      cnPod('g', namespace, 0),
    ]);
    assert.equal(created.code, 0, created.stderr);
    const run = await runStatus(['-n', namespace, 'g', '--timeout-seconds', '5']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^g-0\s+0\s+/m);
    assert.match(run.stdout, /FE not read/);
    assert.match(run.stderr, /the FE was not read: cannot read compute nodes from 127\.0\.0\.1:\d+/);
    assert.doesNotMatch(run.stdout + run.stderr, /not-printed/);
  });

  it('exits 1 with a clear message when the group does not exist', async (t) => {
    const namespace = await useNamespace(t, 'cli-status-missing');
    const run = await runStatus(['-n', namespace, 'nope']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`ComputeNodeGroup ${namespace}/nope not found`));
    assert.equal(run.stdout, '');
  });
});
