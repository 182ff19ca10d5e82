// The APIService goes through the Applier: one GET, then, when the decision says so, one server-side apply with the
// operator's field manager; an update carries the resourceVersion it decided on. Every request is one the custom
// metrics API's access table grants.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_SERVICE_NAME } from '../../../src/custom-metrics/api.js';
import { CUSTOM_METRICS_GRANTS } from '../../../src/custom-metrics/access.js';
import { API_SERVICE_PATH, desiredApiService } from '../../../src/custom-metrics/apiservice.js';
import { ensureApiService } from '../../../src/custom-metrics/server.js';
import type { Verb } from '../../../src/kube/access.js';
import { Applier, FIELD_MANAGER } from '../../../src/kube/apply.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import type { KubeRequest } from '../../../src/kube/rest.js';

const service = { namespace: 'op', name: 'cn-operator-metrics', port: 443 };
/** This operator's APIService, with the CA `CA`. */
const ours = { ...desiredApiService(service, 'CA'), metadata: { name: API_SERVICE_NAME, resourceVersion: '7' } };

/** An API server holding at most the one APIService (`stored`); answers an apply with what was sent. */
function fakeApi(stored: unknown): { applier: Applier; requests: KubeRequest[] } {
  const requests: KubeRequest[] = [];
  const rest = {
    request: (request: KubeRequest): Promise<unknown> => {
      requests.push(request);
      if (request.method !== 'GET') return Promise.resolve(request.body);
      if (stored !== undefined) return Promise.resolve(stored);
      return Promise.reject(
        new KubeApiError('GET', request.path, { code: 404, reason: 'NotFound', message: 'absent' }),
      );
    },
  };
  return { applier: new Applier(rest), requests };
}

/** The verbs the table grants on this APIService. */
function granted(): Set<Verb> {
  const verbs = new Set<Verb>();
  for (const grant of CUSTOM_METRICS_GRANTS) {
    if (!('access' in grant.role)) continue;
    for (const access of grant.role.access) {
      const names = access.resourceNames ?? [API_SERVICE_NAME];
      if (access.resource !== 'apiservices' || !access.apiGroups.includes('apiregistration.k8s.io')) continue;
      if (names.includes(API_SERVICE_NAME)) for (const verb of access.verbs) verbs.add(verb);
    }
  }
  return verbs;
}

/** What RBAC checks for each request: a GET is `get`; an apply is `patch`, and `create` too when it creates. */
function verbsOf(requests: readonly KubeRequest[], creates: boolean): Verb[] {
  return requests.flatMap((request): Verb[] => {
    if (request.method === 'GET') return ['get'];
    assert.equal(request.method, 'PATCH');
    return creates ? ['patch', 'create'] : ['patch'];
  });
}

function applied(request: KubeRequest | undefined): { metadata: Record<string, unknown>; spec: unknown } {
  assert.equal(request?.path, API_SERVICE_PATH);
  assert.equal(request.contentType, 'application/apply-patch+yaml');
  assert.deepEqual(request.query, { fieldManager: FIELD_MANAGER, force: true, fieldValidation: 'Strict' });
  return request.body as { metadata: Record<string, unknown>; spec: unknown };
}

describe('the APIService, written through the Applier', () => {
  it('is created by one server-side apply when absent, with verbs the access table grants', async () => {
    const { applier, requests } = fakeApi(undefined);
    assert.deepEqual(await ensureApiService(applier, service, 'CA'), { kind: 'create' });
    assert.deepEqual(
      requests.map((r) => [r.method, r.path]),
      [
        ['GET', API_SERVICE_PATH],
        ['PATCH', API_SERVICE_PATH],
      ],
    );
    const body = applied(requests[1]);
    assert.deepEqual(body.spec, desiredApiService(service, 'CA').spec);
    assert.equal(body.metadata['resourceVersion'], undefined);
    const missing = verbsOf(requests, true).filter((verb) => !granted().has(verb));
    assert.deepEqual(missing, [], 'deploy/custom-metrics/rbac.yaml would refuse these');
  });

  it('is updated on a new CA when it is ours, on the resourceVersion read (a change since then is a conflict)', async () => {
    const { applier, requests } = fakeApi(ours);
    assert.deepEqual(await ensureApiService(applier, service, 'NEW CA'), { kind: 'update', resourceVersion: '7' });
    const body = applied(requests[1]);
    assert.equal(body.metadata['resourceVersion'], '7');
    assert.deepEqual(body.spec, desiredApiService(service, 'NEW CA').spec);
    assert.deepEqual(
      verbsOf(requests, false).filter((verb) => !granted().has(verb)),
      [],
    );
  });

  it("is only read when it is current, or another service's", async () => {
    const adapter = {
      metadata: { name: API_SERVICE_NAME },
      spec: { service: { namespace: 'monitoring', name: 'prometheus-adapter', port: 443 } },
    };
    for (const [stored, kind] of [
      [ours, 'unchanged'],
      [adapter, 'foreign'],
    ] as const) {
      const { applier, requests } = fakeApi(stored);
      assert.equal((await ensureApiService(applier, service, 'CA')).kind, kind);
      assert.deepEqual(
        requests.map((r) => r.method),
        ['GET'],
      );
    }
  });
});
