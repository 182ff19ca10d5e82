// Server-side apply, status and Events against the real API server, with the audit log as the witness that
// "nothing changed" really sends nothing.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  auditMark,
  type AuditMark,
  auditRequestsSince,
  freshNamespace,
  kubectl,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { Applier, type DesiredObject } from '../../src/kube/apply.js';
import { isConflict, isNotFound, statusOf } from '../../src/kube/errors.js';
import { EventRecorder } from '../../src/kube/events.js';
import { Informer } from '../../src/kube/informer.js';
import { restListWatch } from '../../src/kube/list-watch.js';
import type { KubeObject, ResourceRef } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { createLogger } from '../../src/runtime/logging.js';
import { OperatorMetrics } from '../../src/runtime/metrics.js';
import { kubeConnection } from '../support/e2e.js';

const USER_AGENT = 'runtime-e2e-apply';
const CONFIG_MAPS: ResourceRef = { apiPath: '/api/v1', plural: 'configmaps', namespaced: true, kind: 'ConfigMap' };
const PROBES: ResourceRef = {
  apiPath: '/apis/e2e.starrocks.com/v1',
  plural: 'runtimeprobes',
  namespaced: true,
  kind: 'RuntimeProbe',
};
const logger = createLogger({ name: 'e2e-apply', level: 'silent' });

/** A small CRD with a status subresource, only for this test (the product CRD is not needed here). */
const PROBE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'runtimeprobes.e2e.starrocks.com' },
  spec: {
    group: 'e2e.starrocks.com',
    scope: 'Namespaced',
    names: { plural: 'runtimeprobes', singular: 'runtimeprobe', kind: 'RuntimeProbe' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' } } },
              status: {
                type: 'object',
                properties: { observedGeneration: { type: 'integer' }, phase: { type: 'string' } },
              },
            },
          },
        },
      },
    ],
  },
};

/** Our writes (anything but reads) since `mark`. */
async function writesSince(mark: AuditMark): Promise<string[]> {
  const requests = await auditRequestsSince(mark);
  return requests
    .filter((request) => request.userAgent.startsWith(USER_AGENT) && !['get', 'list', 'watch'].includes(request.verb))
    .map(
      (request) => `${request.verb} ${request.resource ?? ''}${request.subresource ? '/' + request.subresource : ''}`,
    );
}

