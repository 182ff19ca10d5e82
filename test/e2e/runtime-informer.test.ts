// The list-watch cache against the real API server: paginated list, watch events, and recovery when the connection
// is cut, refused, or goes silent (through a loopback proxy that breaks it on cue).
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { freshNamespace, kubectl, type TestNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { ContentCache } from '../../src/kube/content-cache.js';
import { Informer } from '../../src/kube/informer.js';
import { restListWatch } from '../../src/kube/list-watch.js';
import type { ResourceRef } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { createLogger } from '../../src/runtime/logging.js';
import { OperatorMetrics } from '../../src/runtime/metrics.js';
import { kubeConnection } from '../support/e2e.js';
import { proxiedConnection, type TcpProxy } from './runtime-tcp-proxy.js';

const CONFIG_MAPS: ResourceRef = { apiPath: '/api/v1', plural: 'configmaps', namespaced: true, kind: 'ConfigMap' };
const logger = createLogger({
  name: 'e2e-informer',
  level: process.env['E2E_LOG_LEVEL'] === 'debug' ? 'debug' : 'silent',
});

async function createConfigMap(namespace: string, name: string, labels: string): Promise<void> {
  const result = await kubectl(['-n', namespace, 'create', 'configmap', name, '--from-literal=k=v']);
  assert.equal(result.code, 0, result.stderr);
  if (labels !== '') assert.equal((await kubectl(['-n', namespace, 'label', 'configmap', name, labels])).code, 0);
}

describe('Informer on a real API server', () => {
  let namespace: string;
  let testNamespace: TestNamespace;
  let proxy: TcpProxy;
  let rest: KubeRest;
  let informer: Informer;
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const events: string[] = [];

  before(async () => {
    testNamespace = await freshNamespace('runtime-informer');
    namespace = testNamespace.name;
    for (const name of ['a', 'b', 'c']) await createConfigMap(namespace, name, 'app=runtime-e2e');
    await createConfigMap(namespace, 'unlabelled', '');
    const proxied = await proxiedConnection(await kubeConnection());
    proxy = proxied.proxy;
    rest = new KubeRest(proxied.connection, { metrics, requestTimeoutMs: 5000 });
    informer = new Informer({
      source: restListWatch(rest, CONFIG_MAPS, { namespace, labelSelector: 'app=runtime-e2e' }),
      logger,
      pageSize: 2,
      watchTimeoutSeconds: { min: 4, max: 6 },
      watchdogMs: 8000,
      backoff: { initialDelayMs: 200, maxDelayMs: 2000 },
    });
    informer.addHandler((type, object) => events.push(`${type} ${object.metadata.name}`));
    informer.start();
  });

  after(async () => {
    await informer.stop();
    rest.close();
    await proxy.stop();
    await testNamespace.delete();
  });

  it('lists the labelled objects page by page, as plain JSON without managedFields', async () => {
    assert.equal(await informer.waitForSync(30_000), true);
    assert.deepEqual(
      informer
        .list()
        .map((object) => object.metadata.name)
        .sort(),
      ['a', 'b', 'c'],
    );
    const cached = informer.get(`${namespace}/a`);
    assert.ok(cached);
    assert.equal(cached.metadata.managedFields, undefined);
    assert.equal(typeof cached.metadata['creationTimestamp'], 'string', 'times stay strings, never Date objects');
    assert.ok(informer.listsDone >= 1);
  });

  it('follows additions, updates and deletions through the watch', async () => {
    await createConfigMap(namespace, 'd', 'app=runtime-e2e');
    assert.equal((await kubectl(['-n', namespace, 'annotate', 'configmap', 'a', 'touched=yes'])).code, 0);
    assert.equal((await kubectl(['-n', namespace, 'delete', 'configmap', 'b'])).code, 0);
    await waitFor(
      () =>
        Promise.resolve(
          informer.get(`${namespace}/d`) !== undefined &&
            informer.get(`${namespace}/a`)?.metadata.annotations?.['touched'] === 'yes' &&
            informer.get(`${namespace}/b`) === undefined,
        ),
      { description: 'the cache to show d added, a annotated, b deleted', timeoutMs: 20_000 },
    );
    assert.ok(events.includes('add d') && events.includes('update a') && events.includes('delete b'), events.join());
  });

  it('keeps watching across server-side watch timeouts', async () => {
    const before = informer.watchesStarted;
    await waitFor(() => Promise.resolve(informer.watchesStarted >= before + 2), {
      description: 'two more watches after the 4-6 s server timeouts',
      timeoutMs: 20_000,
    });
    await createConfigMap(namespace, 'e', 'app=runtime-e2e');
    await waitFor(() => Promise.resolve(informer.get(`${namespace}/e`)), {
      description: 'e in the cache',
      timeoutMs: 20_000,
    });
  });

  it('recovers after the connection is cut and refused for a while, and catches up on what it missed', async () => {
    proxy.setRefusing(true);
    proxy.cutAll();
    await createConfigMap(namespace, 'f', 'app=runtime-e2e');
    assert.equal((await kubectl(['-n', namespace, 'delete', 'configmap', 'c'])).code, 0);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(informer.get(`${namespace}/f`), undefined, 'nothing arrives while the API server is unreachable');
    proxy.setRefusing(false);
    await waitFor(
      () =>
        Promise.resolve(informer.get(`${namespace}/f`) !== undefined && informer.get(`${namespace}/c`) === undefined),
      { description: 'f added and c deleted after reconnecting', timeoutMs: 30_000 },
    );
  });

  it('restarts a watch that went silent (half-open connection)', async () => {
    const silentBefore = informer.silentRestarts;
    proxy.freezeExisting();
    await createConfigMap(namespace, 'g', 'app=runtime-e2e');
    await waitFor(() => Promise.resolve(informer.get(`${namespace}/g`)), {
      description: 'g in the cache after the watchdog replaced the silent watch',
      timeoutMs: 45_000,
    });
    assert.ok(informer.silentRestarts > silentBefore, 'the watchdog restarted the watch');
    const counted = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'rest_client_requests_total');
    const codes = new Set(counted?.values.map((v) => String(v.labels['code'])));
    assert.ok(codes.has('200'), 'successful requests are counted');
    assert.ok(codes.has('<error>'), 'failed connections are counted');
  });
});

