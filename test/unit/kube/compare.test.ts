import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  Applier,
  APPLIED_HASH_ANNOTATION,
  DROPPED_FIELDS_RECHECK_MS,
  type DesiredObject,
} from '../../../src/kube/apply.js';
import type { KubeRequest } from '../../../src/kube/rest.js';
import {
  canonicalJson,
  configHash,
  isEquivalent,
  isSubset,
  missingFields,
  withoutFields,
} from '../../../src/kube/compare.js';

const desired: DesiredObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'cn-cn', namespace: 'ns', labels: { app: 'cn' } },
  spec: { clusterIP: 'None', ports: [{ name: 'heartbeat', port: 9050 }] },
};

/** What the API server returns after applying `desired`: defaults and other managers' fields added. */
function served(from: DesiredObject): Record<string, unknown> & DesiredObject {
  const stamped = Applier.stamp(from);
  return {
    ...stamped,
    metadata: {
      ...stamped.metadata,
      uid: 'u',
      resourceVersion: '7',
      annotations: { ...stamped.metadata.annotations, other: 'x' },
    },
    spec: {
      ...(stamped['spec'] as object),
      ports: [{ name: 'heartbeat', port: 9050, protocol: 'TCP', targetPort: 9050 }],
    },
    status: { loadBalancer: {} },
  };
}

describe('isSubset', () => {
  it('accepts server defaults and foreign fields, not changed or missing values', () => {
    assert.equal(isSubset({ a: 1, b: { c: [{ d: 1 }] } }, { a: 1, x: 2, b: { c: [{ d: 1, e: 3 }] } }), true);
    assert.equal(isSubset({ a: 1 }, { a: 2 }), false);
    assert.equal(isSubset({ a: [1, 2] }, { a: [1] }), false);
    assert.equal(isSubset({ a: { b: 1 } }, {}), false);
    assert.equal(isSubset({ labels: {} }, {}), true, 'the server drops empty maps');
    assert.equal(isSubset({ a: null }, { a: 1 }), false, 'null asks for removal');
    assert.equal(isSubset({ a: [] }, { a: [1] }), false);
    assert.equal(isSubset({ a: '1' }, { a: 1 }), false);
  });

  it("accepts the API server's canonical spelling of a quantity, not a different value", () => {
    assert.equal(isSubset({ cpu: '4000m', memory: '1024Mi' }, { cpu: '4', memory: '1Gi' }), true);
    assert.equal(isSubset({ cpu: '4000m' }, { cpu: '4001m' }), false);
  });
});

describe('isEquivalent', () => {
  it('treats absent, null and empty alike and compares the rest deeply', () => {
    assert.equal(isEquivalent({ a: 1, b: [] }, { a: 1 }), true);
    assert.equal(isEquivalent({ a: 1 }, { a: 1, c: 2 }), false);
    assert.equal(isEquivalent([{ a: 1 }], [{ a: 1 }]), true);
  });
});

describe('configHash', () => {
  it('is independent of key order and changes with any value', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
    assert.equal(configHash({ a: 1, b: 2 }), configHash({ b: 2, a: 1 }));
    assert.notEqual(configHash({ a: 1 }), configHash({ a: 2 }));
  });
});

describe('Applier.matches', () => {
  it('skips the write when the served object holds the same applied configuration', () => {
    assert.equal(Applier.matches(desired, served(desired)), true);
  });

  it('writes when a field we own was changed by someone else', () => {
    const drifted = served(desired);
    drifted['spec'] = { clusterIP: 'None', ports: [{ name: 'heartbeat', port: 9999 }] };
    assert.equal(Applier.matches(desired, drifted), false);
  });

  it('writes when a field was removed from the desired object (hash differs)', () => {
    const before: DesiredObject = { ...desired, metadata: { ...desired.metadata, labels: { app: 'cn', tier: 'x' } } };
    assert.equal(Applier.matches(desired, served(before)), false);
  });

  it('writes when there is no cached object or no hash annotation', () => {
    assert.equal(Applier.matches(desired, undefined), false);
    const unstamped = served(desired);
    unstamped.metadata.annotations = {};
    assert.equal(Applier.matches(desired, unstamped), false);
    assert.equal(served(desired).metadata.annotations?.[APPLIED_HASH_ANNOTATION], configHash(desired));
  });
});

