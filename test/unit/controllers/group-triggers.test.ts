import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startsPass } from '../../../src/controllers/computenodegroup/group-triggers.js';
import type { KubeObject } from '../../../src/kube/objects.js';

function group(version: number, change: Partial<KubeObject['metadata']> = {}, status: unknown = {}): KubeObject {
  return {
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: {
      name: 'g',
      namespace: 'analytics',
      resourceVersion: String(version),
      generation: 1,
      labels: { team: 'bi' },
      finalizers: ['starrocks.com/computenodegroup'],
      ...change,
    },
    spec: { replicas: 3 },
    status,
  };
}

describe('startsPass', () => {
  it('skips an update that changed only the status and the resourceVersion', () => {
    assert.equal(startsPass('update', group(2, {}, { readyReplicas: 1 }), group(1)), false);
  });

  it('passes on a new generation, labels, annotations, finalizers or a deletion', () => {
    const changes: Partial<KubeObject['metadata']>[] = [
      { generation: 2 },
      { labels: { team: 'ops' } },
      { labels: undefined },
      { annotations: { note: 'x' } },
      { finalizers: [] },
      { deletionTimestamp: '2026-12-03T08:00:00Z' },
    ];
    for (const change of changes) {
      assert.equal(startsPass('update', group(2, change), group(1)), true, JSON.stringify(change));
    }
  });

  it('always passes on add, resync and delete, and on an update without the version it replaced', () => {
    for (const type of ['add', 'resync', 'delete'] as const) assert.equal(startsPass(type, group(2), group(1)), true);
    assert.equal(startsPass('update', group(2), undefined), true);
  });
});
