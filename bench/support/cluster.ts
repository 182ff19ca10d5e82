// Cluster set-up shared by the benchmarks that run the operator on a test control plane.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { down, environmentOf, kubectlCreate, kwokNode, up } from '@starrocks-cn-operator/testbed/control-plane';
import type { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { installCrd } from '../../test/support/e2e.js';

/**
 * Runs `body` against a control plane of the script's own (the e2e helpers are pointed at it; they read the
 * environment on first use) with the CRD installed and `fe` started; stops both, by pid, however `body` ends.
 */
export async function withControlPlane<T>(prefix: string, fe: FeSimulator, body: () => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  try {
    const plane = await up({ dir });
    Object.assign(process.env, environmentOf(plane));
    await installCrd();
    await fe.start();
    return await body();
  } finally {
    await fe.stop();
    await down({ dir }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Pods the control plane's own KWOK node holds (110), less a margin for the namespaces' other pods. */
const OWN_NODE_PODS = 100;
const PODS_PER_EXTRA_NODE = 250;

/**
 * Adds KWOK nodes (`kwok-bench-<n>`, 250 pods each) until the cluster holds `pods` pods; nodes that exist already
 * are counted, so a script can call it again for a larger scenario.
 */
export async function ensureKwokCapacity(pods: number, existing = 0): Promise<number> {
  const needed = Math.ceil(Math.max(0, pods - OWN_NODE_PODS) / PODS_PER_EXTRA_NODE);
  for (let index = existing + 1; index <= needed; index++) {
    const node = kwokNode() as { metadata: { name: string; labels: Record<string, string> }; status: unknown };
    const name = `kwok-bench-${index}`;
    const resources = { cpu: '256', memory: '512Gi', pods: String(PODS_PER_EXTRA_NODE) };
    const created = await kubectlCreate([
      {
        ...node,
        metadata: { ...node.metadata, name, labels: { ...node.metadata.labels, 'kubernetes.io/hostname': name } },
        status: { allocatable: resources, capacity: resources },
      },
    ]);
    if (created.code !== 0) throw new Error(created.stderr);
  }
  return Math.max(existing, needed);
}

/** Creates objects in batches, so a thousand of them stay within one kubectl's time bound. */
export async function createInBatches(objects: readonly Record<string, unknown>[], batch = 200): Promise<void> {
  for (let first = 0; first < objects.length; first += batch) {
    const created = await kubectlCreate(objects.slice(first, first + batch));
    if (created.code !== 0) throw new Error(created.stderr);
  }
}

/** A pod of another application, as busy clusters hold thousands: labels, two containers with env and requests. */
function unrelatedPod(namespace: string, index: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `unrelated-${index}`,
      namespace,
      labels: { app: 'unrelated', 'app.kubernetes.io/instance': `web-${index % 50}`, tier: 'frontend' },
      annotations: { 'example.com/revision': String(index) },
    },
    spec: {
      // No scheduler of that name runs: the pod stays Pending, so only the API server and etcd hold it.
      schedulerName: 'bench-unrelated-scheduler',
      containers: ['app', 'proxy'].map((name) => ({
        name,
        image: `registry.example/${name}:1.${index % 7}`,
        env: [
          { name: 'INSTANCE', value: `web-${index}` },
          { name: 'LOG_LEVEL', value: 'info' },
        ],
        resources: { requests: { cpu: '10m', memory: '16Mi' } },
      })),
    },
  };
}

/** Fills a namespace with other applications' pods and Secrets (random data of `secretBytes`). */
export async function createUnrelatedObjects(
  namespace: string,
  counts: { pods: number; secrets: number; secretBytes: number },
): Promise<void> {
  await createInBatches(Array.from({ length: counts.pods }, (_, index) => unrelatedPod(namespace, index)));
  await createInBatches(
    Array.from({ length: counts.secrets }, (_, index) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `unrelated-${index}`, namespace },
      data: { blob: randomBytes(counts.secretBytes).toString('base64') },
    })),
  );
}
