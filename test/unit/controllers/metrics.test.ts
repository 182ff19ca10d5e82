import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { GroupMetrics, groupFigures } from '../../../src/controllers/computenodegroup/metrics.js';
import type { KubeObject } from '../../../src/kube/objects.js';

function group(name: string, spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  return { metadata: { name, namespace: 'sr' }, spec, ...(status === undefined ? {} : { status }) };
}

const scaled = group(
  'cn',
  { replicas: 4, autoScalingPolicy: { maxReplicas: 4 } },
  {
    replicas: 4,
    readyReplicas: 3,
    registeredReplicas: 4,
    servers: { available: 3, unavailable: 1, unregistered: 0, useless: 2 },
    conditions: [
      { type: 'Ready', status: 'False', reason: 'StaleEntries', message: 'x' },
      { type: 'FEReachable', status: 'True', reason: 'Connected', message: 'y' },
    ],
  },
);

function line(text: string, series: string, labels: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${series}{${labels}}`));
  return found === undefined ? undefined : Number(found.split(' ').at(-1));
}

describe('GroupMetrics', () => {
  it('exports the cached status figures and conditions of each group', async () => {
    const registry = new Registry();
    const metrics = new GroupMetrics(registry);
    metrics.watch(() => [scaled, group('plain', { replicas: 1 })]);
    const text = await registry.metrics();
    const cn = 'namespace="sr",group="cn"';
    assert.equal(line(text, 'starrocks_cn_group_spec_replicas', cn), 4);
    assert.equal(line(text, 'starrocks_cn_group_max_replicas', cn), 4);
    assert.equal(line(text, 'starrocks_cn_group_min_replicas', cn), 1, "the HPA's default minimum");
    assert.equal(line(text, 'starrocks_cn_group_ready_pods', cn), 3);
    assert.equal(line(text, 'starrocks_cn_group_not_alive_compute_nodes', cn), 1);
    assert.equal(line(text, 'starrocks_cn_group_stale_entries', cn), 2);
    assert.equal(
      line(text, 'starrocks_cn_group_condition', `${cn},type="Ready",status="False",reason="StaleEntries"`),
      1,
    );
    // A group without autoscaling or status has no such series, rather than zeros that would look like figures.
    assert.equal(line(text, 'starrocks_cn_group_max_replicas', 'namespace="sr",group="plain"'), undefined);
    assert.equal(line(text, 'starrocks_cn_group_pods', 'namespace="sr",group="plain"'), undefined);
    assert.equal(line(text, 'starrocks_cn_group_spec_replicas', 'namespace="sr",group="plain"'), 1);
  });

  it('follows the cache: a deleted group loses its series, a changed one shows the change', async () => {
    const registry = new Registry();
    const metrics = new GroupMetrics(registry);
    let cached: KubeObject[] = [scaled];
    metrics.watch(() => cached);
    await registry.metrics();
    cached = [group('cn', { replicas: 6, autoScalingPolicy: { maxReplicas: 8 } })];
    const text = await registry.metrics();
    assert.equal(line(text, 'starrocks_cn_group_spec_replicas', 'namespace="sr",group="cn"'), 6);
    assert.equal(line(text, 'starrocks_cn_group_condition', 'namespace="sr",group="cn",type="Ready"'), undefined);
    cached = [];
    assert.doesNotMatch(await registry.metrics(), /group="cn"/);
  });

  it('counts membership changes and forgets a deleted group', async () => {
    const registry = new Registry();
    const metrics = new GroupMetrics(registry);
    metrics.membership.changed('sr', 'cn', 'add', 3);
    metrics.membership.changed('sr', 'cn', 'add', 1);
    metrics.membership.changed('sr', 'cn', 'drop', 2);
    let text = await registry.metrics();
    assert.equal(
      line(text, 'starrocks_cn_group_membership_changes_total', 'namespace="sr",group="cn",action="add"'),
      4,
    );
    assert.equal(
      line(text, 'starrocks_cn_group_membership_changes_total', 'namespace="sr",group="cn",action="drop"'),
      2,
    );
    metrics.membership.forget('sr', 'cn');
    text = await registry.metrics();
    assert.doesNotMatch(text, /group="cn"/);
  });

  it('ignores what is not a namespaced group and bad figures', () => {
    assert.equal(groupFigures({ metadata: { name: 'x' } }), undefined);
    const figures = groupFigures(group('g', { replicas: -3 }, { replicas: 'many', conditions: 'none' }));
    assert.equal(figures?.specReplicas, undefined);
    assert.equal(figures?.pods, undefined);
    assert.deepEqual(figures?.conditions, []);
  });
});
