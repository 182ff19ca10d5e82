// Content on demand over a metadata-only cache: one GET per resourceVersion, nothing for objects the metadata cache
// does not list, idle content forgotten.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentCache } from '../../../src/kube/content-cache.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import type { KubeObject, ResourceRef } from '../../../src/kube/objects.js';
import { KubeRest, type KubeRequest } from '../../../src/kube/rest.js';
import { SharedCaches } from '../../../src/kube/shared-caches.js';
import { createLogger } from '../../../src/runtime/logging.js';

const SECRETS: ResourceRef = { apiPath: '/api/v1', plural: 'secrets', namespaced: true, kind: 'Secret' };

function world() {
  const metadata = new Map<string, KubeObject>();
  const server = new Map<string, KubeObject>();
  const requests: KubeRequest[] = [];
  const put = (name: string, resourceVersion: string, data: Record<string, string>): void => {
    const meta = { name, namespace: 'ns', resourceVersion };
    metadata.set(`ns/${name}`, { metadata: meta });
    server.set(`/api/v1/namespaces/ns/secrets/${name}`, { metadata: { ...meta, managedFields: [{}] }, data });
  };
  const rest = {
    request(request: KubeRequest): Promise<unknown> {
      requests.push(request);
      const found = server.get(request.path);
      if (found !== undefined) return Promise.resolve(structuredClone(found));
      return Promise.reject(new KubeApiError('GET', request.path, { code: 404, reason: 'NotFound', message: 'gone' }));
    },
  };
  return { metadata, server, requests, put, rest };
}

describe('ContentCache', () => {
  it('fetches once per resourceVersion, without managedFields, and again after a change', async () => {
    const w = world();
    w.put('acct', '1', { FE_USR: 'cm9vdA==' });
    const cache = new ContentCache({ rest: w.rest, resource: SECRETS, metadata: { get: (k) => w.metadata.get(k) } });
    const first = await cache.get('ns', 'acct');
    assert.ok(first);
    assert.deepEqual(first['data'], { FE_USR: 'cm9vdA==' });
    assert.equal(first.metadata.managedFields, undefined);
    await cache.get('ns', 'acct');
    assert.equal(w.requests.length, 1);
    assert.equal(w.requests[0]?.timeoutMs, 10_000);
    w.put('acct', '2', { FE_USR: 'YWRtaW4=' });
    assert.deepEqual((await cache.get('ns', 'acct'))?.['data'], { FE_USR: 'YWRtaW4=' });
    assert.equal(w.requests.length, 2);
  });

  it('answers undefined without a request for what the metadata cache does not list, and forgets it', async () => {
    const w = world();
    w.put('acct', '1', {});
    const cache = new ContentCache({ rest: w.rest, resource: SECRETS, metadata: { get: (k) => w.metadata.get(k) } });
    await cache.get('ns', 'acct');
    w.metadata.delete('ns/acct');
    assert.equal(await cache.get('ns', 'acct'), undefined);
    assert.equal(await cache.get('ns', 'never'), undefined);
    assert.equal(w.requests.length, 1);
    assert.equal(cache.size, 0);
  });

  it('reads a 404 (deleted between the watch and the GET) as absent, and forgets idle content', async () => {
    const w = world();
    w.put('a', '1', {});
    w.put('b', '1', {});
    let now = 0;
    const cache = new ContentCache({
      rest: w.rest,
      resource: SECRETS,
      metadata: { get: (k) => w.metadata.get(k) },
      idleMs: 1000,
      now: () => now,
    });
    w.server.delete('/api/v1/namespaces/ns/secrets/a');
    assert.equal(await cache.get('ns', 'a'), undefined);
    await cache.get('ns', 'b');
    assert.equal(cache.size, 1);
    now = 5000;
    await cache.get('ns', 'never');
    assert.equal(cache.size, 0);
  });
});

describe('SharedCaches', () => {
  function caches(): SharedCaches {
    const connection = {
      server: new URL('http://127.0.0.1:9'),
      tls: { rejectUnauthorized: true },
      authorization: () => Promise.resolve(undefined),
      source: 'test',
    };
    return new SharedCaches({
      rest: new KubeRest(connection),
      namespaces: [],
      logger: createLogger({ name: 'test', level: 'silent' }),
    });
  }

  it('gives every controller the same cache for the same request, another for another selector or mode', () => {
    const shared = caches();
    const a = shared.informer(SECRETS, { metadataOnly: true });
    assert.equal(shared.informer(SECRETS, { metadataOnly: true }), a);
    assert.notEqual(shared.informer(SECRETS), a);
    assert.notEqual(shared.informer(SECRETS, { labelSelector: 'x=y' }), a);
    assert.equal(shared.size, 3);
  });

  it('refuses a new cache once started (it would never sync before the controllers run)', async () => {
    const shared = caches();
    shared.informer(SECRETS);
    shared.start();
    assert.throws(() => shared.informer(SECRETS, { metadataOnly: true }), /after the caches started/);
    assert.equal(shared.informer(SECRETS), shared.informer(SECRETS));
    await shared.stop();
  });
});
