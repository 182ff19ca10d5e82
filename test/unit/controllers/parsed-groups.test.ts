import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCachedGroup } from '../../../src/controllers/computenodegroup/parsed-groups.js';

function cached(replicas: number): Record<string, unknown> {
  return {
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'g', namespace: 'analytics', uid: 'u-1', resourceVersion: String(replicas) },
    spec: {
      replicas,
      feInfo: { addresses: ['10.20.0.5:9030'], accountSecret: 'fe-account' },
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.5' },
    },
  };
}

describe('parseCachedGroup', () => {
  it('parses a cached object once and a replaced one again', () => {
    const first = cached(2);
    const once = parseCachedGroup(first);
    assert.equal(parseCachedGroup(first), once);
    const replaced = parseCachedGroup(cached(5));
    assert.notEqual(replaced, once);
    assert.ok(once.ok && replaced.ok);
    assert.equal(once.value.spec.replicas, 2);
    assert.equal(replaced.value.spec.replicas, 5);
  });

  it('freezes the parsed group, nested values included', () => {
    const result = parseCachedGroup(cached(3));
    assert.ok(result.ok);
    assert.throws(() => {
      result.value.spec.replicas = 9;
    }, TypeError);
    assert.throws(() => {
      result.value.spec.feInfo.addresses.push('10.20.0.6:9030');
    }, TypeError);
  });

  it('remembers a refusal too, and parses what is not an object', () => {
    const invalid = { ...cached(1), spec: { replicas: -1 } };
    const refused = parseCachedGroup(invalid);
    assert.equal(refused.ok, false);
    assert.equal(parseCachedGroup(invalid), refused);
    assert.equal(parseCachedGroup(undefined).ok, false);
  });
});
