// Smoke tests of the test control plane itself: real scheduling and kwok, the audit log, the metrics API, and the
// network rule (nothing dials outside loopback).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { AppsV1Api, CoreV1Api, V1Deployment } from '@kubernetes/client-node';
import {
  auditMark,
  auditRequestsSince,
  COMPONENTS,
  e2eEnvironment,
  freshNamespace,
  kubeConfig,
  kubectl,
  OPERATOR_USER,
  operatorKubeconfigPath,
  readPidFile,
  runKubectl,
  setPodMetrics,
  type TestNamespace,
} from '../../control-plane/index.js';
import { waitFor } from '../../helpers/index.js';

const APP_LABELS = { app: 'smoke' };

function deployment(replicas: number): V1Deployment {
  const body = new V1Deployment();
  Object.assign(body, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'smoke' },
    spec: {
      replicas,
      selector: { matchLabels: APP_LABELS },
      template: {
        metadata: { labels: APP_LABELS },
        spec: {
          containers: [{ name: 'app', image: 'registry.invalid/none:0', resources: { requests: { cpu: '100m' } } }],
        },
      },
    },
  });
  return body;
}

describe('test control plane', () => {
  let namespace: TestNamespace;
  before(async () => {
    namespace = await freshNamespace('control-plane');
  });
  after(async () => {
    await namespace.delete();
  });

  it('runs a Deployment of 3 pods to 3 ready replicas through the scheduler and kwok, with pod IPs', async () => {
    const config = await kubeConfig();
    const apps = config.makeApiClient(AppsV1Api);
    const core = config.makeApiClient(CoreV1Api);
    const mark = await auditMark();
    await apps.createNamespacedDeployment({ namespace: namespace.name, body: deployment(3) });
    await waitFor(
      async () => {
        const current = await apps.readNamespacedDeployment({ name: 'smoke', namespace: namespace.name });
        return current.status?.readyReplicas === 3;
      },
      { description: 'Deployment smoke with 3 ready replicas', timeoutMs: 60_000, intervalMs: 500 },
    );
    const pods = await core.listNamespacedPod({ namespace: namespace.name, labelSelector: 'app=smoke' });
    assert.equal(pods.items.length, 3);
    for (const pod of pods.items) {
      const { status, spec } = pod;
      assert.equal(spec?.nodeName, 'kwok-node-0');
      assert.equal(status?.phase, 'Running');
      assert.match(status.podIP ?? '', /^10\.244\.\d+\.\d+$/, 'kwok assigns pod IPs from its fake range');
    }

    // The audit log shows who did what: the test created the Deployment, the controller manager the pods, the
    // scheduler bound them.
    const requests = await auditRequestsSince(mark, { namespace: namespace.name, verb: 'create' });
    const who = (resource: string, subresource: string | null = null): string[] =>
      requests.filter((r) => r.resource === resource && r.subresource === subresource).map((r) => r.user);
    assert.deepEqual(who('deployments'), ['kube-admin']);
    assert.deepEqual(who('pods'), [
      'system:kube-controller-manager',
      'system:kube-controller-manager',
      'system:kube-controller-manager',
    ]);
    assert.equal(who('pods', 'binding').length, 3);
    assert.ok(who('pods', 'binding').every((user) => user === 'system:kube-scheduler'));
  });

  it('serves pod metrics set by the test through metrics.k8s.io', async () => {
    const core = (await kubeConfig()).makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace: namespace.name, labelSelector: 'app=smoke' });
    const first = pods.items[0]?.metadata?.name;
    assert.ok(first !== undefined, 'the Deployment test made pods');
    await setPodMetrics(namespace.name, first, { cpu: '321m', memory: '77Mi' });
    const raw = await kubectl(['get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace.name}/pods`]);
    assert.equal(raw.code, 0, raw.stderr);
    const list = JSON.parse(raw.stdout) as {
      items: { metadata: { name: string }; containers: { usage: unknown }[] }[];
    };
    assert.deepEqual(
      list.items.map((item) => [item.metadata.name, item.containers[0]?.usage]),
      [[first, { cpu: '321m', memory: '77Mi' }]],
    );
    const top = await kubectl(['top', 'pod', first, '-n', namespace.name, '--no-headers']);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, new RegExp(`^${first}\\s+321m\\s+77Mi`));
  });

  it('gives the operator an identity of its own that the audit log names', async () => {
    const mark = await auditMark();
    const { kubectlPath } = await e2eEnvironment();
    const listed = await runKubectl(['get', 'pods', '-n', namespace.name, '-o', 'name'], {
      kubectl: kubectlPath,
      kubeconfig: await operatorKubeconfigPath(),
    });
    assert.equal(listed.code, 0, listed.stderr);
    const requests = await auditRequestsSince(mark, { user: OPERATOR_USER, namespace: namespace.name });
    assert.deepEqual(
      requests.map((r) => `${r.verb} ${r.resource ?? ''}`),
      ['list pods'],
    );
  });

  it('has no control-plane process with a connection to an address outside loopback', async () => {
    const { layout } = await e2eEnvironment();
    const sockets = await socketTable();
    let checked = 0;
    for (const component of COMPONENTS) {
      const pid = await readPidFile(layout.pidFilePath(component));
      assert.ok(pid !== null, `${component} has a pid file`);
      for (const inode of await socketInodes(pid)) {
        const socket = sockets.get(inode);
        if (socket === undefined) continue; // not TCP (unix sockets, netlink)
        checked++;
        assert.ok(isLoopbackOrUnbound(socket.local), `${component} socket local ${socket.local}`);
        assert.ok(isLoopbackOrUnbound(socket.remote), `${component} socket remote ${socket.remote}`);
      }
    }
    assert.ok(checked > 10, `saw the control plane's TCP sockets (${checked})`);
  });
});

interface TcpSocket {
  readonly local: string;
  readonly remote: string;
}

// /proc/net/tcp{,6}: addresses in hex, IPv4 little-endian; the socket's inode in column 10.
async function socketTable(): Promise<Map<string, TcpSocket>> {
  const table = new Map<string, TcpSocket>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      const [, local, remote] = columns;
      const inode = columns[9];
      if (local === undefined || remote === undefined || inode === undefined) continue;
      table.set(inode, { local: hexAddress(local), remote: hexAddress(remote) });
    }
  }
  return table;
}

function hexAddress(hexWithPort: string): string {
  const [hex = ''] = hexWithPort.split(':');
  const words = hex.match(/.{8}/g) ?? [];
  const ipv4 = (word: string): string =>
    (word.match(/../g) ?? [])
      .reverse()
      .map((byte) => parseInt(byte, 16))
      .join('.');
  if (hex.length === 8) return ipv4(hex);
  if (hex === '0'.repeat(32)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  if (hex.startsWith('0000000000000000FFFF0000')) return `::ffff:${ipv4(words[3] ?? '')}`;
  return `ipv6:${hex}`;
}

function isLoopbackOrUnbound(address: string): boolean {
  const ipv4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return ipv4.startsWith('127.') || ipv4 === '0.0.0.0' || address === '::' || address === '::1';
}

async function socketInodes(pid: number): Promise<string[]> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  const inodes: string[] = [];
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1] !== undefined) inodes.push(match[1]);
  }
  return inodes;
}
