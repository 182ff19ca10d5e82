import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupTriggers } from '../../../src/controllers/computenodegroup/group-triggers.js';
import type { KubeObject } from '../../../src/kube/objects.js';

const KEY = 'analytics/g';

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

describe('GroupTriggers', () => {
  it('skips an update that changed only the status and the resourceVersion', () => {
    const triggers = new GroupTriggers();
    assert.equal(triggers.calls('add', KEY, group(1)), true);
    assert.equal(triggers.calls('update', KEY, group(2, {}, { readyReplicas: 1 })), false);
    assert.equal(triggers.calls('update', KEY, group(3, {}, { readyReplicas: 2 })), false);
  });

  it('passes on a new generation, labels, annotations, finalizers or a deletion', () => {
    const changes: Partial<KubeObject['metadata']>[] = [
      { generation: 2 },
      { labels: { team: 'ops' } },
      { annotations: { note: 'x' } },
      { finalizers: [] },
      { deletionTimestamp: '2026-12-03T08:00:00Z' },
    ];
    for (const change of changes) {
      const triggers = new GroupTriggers();
      triggers.calls('add', KEY, group(1));
      assert.equal(triggers.calls('update', KEY, group(2, change)), true, JSON.stringify(change));
      // The change is remembered: the status write that follows it is skipped again.
      assert.equal(triggers.calls('update', KEY, group(3, change, { readyReplicas: 1 })), false);
    }
  });

  it('always passes on add, resync and delete, and on the first event it sees of a group', () => {
    const triggers = new GroupTriggers();
    assert.equal(triggers.calls('update', KEY, group(1)), true);
    assert.equal(triggers.calls('resync', KEY, group(1)), true);
    assert.equal(triggers.calls('delete', KEY, group(1)), true);
    // Forgotten on delete: a group created again under the same name starts afresh.
    assert.equal(triggers.calls('update', KEY, group(2)), true);
  });

  it('keeps groups apart', () => {
    const triggers = new GroupTriggers();
    triggers.calls('add', KEY, group(1));
    assert.equal(triggers.calls('update', 'analytics/other', group(2)), true);
    assert.equal(triggers.calls('update', KEY, group(3)), false);
  });
});