describe('Metadata-only cache and content on demand on a real API server', () => {
  let testNamespace: TestNamespace;
  let rest: KubeRest;
  let informer: Informer;
  const events: string[] = [];

  before(async () => {
    testNamespace = await freshNamespace('runtime-metadata');
    await createConfigMap(testNamespace.name, 'named', '');
    await createConfigMap(testNamespace.name, 'unrelated', '');
    rest = new KubeRest(await kubeConnection(), { requestTimeoutMs: 5000 });
    informer = new Informer({
      source: restListWatch(rest, CONFIG_MAPS, { namespace: testNamespace.name, metadataOnly: true }),
      logger,
    });
    informer.addHandler((type, object) => events.push(`${type} ${object.metadata.name}`));
    informer.start();
    assert.equal(await informer.waitForSync(30_000), true);
  });

  after(async () => {
    await informer.stop();
    rest.close();
    await testNamespace.delete();
  });

  it('caches PartialObjectMetadata (no data) and still sees every change', async () => {
    const cached = informer.get(`${testNamespace.name}/unrelated`);
    assert.ok(cached);
    assert.equal(cached.kind, 'PartialObjectMetadata');
    assert.equal(cached['data'], undefined);
    assert.equal((await kubectl(['-n', testNamespace.name, 'annotate', 'configmap', 'named', 'x=1'])).code, 0);
    await waitFor(() => Promise.resolve(events.includes('update named')), {
      description: 'the update event of a metadata-only watch',
      timeoutMs: 20_000,
    });
  });

  it('fetches the content of a named object once per resourceVersion', async () => {
    const requests: string[] = [];
    const counting = {
      request: (request: Parameters<KubeRest['request']>[0]) => {
        requests.push(request.path);
        return rest.request(request);
      },
    };
    const content = new ContentCache({ rest: counting, resource: CONFIG_MAPS, metadata: informer });
    const first = await content.get(testNamespace.name, 'named');
    assert.deepEqual(first?.['data'], { k: 'v' });
    await content.get(testNamespace.name, 'named');
    assert.equal(requests.length, 1, 'the second read is served from the cache');
    const patch = ['-n', testNamespace.name, 'patch', 'configmap', 'named', '-p', '{"data":{"k":"w"}}'];
    assert.equal((await kubectl(patch)).code, 0);
    const rv = async (): Promise<string | undefined> =>
      await rest
        .request({ method: 'GET', path: `/api/v1/namespaces/${testNamespace.name}/configmaps/named` })
        .then((body) => (body as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
    const latest = await rv();
    await waitFor(
      () => Promise.resolve(informer.get(`${testNamespace.name}/named`)?.metadata.resourceVersion === latest),
      { description: 'the metadata cache to see the patch', timeoutMs: 20_000 },
    );
    assert.deepEqual((await content.get(testNamespace.name, 'named'))?.['data'], { k: 'w' });
    assert.equal(await content.get(testNamespace.name, 'absent'), undefined);
    assert.equal(content.size, 1);
  });
});
