import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metricValueList, route, toQuantity, apiResourceList } from '../../../src/custom-metrics/api.js';
import { decideApiService, desiredApiService } from '../../../src/custom-metrics/apiservice.js';
import { accessReview, parseRequestHeaderConfig } from '../../../src/custom-metrics/auth.js';
import { parseServiceRef } from '../../../src/runtime/service-ref.js';
import type { BoardEntry } from '../../../src/load/board.js';
import type { GroupLoad } from '../../../src/load/figures.js';

const BASE = '/apis/custom.metrics.k8s.io/v1beta2';

function entry(name: string, load: Partial<GroupLoad>, observedAt = new Date('2026-12-01T10:00:00Z')): BoardEntry {
  return {
    namespace: 'ns',
    name,
    observedAt,
    load: {
      aliveComputeNodes: 2,
      runningQueries: 3,
      pendingQueries: 1.5,
      queryLoad: 4.5,
      slotLoad: 5,
      cpuUsedPercent: 40,
      memUsedPercent: 20,
      gaps: [],
      ...load,
    },
  };
}

describe('custom metrics routes', () => {
  it('serves the group, its resources and the metrics of ComputeNodeGroups only', () => {
    assert.deepEqual(route('/apis/custom.metrics.k8s.io'), { kind: 'group' });
    assert.deepEqual(route(BASE), { kind: 'resources' });
    assert.deepEqual(route(`${BASE}/namespaces/ns/computenodegroups.starrocks.com/g/query_load`), {
      kind: 'metric',
      namespace: 'ns',
      name: 'g',
      metric: 'query_load',
    });
    assert.equal(route(`${BASE}/namespaces/ns/pods/p/query_load`).kind, 'not-found');
    assert.equal(route(`${BASE}/namespaces/ns/computenodegroups.starrocks.com/g/bogus`).kind, 'not-found');
    assert.equal(route('/apis/custom.metrics.k8s.io/v1beta1').kind, 'not-found');
    const names = (apiResourceList()['resources'] as { name: string }[]).map((resource) => resource.name);
    assert.ok(names.includes('computenodegroups.starrocks.com/query_load'));
  });

  it('answers fresh figures as quantities and leaves out stale or unknown ones, saying why', () => {
    const target = { kind: 'metric', namespace: 'ns', name: '*', metric: 'query_load' } as const;
    const now = new Date('2026-12-01T10:00:20Z');
    const fresh = metricValueList(target, [entry('a', {}), entry('b', { queryLoad: 2 })], { now, maxAgeMs: 60_000 });
    assert.deepEqual(
      fresh.items.map((item) => [(item['describedObject'] as { name: string }).name, item['value']]),
      [
        ['a', '4500m'],
        ['b', '2'],
      ],
    );
    const stale = metricValueList({ ...target, name: 'a' }, [entry('a', {})], { now, maxAgeMs: 10_000 });
    assert.equal(stale.items.length, 0);
    assert.match(stale.missing ?? '', /20s old/);
    const unknown = metricValueList(
      { ...target, name: 'a' },
      [entry('a', { queryLoad: null, gaps: [{ kind: 'QueueUnsupported', message: 'FE too old' }] })],
      { now, maxAgeMs: 60_000 },
    );
    assert.match(unknown.missing ?? '', /FE too old/);
  });

  it('writes quantities exactly', () => {
    assert.equal(toQuantity(0), '0');
    assert.equal(toQuantity(12), '12');
    assert.equal(toQuantity(0.25), '250m');
  });
});

describe('the APIService', () => {
  const service = { namespace: 'op', name: 'cn-operator-metrics', port: 443 };
  it('is created when absent, kept when it is ours, and never taken from another service', () => {
    assert.deepEqual(decideApiService(undefined, service, 'CA'), { kind: 'create' });
    const ours = { ...desiredApiService(service, 'CA'), metadata: { name: 'x', resourceVersion: '7' } };
    assert.deepEqual(decideApiService(ours, service, 'CA'), { kind: 'unchanged' });
    assert.deepEqual(decideApiService(ours, service, 'NEW CA'), { kind: 'update', resourceVersion: '7' });
    const adapter = {
      metadata: { name: 'v1beta2.custom.metrics.k8s.io' },
      spec: { service: { namespace: 'monitoring', name: 'prometheus-adapter', port: 443 } },
    };
    assert.deepEqual(decideApiService(adapter, service, 'CA'), {
      kind: 'foreign',
      owner: 'service monitoring/prometheus-adapter',
    });
    const local = { metadata: { name: 'v1beta2.custom.metrics.k8s.io' }, spec: { service: null } };
    assert.equal(decideApiService(local, service, 'CA').kind, 'foreign');
  });

  it('parses the service flag', () => {
    assert.deepEqual(parseServiceRef('op/svc'), { ok: true, value: { namespace: 'op', name: 'svc', port: 443 } });
    assert.deepEqual(parseServiceRef('op/svc:6443'), { ok: true, value: { namespace: 'op', name: 'svc', port: 6443 } });
    assert.equal(parseServiceRef('svc').ok, false);
    assert.equal(parseServiceRef('op/svc:99999').ok, false);
  });
});

describe('delegated authentication and authorization', () => {
  it("reads the API server's request-header settings, and says what to fix when they are missing", () => {
    const parsed = parseRequestHeaderConfig({
      data: {
        'requestheader-client-ca-file': 'PEM',
        'requestheader-allowed-names': '["front-proxy-client"]',
        'requestheader-username-headers': '["X-Remote-User"]',
        'requestheader-group-headers': '["X-Remote-Group"]',
      },
    });
    assert.deepEqual(parsed, {
      ok: true,
      value: {
        clientCa: 'PEM',
        allowedNames: ['front-proxy-client'],
        usernameHeaders: ['X-Remote-User'],
        groupHeaders: ['X-Remote-Group'],
        extraHeaderPrefixes: ['X-Remote-Extra-'],
        uidHeaders: [],
      },
    });
    const missing = parseRequestHeaderConfig({ data: {} });
    assert.ok(!missing.ok);
    assert.match(missing.message, /--requestheader-client-ca-file/);
  });

  it('asks RBAC about the metric as a subresource of the group, on custom.metrics.k8s.io', () => {
    const review = accessReview(
      {
        user: 'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
        groups: ['system:serviceaccounts'],
        extra: { 'authentication.kubernetes.io/credential-id': ['JTI=1'] },
      },
      { namespace: 'ns', resource: 'computenodegroups.starrocks.com', name: '*', subresource: 'query_load' },
      'custom.metrics.k8s.io',
    );
    const spec = review['spec'] as { resourceAttributes: unknown; extra: unknown };
    assert.deepEqual(spec.extra, { 'authentication.kubernetes.io/credential-id': ['JTI=1'] });
    assert.deepEqual(spec.resourceAttributes, {
      group: 'custom.metrics.k8s.io',
      verb: 'get',
      namespace: 'ns',
      resource: 'computenodegroups.starrocks.com',
      name: '',
      subresource: 'query_load',
    });
  });
});
