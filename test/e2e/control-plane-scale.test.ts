// The ComputeNodeGroup scale subresource on the real API server: `kubectl scale` moves .spec.replicas, and a real
// HorizontalPodAutoscaler (kube-controller-manager) reads .status.labelSelector, reads the selected pods' CPU from
// metrics.k8s.io and moves .spec.replicas when the test changes the pods' usage. No operator runs here: the test
// plays its part (status and pods).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  auditMark,
  auditRequestsSince,
  freshNamespace,
  kubectl,
  kubectlCreate,
  setPodMetrics,
  type TestNamespace,
  yamlObjects,
} from '@starrocks-cn-operator/testbed/control-plane';
import { REPO_ROOT, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';

const NAME = 'hpa-target';
const SELECTOR = `app=${NAME}`;
const PODS = ['hpa-target-0', 'hpa-target-1'];

async function json(args: string[]): Promise<unknown> {
  const result = await kubectl([...args, '-o', 'json']);
  if (result.code !== 0) throw new Error(result.stderr.trim());
  return JSON.parse(result.stdout) as unknown;
}

function numberAt(value: unknown, ...keys: string[]): number | undefined {
  let current: unknown = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'number' ? current : undefined;
}

describe('ComputeNodeGroup scale subresource and HPA', () => {
  let namespace: TestNamespace;
  const ns = (): string[] => ['-n', namespace.name];
  const specReplicas = async (): Promise<number | undefined> =>
    numberAt(await json(['get', 'cng', NAME, ...ns()]), 'spec', 'replicas');

  before(async () => {
    await installCrd();
    namespace = await freshNamespace('scale');
    const [group] = yamlObjects(
      await readFile(path.join(REPO_ROOT, 'examples', 'cn', 'cn.yaml'), 'utf8'),
      namespace.name,
    ).filter((object) => object['kind'] === 'ComputeNodeGroup');
    assert.ok(group);
    group['metadata'] = { name: NAME, namespace: namespace.name };
    group['spec'] = { ...(group['spec'] as object), replicas: 2 };
    const created = await kubectlCreate([group]);
    assert.equal(created.code, 0, created.stderr);
    // What the operator would report: the replica count and the selector of its pods.
    const status = await kubectl([
      'patch',
      'cng',
      NAME,
      ...ns(),
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { replicas: 2, labelSelector: SELECTOR } }),
    ]);
    assert.equal(status.code, 0, status.stderr);
  });
  after(async () => {
    await namespace.delete();
  });

  it('is scaled by kubectl scale and shows the status selector in the scale subresource', async () => {
    const scaled = await kubectl(['scale', `cng/${NAME}`, ...ns(), '--replicas=3']);
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.equal(await specReplicas(), 3);
    const scale = (await json(['get', 'cng', NAME, ...ns(), '--subresource=scale'])) as {
      kind: string;
      spec: { replicas: number };
      status: { replicas: number; selector: string };
    };
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 3);
    assert.deepEqual(scale.status, { replicas: 2, selector: SELECTOR });
    const back = await kubectl(['scale', `cng/${NAME}`, ...ns(), '--replicas=2']);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(await specReplicas(), 2);
  });

  it('is scaled out and back in by a real HPA reading the selected pods CPU', async () => {
    const pods = PODS.map((name) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: namespace.name, labels: { app: NAME } },
      spec: {
        containers: [{ name: 'cn', image: 'registry.invalid/none:0', resources: { requests: { cpu: '100m' } } }],
      },
    }));
    const created = await kubectlCreate(pods);
    assert.equal(created.code, 0, created.stderr);
    const waited = await kubectl(['wait', '--for=condition=Ready', 'pod', ...PODS, ...ns(), '--timeout=60s']);
    assert.equal(waited.code, 0, waited.stderr);
    // 100m used of 100m requested: 100 % against a 50 % target, so the HPA wants ceil(2 * 100 / 50) = 4.
    for (const pod of PODS) await setPodMetrics(namespace.name, pod, { cpu: '100m', memory: '10Mi' });

    const mark = await auditMark();
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: NAME, namespace: namespace.name },
      spec: {
        scaleTargetRef: { apiVersion: 'starrocks.com/v1alpha1', kind: 'ComputeNodeGroup', name: NAME },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
        ],
      },
    };
    const hpaCreated = await kubectlCreate([hpa]);
    assert.equal(hpaCreated.code, 0, hpaCreated.stderr);
    await waitFor(async () => (await specReplicas()) === 4, {
      description: 'the HPA to scale the group to 4',
      timeoutMs: 90_000,
      intervalMs: 1000,
    });
    const status = await json(['get', 'hpa', NAME, ...ns()]);
    const metrics = (status as { status?: { currentMetrics?: unknown[] } }).status?.currentMetrics ?? [];
    assert.equal(numberAt(metrics[0], 'resource', 'current', 'averageUtilization'), 100);

    // 10 % now: the HPA scales in, after the (shortened) downscale stabilization window, to its minimum.
    for (const pod of PODS) await setPodMetrics(namespace.name, pod, { cpu: '10m', memory: '10Mi' });
    await waitFor(async () => (await specReplicas()) === 1, {
      description: 'the HPA to scale the group in to 1',
      timeoutMs: 120_000,
      intervalMs: 1000,
    });

    // The changes came from the HPA controller through the scale subresource.
    const updates = await auditRequestsSince(mark, {
      namespace: namespace.name,
      resource: 'computenodegroups',
      subresource: 'scale',
      verb: 'update',
    });
    assert.ok(updates.length >= 2, `scale updates: ${updates.length}`);
    assert.ok(updates.every((update) => update.user === 'system:kube-controller-manager'));
  });
});