describe('fields the API server drops', () => {
  const statefulSet: DesiredObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'cn', namespace: 'ns' },
    spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } },
  };
  /** The answer of an API server whose MaxUnavailableStatefulSet gate is off. */
  function withoutMaxUnavailable(from: DesiredObject): Record<string, unknown> & DesiredObject {
    const stamped = Applier.stamp(from);
    return {
      ...stamped,
      metadata: { ...stamped.metadata, uid: 'u', resourceVersion: '9' },
      spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } },
    };
  }

  it('missingFields names each field the answer lacks, by its path', () => {
    const stamped = Applier.stamp(statefulSet);
    const { apiVersion: _a, kind: _k, ...fields } = stamped;
    assert.deepEqual(missingFields(fields, withoutMaxUnavailable(statefulSet)), [
      ['spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable'],
    ]);
    assert.deepEqual(missingFields(fields, served(statefulSet)), []);
    assert.deepEqual(missingFields({ a: [1, 2] }, {}), [['a']], 'an array is one field');
    // Held with another value (a webhook, a normalisation): a difference to apply again, not a dropped field.
    assert.deepEqual(missingFields({ a: [1, 2], b: 'x' }, { a: [1], b: 'y' }), []);
    // omitempty: a zero value comes back absent, and that is no difference at all.
    assert.deepEqual(missingFields({ minReadySeconds: 0, paused: false }, {}), []);
    assert.equal(isSubset({ minReadySeconds: 0 }, {}), true);
    assert.deepEqual(
      missingFields({ labels: { 'app.kubernetes.io/name': 'cn' } }, { labels: {} }),
      [['labels', 'app.kubernetes.io/name']],
      'a key with dots is one step',
    );
  });

  it('withoutFields removes exactly those paths', () => {
    assert.deepEqual(withoutFields({ a: { b: 1, c: 2 }, d: 3 }, [['a', 'b']]), { a: { c: 2 }, d: 3 });
    const labels = { 'app.kubernetes.io/name': 'cn', app: { kubernetes: 1 } };
    assert.deepEqual(withoutFields({ labels }, [['labels', 'app.kubernetes.io/name']]), {
      labels: { app: { kubernetes: 1 } },
    });
    assert.deepEqual(withoutFields({ a: { b: 1 } }, []), { a: { b: 1 } });
  });

  it('the Applier applies once, learns the dropped field, then stops writing; a new configuration is applied again', async () => {
    const requests: unknown[] = [];
    const rest = {
      request: (request: KubeRequest): Promise<unknown> => {
        requests.push(request.body);
        return Promise.resolve(withoutMaxUnavailable(statefulSet));
      },
    };
    const applier = new Applier(rest);
    const resource = { apiPath: '/apis/apps/v1', plural: 'statefulsets', namespaced: true, kind: 'StatefulSet' };
    const first = await applier.applyObject(resource, statefulSet, undefined);
    assert.deepEqual(first.dropped, ['spec.updateStrategy.rollingUpdate.maxUnavailable']);
    const again = await applier.applyObject(resource, statefulSet, withoutMaxUnavailable(statefulSet));
    assert.equal(again.written, false, 'no request for a field the server will drop again');
    assert.deepEqual(again.dropped, ['spec.updateStrategy.rollingUpdate.maxUnavailable']);
    assert.equal(requests.length, 1);

    const changed: DesiredObject = { ...statefulSet, spec: { ...(statefulSet['spec'] as object), replicas: 4 } };
    await applier.applyObject(resource, changed, withoutMaxUnavailable(statefulSet));
    assert.equal(requests.length, 2, 'a changed configuration is sent');
    // Someone removes a field the server keeps: the comparison still sees it.
    assert.equal(Applier.matches(statefulSet, withoutMaxUnavailable(statefulSet)), false);
  });

  it('asks again once the dropped field is old news (a feature gate may have been turned on)', async () => {
    let now = 0;
    let requests = 0;
    const rest = {
      request: (_request: KubeRequest): Promise<unknown> => {
        requests++;
        return Promise.resolve(withoutMaxUnavailable(statefulSet));
      },
    };
    const applier = new Applier(rest, undefined, undefined, () => now);
    const resource = { apiPath: '/apis/apps/v1', plural: 'statefulsets', namespaced: true, kind: 'StatefulSet' };
    await applier.applyObject(resource, statefulSet, undefined);
    now = DROPPED_FIELDS_RECHECK_MS - 1;
    await applier.applyObject(resource, statefulSet, withoutMaxUnavailable(statefulSet));
    assert.equal(requests, 1);
    now = DROPPED_FIELDS_RECHECK_MS;
    await applier.applyObject(resource, statefulSet, withoutMaxUnavailable(statefulSet));
    assert.equal(requests, 2);
  });
});

describe('Applier: comparisons remembered for frozen desired objects', () => {
  const resource = { apiPath: '/api/v1', plural: 'services', namespaced: true, kind: 'Service' };
  function countingApplier(): { applier: Applier; requests: () => number } {
    let requests = 0;
    const rest = {
      request: (request: KubeRequest): Promise<unknown> => {
        requests++;
        return Promise.resolve(served(request.body as DesiredObject));
      },
    };
    return { applier: new Applier(rest), requests: () => requests };
  }

  it('a frozen desired object that matched a cached object is compared again once the cache holds a new object', async () => {
    const { applier, requests } = countingApplier();
    const frozen = structuredClone(desired);
    Object.freeze(frozen);
    const cached = served(desired);
    assert.equal((await applier.applyObject(resource, frozen, cached)).written, false);
    assert.equal((await applier.applyObject(resource, frozen, cached)).written, false);
    // Someone changed a field this operator owns: the informer holds a new object, which no longer matches.
    const drifted = { ...cached, spec: { ...(cached['spec'] as object), clusterIP: '10.0.0.9' } };
    assert.equal((await applier.applyObject(resource, frozen, drifted)).written, true);
    assert.equal(requests(), 1);
  });

  it('an unfrozen desired object changed in place between calls is compared again (nothing is remembered for it)', async () => {
    const { applier, requests } = countingApplier();
    const mutable = structuredClone(desired);
    const cached = served(desired);
    assert.equal((await applier.applyObject(resource, mutable, cached)).written, false);
    (mutable['spec'] as { clusterIP: string }).clusterIP = '10.0.0.9';
    assert.equal((await applier.applyObject(resource, mutable, cached)).written, true);
    assert.equal(requests(), 1);
  });
});
