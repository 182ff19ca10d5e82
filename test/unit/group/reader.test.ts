// The group reader shared by `offline` and `cngctl status`: the paths it asks the API server for, a 404 read as
// "does not exist", and one bounded sequence of reads whose failures name the object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readGroupObjects, restGroupReader, type GroupReader } from '../../../src/group/reader.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import type { KubeRequest } from '../../../src/kube/rest.js';

const group = {
  apiVersion: 'starrocks.com/v1alpha1',
  kind: 'ComputeNodeGroup',
  metadata: { name: 'g', namespace: 'ns' },
  spec: {
    feInfo: { addresses: ['127.0.0.1:9030'], accountSecret: 'acct' },
    cnInfo: { configMap: 'conf' },
    images: { cnImage: 'cn:1' },
  },
};

function fakeRest(objects: Record<string, unknown>): {
  rest: { request(r: KubeRequest): Promise<unknown> };
  seen: KubeRequest[];
} {
  const seen: KubeRequest[] = [];
  return {
    seen,
    rest: {
      request(request: KubeRequest): Promise<unknown> {
        seen.push(request);
        if (request.path in objects) return Promise.resolve(objects[request.path]);
        return Promise.reject(
          new KubeApiError('GET', request.path, {
            code: 404,
            reason: 'NotFound',
            message: `${request.path} not found`,
          }),
        );
      },
    },
  };
}

describe('restGroupReader', () => {
  it('reads the group, Secret, ConfigMap and pods at their API paths, each request bounded', async () => {
    const { rest, seen } = fakeRest({
      '/apis/starrocks.com/v1alpha1/namespaces/ns/computenodegroups/g': group,
      '/api/v1/namespaces/ns/secrets/acct': { data: {} },
      '/api/v1/namespaces/ns/pods': { items: [{ metadata: { name: 'g-0' } }] },
    });
    const reader = restGroupReader(rest, 1234);
    assert.deepEqual(await reader.getGroup('ns', 'g'), group);
    assert.deepEqual(await reader.getSecret('ns', 'acct'), { data: {} });
    assert.equal(await reader.getConfigMap('ns', 'conf'), undefined);
    assert.deepEqual(await reader.listPods('ns', 'a=b'), [{ metadata: { name: 'g-0' } }]);
    assert.deepEqual(seen.at(-1)?.query, { labelSelector: 'a=b' });
    assert.ok(seen.every((request) => request.method === 'GET' && request.timeoutMs === 1234));
  });

  it('escapes names in paths and refuses a pod list without items', async () => {
    const { rest, seen } = fakeRest({ '/api/v1/namespaces/ns/pods': { kind: 'Status' } });
    const reader = restGroupReader(rest, 1000);
    assert.equal(await reader.getSecret('ns', 'a/b'), undefined);
    assert.equal(seen[0]?.path, '/api/v1/namespaces/ns/secrets/a%2Fb');
    await assert.rejects(reader.listPods('ns', 'a=b'), /the answer has no items/);
  });
});

describe('readGroupObjects', () => {
  const reader = (overrides: Partial<GroupReader> = {}): GroupReader => ({
    getGroup: () => Promise.resolve(group),
    getSecret: () => Promise.resolve({ data: {} }),
    getConfigMap: () => Promise.resolve(undefined),
    listPods: () => Promise.resolve([]),
    ...overrides,
  });

  it('reads the objects the group names and lists its pods by its selector', async () => {
    let selector = '';
    const read = await readGroupObjects(
      reader({
        listPods: (_namespace, labelSelector) => {
          selector = labelSelector;
          return Promise.resolve([{ metadata: { name: 'g-0' } }]);
        },
      }),
      'ns',
      'g',
      1000,
    );
    assert.ok(read.ok);
    assert.equal(read.value.group.metadata.name, 'g');
    assert.deepEqual(read.value.secret, { data: {} });
    assert.equal(read.value.configMap, undefined);
    assert.equal(read.value.pods.length, 1);
    assert.match(selector, /app\.kubernetes\.io\/instance=g/);
  });

  it('says when the group is missing or invalid', async () => {
    const missing = await readGroupObjects(reader({ getGroup: () => Promise.resolve(undefined) }), 'ns', 'g', 1000);
    assert.deepEqual(missing, { ok: false, failure: 'NotFound', message: 'ComputeNodeGroup ns/g not found' });
    const invalid = await readGroupObjects(
      reader({ getGroup: () => Promise.resolve({ ...group, spec: { ...group.spec, feInfo: {} } }) }),
      'ns',
      'g',
      1000,
    );
    assert.ok(!invalid.ok);
    assert.equal(invalid.failure, 'Invalid');
    assert.match(invalid.message, /spec\.feInfo/);
  });

  it('names the object whose read failed or never answered', async () => {
    const failed = await readGroupObjects(
      reader({ getSecret: () => Promise.reject(new Error('connect ECONNREFUSED')) }),
      'ns',
      'g',
      1000,
    );
    assert.deepEqual(failed, {
      ok: false,
      failure: 'ReadFailed',
      message: 'reading Secret ns/acct failed: connect ECONNREFUSED',
    });
    const hung = await readGroupObjects(
      reader({ getConfigMap: () => new Promise<unknown>(() => undefined) }),
      'ns',
      'g',
      30,
    );
    assert.deepEqual(hung, {
      ok: false,
      failure: 'ReadFailed',
      message: 'reading ConfigMap ns/conf: no answer within 30 ms',
    });
  });
});
