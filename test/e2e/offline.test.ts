// `offline` against the real API server and the FE simulator: one pass reads the group, its pods, its Secret and
// the FE, drops only this group's entries whose pods are gone, and writes nothing to Kubernetes. FQDN mode keeps
// the pods' addresses independent of the fake IPs the test cluster hands out (which are never dialed anyway).
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

const GROUP = 'g';
const fqdn = (namespace: string, ordinal: number): string =>
  `${GROUP}-${ordinal}.${GROUP}-cn.${namespace}.svc.cluster.local:9050`;

interface OfflineRun {
  code: number | null;
  output: string;
}

/** `node dist/cli/main.js offline ...` (the compiled build) with the test cluster's KUBECONFIG; bounded. */
function runOffline(namespace: string, name: string): Promise<OfflineRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...compiledCli(), 'offline', '--namespace', namespace, '--name', name, '--timeout-seconds', '60'],
      {
        env: { PATH: process.env['PATH'], HOME: process.env['HOME'], KUBECONFIG: process.env['KUBECONFIG'] },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const chunks: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`offline did not exit within 90 s: ${chunks.join('')}`));
    }, 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: chunks.join('') });
    });
  });
}

function cnPod(namespace: string, ordinal: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${GROUP}-${ordinal}`,
      namespace,
      labels: {
        'app.kubernetes.io/name': 'starrocks-cn',
        'app.kubernetes.io/instance': GROUP,
        'app.kubernetes.io/managed-by': 'starrocks-cn-operator',
        'app.kubernetes.io/component': 'cn',
      },
    },
    spec: { containers: [{ name: 'cn', image: 'starrocks/cn-ubuntu:3.3.5' }] },
  };
}

describe('offline (e2e)', () => {
  const simulators: FeSimulator[] = [];
  before(async () => {
    await installCrd();
  });
  after(async () => {
    for (const simulator of simulators) await simulator.stop();
  });

  it("drops only the group's entries whose pods are gone, and writes nothing to Kubernetes", async (t) => {
    const namespace = await useNamespace(t, 'offline');
    const fe = new FeSimulator({
      version: '3.5',
      hostMode: 'FQDN',
      computeNodes: [
        { address: fqdn(namespace, 0), alive: true },
        { address: fqdn(namespace, 1) },
        { address: `other-0.other-cn.${namespace}.svc.cluster.local:9050` },
        { address: '192.168.50.5:9050' },
      ],
      backends: [{ address: '192.168.50.6:9050' }],
    });
    simulators.push(fe);
    await fe.start();
    const created = await kubectlCreate([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'fe-account', namespace },
        stringData: { FE_USR: 'root', FE_PWD: '' },
      },
      {
        apiVersion: 'starrocks.com/v1alpha1',
        kind: 'ComputeNodeGroup',
        metadata: { name: GROUP, namespace },
        spec: {
          feInfo: { addresses: fe.addresses, accountSecret: 'fe-account' },
          cnInfo: { addressType: 'FQDN' },
          images: { cnImage: 'starrocks/cn-ubuntu:3.3.5' },
          replicas: 1,
        },
      },
      cnPod(namespace, 0),
    ]);
    assert.equal(created.code, 0, created.stderr);
    // The ledger as the operator would have written it: g-0 and g-1 were registered; g-1's pod is gone.
    const ledger = [0, 1].map((ordinal) => ({
      pod: `${GROUP}-${ordinal}`,
      address: fqdn(namespace, ordinal),
      registered: true,
      alive: ordinal === 0,
    }));
    const patched = await kubectl([
      'patch',
      'computenodegroup',
      GROUP,
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
        const got = await kubectl([
          'get',
          'cng',
          GROUP,
          '-n',
          namespace,
          '-o',
          'jsonpath={.status.computeNodes[1].pod}',
        ]);
        return got.stdout.trim() === `${GROUP}-1`;
      },
      { description: 'the ledger in the status', timeoutMs: 10_000 },
    );

    const mark = await auditMark();
    const run = await runOffline(namespace, GROUP);
    assert.equal(run.code, 0, run.output);

    assert.deepEqual(
      fe.computeNodeAddresses().sort(),
      [fqdn(namespace, 0), '192.168.50.5:9050', `other-0.other-cn.${namespace}.svc.cluster.local:9050`].sort(),
    );
    const drops = fe.statementsMatching(/DROP/i);
    assert.equal(drops.length, 1);
    assert.match(drops[0]?.sql ?? '', new RegExp(`${GROUP}-1\\.`));
    assert.equal(fe.catalog.backends.length, 1);

    const requests = await auditRequestsSince(mark, { namespace });
    const reads = requests.filter((r) => r.resource === 'computenodegroups' && r.verb === 'get');
    assert.ok(reads.length >= 1, 'offline read the group');
    const offlineUser = reads[0]?.user;
    const writes = requests.filter(
      (r) => r.user === offlineUser && ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(r.verb),
    );
    assert.deepEqual(
      writes.map((r) => `${r.verb} ${r.resource ?? r.uri}`),
      [],
    );
    assert.ok(requests.some((r) => r.user === offlineUser && r.resource === 'pods' && r.verb === 'list'));
  });

  it('exits 1 with a clear message when the group does not exist, and sends nothing to the FE', async (t) => {
    const namespace = await useNamespace(t, 'offline-missing');
    const fe = new FeSimulator({ version: '3.5', computeNodes: [{ address: '10.244.3.3:9050' }] });
    simulators.push(fe);
    await fe.start();
    const run = await runOffline(namespace, 'nope');
    assert.equal(run.code, 1);
    assert.match(run.output, new RegExp(`ComputeNodeGroup ${namespace}/nope not found`));
    assert.equal(fe.statements.length, 0);
  });
});
