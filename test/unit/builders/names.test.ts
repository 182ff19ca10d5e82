import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  headlessServiceName,
  labelSelectorString,
  podFqdn,
  podLabels,
  podName,
  selectorLabels,
  statefulSetName,
} from '../../../src/builders/names.js';
import { podOrdinal } from '../../../src/cn/index.js';

const cng = { metadata: { name: 'cn-a', namespace: 'starrocks' } };

describe('names', () => {
  it('derives the children names from the group name', () => {
    assert.equal(statefulSetName(cng), 'cn-a');
    assert.equal(headlessServiceName(cng), 'cn-a-cn');
    assert.equal(podName(cng, 12), 'cn-a-12');
    assert.equal(podFqdn(cng, 3), 'cn-a-3.cn-a-cn.starrocks.svc.cluster.local');
  });

  it('uses the default namespace when the group has none', () => {
    assert.equal(podFqdn({ metadata: { name: 'x' } }, 0), 'x-0.x-cn.default.svc.cluster.local');
  });

  it('selects pods by name, instance and managed-by; pods add the component', () => {
    assert.deepEqual(selectorLabels(cng), {
      'app.kubernetes.io/name': 'starrocks-cn',
      'app.kubernetes.io/instance': 'cn-a',
      'app.kubernetes.io/managed-by': 'starrocks-cn-operator',
    });
    assert.equal(podLabels(cng)['app.kubernetes.io/component'], 'cn');
    assert.equal(
      labelSelectorString(cng),
      'app.kubernetes.io/instance=cn-a,app.kubernetes.io/managed-by=starrocks-cn-operator,app.kubernetes.io/name=starrocks-cn',
    );
  });

  it('reads ordinals as numbers and only for this group', () => {
    assert.equal(podOrdinal(statefulSetName(cng), 'cn-a-10'), 10);
    assert.equal(podOrdinal(statefulSetName(cng), 'cn-a-0'), 0);
    assert.equal(podOrdinal(statefulSetName(cng), 'cn-a-b-1'), undefined);
    assert.equal(podOrdinal(statefulSetName(cng), 'cn-a-01'), undefined);
    assert.equal(podOrdinal(statefulSetName(cng), 'other-1'), undefined);
  });
});
