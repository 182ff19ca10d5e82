import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CPU_ANNOTATION,
  MEMORY_ANNOTATION,
  podMetrics,
  podMetricsList,
  podUsage,
  route,
  type PodView,
} from '../../../metrics-api/metrics.js';

const now = new Date('2026-01-01T00:00:00Z');
function pod(name: string, annotations: Record<string, string>, phase = 'Running'): PodView {
  return { name, namespace: 'ns', labels: { app: 'x' }, annotations, phase, containers: ['cn', 'register'] };
}

describe('metrics API routes', () => {
  it('maps the paths the HPA controller and kubectl top use', () => {
    assert.deepEqual(route('/apis/metrics.k8s.io/v1beta1'), { kind: 'resources' });
    assert.deepEqual(route('/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods'), { kind: 'pods', namespace: 'ns' });
    assert.deepEqual(route('/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods/p-0'), {
      kind: 'pod',
      namespace: 'ns',
      name: 'p-0',
    });
    assert.deepEqual(route('/apis/metrics.k8s.io/v1beta1/pods'), { kind: 'pods', namespace: null });
    assert.deepEqual(route('/healthz'), { kind: 'health' });
  });
  it('answers not-found for other groups, versions and malformed names', () => {
    for (const p of [
      '/apis/metrics.k8s.io/v1',
      '/apis/other/v1beta1',
      '/apis/metrics.k8s.io/v1beta1/namespaces/NS/pods',
      '/',
    ]) {
      assert.deepEqual(route(p), { kind: 'not-found' }, p);
    }
  });
});

describe('pod metrics from annotations', () => {
  it('reports the annotated usage for every container of a Running pod', () => {
    const metrics = podMetrics(pod('a', { [CPU_ANNOTATION]: '800m', [MEMORY_ANNOTATION]: '64Mi' }), now);
    assert.ok(metrics);
    assert.deepEqual(metrics.containers, [
      { name: 'cn', usage: { cpu: '800m', memory: '64Mi' } },
      { name: 'register', usage: { cpu: '800m', memory: '64Mi' } },
    ]);
    assert.equal(metrics.timestamp, now.toISOString());
  });
  it('reports zero for the resource that is not annotated', () => {
    assert.deepEqual(podUsage(pod('a', { [CPU_ANNOTATION]: '1' })), { ok: true, cpu: '1', memory: '0' });
  });
  it('reports nothing for pods without annotations or not Running, and explains invalid quantities', () => {
    assert.equal(podMetrics(pod('a', {}), now), null);
    assert.equal(podMetrics(pod('a', { [CPU_ANNOTATION]: '1' }, 'Pending'), now), null);
    const invalid = podUsage(pod('a', { [CPU_ANNOTATION]: 'lots' }));
    if (invalid.ok) assert.fail('an invalid quantity must not give usage');
    assert.match(invalid.reason, /usage-cpu="lots" is not a Kubernetes quantity/);
  });
  it('lists only the pods that have metrics', () => {
    const list = podMetricsList([pod('a', { [CPU_ANNOTATION]: '100m' }), pod('b', {})], now) as {
      items: { metadata: { name: string } }[];
    };
    assert.deepEqual(
      list.items.map((item) => item.metadata.name),
      ['a'],
    );
  });
});