describe('server-side apply, status and events on a real API server', () => {
  let testNamespace: TestNamespace;
  let namespace: string;
  let rest: KubeRest;
  let applier: Applier;
  let informer: Informer;

  before(async () => {
    testNamespace = await freshNamespace('runtime-apply');
    namespace = testNamespace.name;
    rest = new KubeRest(await kubeConnection(), { userAgent: USER_AGENT });
    applier = new Applier(rest, logger);
    informer = new Informer({ source: restListWatch(rest, CONFIG_MAPS, { namespace }), logger });
    informer.start();
    assert.equal(await informer.waitForSync(30_000), true);
  });

  after(async () => {
    await informer.stop();
    rest.close();
    await testNamespace.delete();
  });

  function desiredConfigMap(data: Record<string, string>, labels: Record<string, string>): DesiredObject {
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace, labels }, data };
  }

  async function cachedWhen(condition: (object: KubeObject) => boolean, description: string): Promise<KubeObject> {
    return waitFor(
      () => {
        const object = informer.get(`${namespace}/applied`);
        return Promise.resolve(object && condition(object) ? object : undefined);
      },
      { description, timeoutMs: 20_000 },
    );
  }

  it('creates with the first apply, then sends no request while the object matches', async () => {
    const desired = desiredConfigMap({ k: 'v' }, { app: 'x', tier: 'cache' });
    const first = await applier.applyObject(CONFIG_MAPS, desired, informer.get(`${namespace}/applied`));
    assert.equal(first.written, true);
    const cached = await cachedWhen(() => true, 'the applied ConfigMap in the cache');
    const mark = await auditMark();
    for (let i = 0; i < 3; i++) {
      const again = await applier.applyObject(CONFIG_MAPS, desired, informer.get(`${namespace}/applied`));
      assert.equal(again.written, false, `re-apply ${i + 1} skipped`);
    }
    assert.deepEqual(await writesSince(mark), [], 'the audit log shows no write for the re-applies');
    assert.equal(cached.metadata.labels?.['tier'], 'cache');
  });

  it('writes again when someone changed a field it owns, and the audit log shows that one write', async () => {
    const desired = desiredConfigMap({ k: 'v' }, { app: 'x', tier: 'cache' });
    assert.equal(
      (await kubectl(['-n', namespace, 'patch', 'configmap', 'applied', '-p', '{"data":{"k":"edited"}}'])).code,
      0,
    );
    await cachedWhen((object) => (object['data'] as Record<string, string>)['k'] === 'edited', 'the edit in the cache');
    const mark = await auditMark();
    const repaired = await applier.applyObject(CONFIG_MAPS, desired, informer.get(`${namespace}/applied`));
    assert.equal(repaired.written, true);
    assert.equal((repaired.object['data'] as Record<string, string>)['k'], 'v');
    assert.deepEqual(await writesSince(mark), ['patch configmaps']);
  });

  it('removes a field it no longer applies', async () => {
    await cachedWhen((object) => (object['data'] as Record<string, string>)['k'] === 'v', 'the repair in the cache');
    const desired = desiredConfigMap({ k: 'v' }, { app: 'x' });
    const result = await applier.applyObject(CONFIG_MAPS, desired, informer.get(`${namespace}/applied`));
    assert.equal(result.written, true);
    assert.equal(result.object.metadata.labels?.['tier'], undefined);
    const cached = await cachedWhen((object) => object.metadata.labels?.['tier'] === undefined, 'the label removal');
    assert.equal(Applier.matches(desired, cached), true);
  });

  it('refuses unknown fields (strict field validation)', async () => {
    const bad = { ...desiredConfigMap({ k: 'v' }, {}), notAField: true };
    await assert.rejects(applier.applyObject(CONFIG_MAPS, bad), /notAField|unknown field/);
  });

  it('writes status through the /status subresource only, and skips an unchanged status', async () => {
    const crd = await kubectl(['apply', '--server-side', '--field-manager=e2e', '-f', '-'], {
      input: JSON.stringify(PROBE_CRD),
    });
    assert.equal(crd.code, 0, crd.stderr);
    await waitFor(
      async () =>
        (
          await kubectl([
            'get',
            'crd',
            'runtimeprobes.e2e.starrocks.com',
            '-o',
            'jsonpath={.status.acceptedNames.kind}',
          ])
        ).stdout === 'RuntimeProbe',
      { description: 'the RuntimeProbe CRD established', timeoutMs: 30_000 },
    );
    const probe: DesiredObject = {
      apiVersion: 'e2e.starrocks.com/v1',
      kind: 'RuntimeProbe',
      metadata: { name: 'p', namespace },
      spec: { size: 3 },
    };
    await waitFor(() => applier.applyObject(PROBES, probe).then(() => true), {
      description: 'the RuntimeProbe kind served',
      timeoutMs: 30_000,
    });
    const status = { ...probe, status: { observedGeneration: 1, phase: 'Ready' } };
    const mark = await auditMark();
    const written = await applier.applyStatus(PROBES, status, await applier.getObject(PROBES, namespace, 'p'));
    assert.equal(written.written, true);
    assert.deepEqual(written.object['status'], { observedGeneration: 1, phase: 'Ready' });
    const skipped = await applier.applyStatus(PROBES, status, await applier.getObject(PROBES, namespace, 'p'));
    assert.equal(skipped.written, false);
    assert.deepEqual(await writesSince(mark), ['patch runtimeprobes/status']);
    assert.equal(await applier.deleteObject(PROBES, namespace, 'p'), true);
    assert.equal(await applier.deleteObject(PROBES, namespace, 'p'), false, 'already gone');
  });

  it('records one Event per reason and message and counts repeats in its series', async () => {
    const recorder = new EventRecorder({
      rest,
      logger,
      controller: 'starrocks.com/cn-operator',
      instance: 'e2e',
      minUpdateIntervalMs: 0,
    });
    const cm = informer.get(`${namespace}/applied`);
    assert.ok(cm);
    const subject = { apiVersion: 'v1', kind: 'ConfigMap', name: 'applied', namespace, uid: cm.metadata.uid };
    const input = { subject, type: 'Warning' as const, reason: 'FEUnreachable', action: 'Sync', note: 'timeout' };
    recorder.record(input);
    await recorder.flush();
    recorder.record(input);
    recorder.record(input);
    await recorder.flush();
    recorder.record({ ...input, type: 'Normal', reason: 'ComputeNodeAdded', note: '10.0.0.1:9050' });
    await recorder.flush();
    const listed = await rest.request({ method: 'GET', path: `/apis/events.k8s.io/v1/namespaces/${namespace}/events` });
    const items = (listed as { items: Record<string, unknown>[] }).items;
    assert.equal(items.length, 2);
    const warning = items.find((item) => item['reason'] === 'FEUnreachable');
    assert.deepEqual((warning?.['series'] as { count: number } | undefined)?.count, 3);
    assert.match(String(warning?.['eventTime']), /\.\d{6}Z$/);
  });

  it('the REST client counts its requests, and its errors classify by Status', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const counted = new KubeRest(await kubeConnection(), { metrics });
    const failure = (promise: Promise<unknown>): Promise<unknown> =>
      promise.then(
        () => undefined,
        (error: unknown) => error,
      );
    await counted.request({ method: 'GET', path: `/api/v1/namespaces/${namespace}` });
    const missing = await failure(
      counted.request({ method: 'GET', path: `/api/v1/namespaces/${namespace}/configmaps/absent` }),
    );
    assert.equal(isNotFound(missing), true);
    assert.match(statusOf(missing)?.message ?? '', /configmaps "absent" not found/);
    const stale = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace, resourceVersion: '1' },
      data: { k: 'stale' },
    };
    const conflict = await failure(
      counted.request({ method: 'PUT', path: `/api/v1/namespaces/${namespace}/configmaps/applied`, body: stale }),
    );
    assert.equal(isConflict(conflict), true);
    const values = (await metrics.registry.getMetricsAsJSON()).find(
      (m) => m.name === 'rest_client_requests_total',
    )?.values;
    const count = (code: string, method: string): number | undefined =>
      values?.find((v) => v.labels['code'] === code && v.labels['method'] === method)?.value;
    assert.equal(count('200', 'GET'), 1);
    assert.equal(count('404', 'GET'), 1);
    assert.equal(count('409', 'PUT'), 1);
    assert.equal(values?.[0]?.labels['host'], counted.host);
    counted.close();
  });
});
