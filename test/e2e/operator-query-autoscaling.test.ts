// Query-aware autoscaling on the real control plane: the operator serves custom.metrics.k8s.io behind an APIService
// it creates (the aggregator's front proxy authenticated by its client certificate, reads authorized by
// SubjectAccessReviews, RBAC from deploy/custom-metrics), the real HPA reads the group's query_load through it and
// scales the group out when queries queue in the FE and back in when they drain, with FE membership following and,
// for a burst played by the simulator's query engine, no query failed; a
// caller without the front proxy's certificate gets nothing; an APIService that points at another service is left
// alone and reported.
import { strict as assert } from 'node:assert';
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  freshNamespace,
  kubectl,
  kubectlCreate,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator, QueryEngine } from '@starrocks-cn-operator/testbed/fe-simulator';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import {
  CUSTOM_METRICS_API_SERVICE,
  setUpCustomMetrics,
  waitForCustomMetricsApi,
  type CustomMetricsSetup,
} from '../support/custom-metrics.js';
import { QueryWorkload } from '../support/query-workload.js';
import { installCrd } from '../support/e2e.js';
import {
  createOperatorIdentity,
  FAST_TEST_BEHAVIOR,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForCondition,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';

const GROUP = 'computenodegroup-sample';
const API_SERVICE = CUSTOM_METRICS_API_SERVICE;

async function kubectlOk(args: readonly string[], input?: string): Promise<string> {
  const result = await kubectl(args, input === undefined ? {} : { input });
  assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The metric through the API server, as `kubectl get --raw` shows it to a user. */
async function rawMetric(
  namespace: string,
  metric: string,
): Promise<{ code: number | null; items: { value: string }[] }> {
  const result = await kubectl([
    'get',
    '--raw',
    `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${namespace}/computenodegroups.starrocks.com/${GROUP}/${metric}`,
  ]);
  if (result.code !== 0) return { code: result.code, items: [] };
  return { code: 0, items: (JSON.parse(result.stdout) as { items: { value: string }[] }).items };
}

/** GET on the operator's port directly, with no client certificate (the server's certificate is not checked). */
function directGet(port: number, pathname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: pathname, rejectUnauthorized: false, timeout: 5000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('operator: query-aware autoscaling through the custom metrics API', { timeout: 600_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let operator: RunningOperator | undefined;
  let identity: OperatorIdentity | undefined;
  // Query queue v2 on (3.3.4+; the default from 4.1): SHOW RUNNING QUERIES' Slots carries each query's estimate.
  const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 500, queryQueueV2: true });
  fe.liveness.defaultOutcome = { ok: true };

  let customMetrics: CustomMetricsSetup | undefined;
  const operatorArgs = (): readonly string[] => customMetrics?.args ?? [];

  before(async () => {
    await installCrd();
    await fe.start();
    testNamespace = await freshNamespace('query-autoscaling');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    customMetrics = await setUpCustomMetrics(namespace);
    operator = await startOperator({
      identity,
      watchNamespaces: [namespace],
      label: 'query-autoscaling',
      feSyncPeriod: '1s',
      extraArgs: operatorArgs(),
      metrics: true,
    });
    await waitForCustomMetricsApi();
  });

  async function operatorMetrics(): Promise<string> {
    const text = await operator?.metricsText();
    assert.ok(text !== undefined, 'the operator serves /metrics');
    return text;
  }

  after(async () => {
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    await operator?.stop();
    await fe.stop();
    await customMetrics?.cleanup();
    if (identity !== undefined) await removeOperatorIdentity(identity);
    await testNamespace?.delete();
  });

  it('an HPA on query_load scales out while queries queue and back in when they drain; membership follows', async () => {
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      spec['replicas'] = 1;
      spec['autoScalingPolicy'] = {
        minReplicas: 1,
        maxReplicas: 4,
        queries: { targetPerCN: 2 },
        hpaPolicy: {
          behavior: FAST_TEST_BEHAVIOR,
        },
      };
    });
    const created = await kubectlCreate(objects);
    assert.equal(created.code, 0, created.stderr);
    await waitForMembers(namespace, GROUP, 1, () => fe.computeNodeAddresses());

    // Idle: the metric is served, and is 0.
    await waitFor(async () => (await rawMetric(namespace, 'query_load')).items[0]?.value === '0', {
      description: 'query_load 0 through the API server',
      timeoutMs: 60_000,
    });
    await waitForCondition(namespace, GROUP, 'LoadReported', 'True', 60_000);

    // A burst: 2 queries run on the one CN and 6 wait in the FE's queue: query_load 8, 2 per CN wanted, so 4 CNs.
    fe.setLoad({ runningPerNode: 2, cpuUsedPercent: 95, running: 2, pending: 6, slotsPerQuery: 3 });
    await waitFor(async () => (await rawMetric(namespace, 'query_load')).items[0]?.value === '8', {
      description: 'query_load 8',
      timeoutMs: 60_000,
    });
    // The same 8 queries in slots, as the FE admits them: 3 each.
    assert.equal((await rawMetric(namespace, 'slot_load')).items[0]?.value, '24');
    await waitForMembers(namespace, GROUP, 4, () => fe.computeNodeAddresses(), 180_000);
    const status = JSON.parse(await kubectlOk(['get', 'cng', GROUP, '-n', namespace, '-o', 'json'])) as {
      status: { load?: { aliveComputeNodes: number } };
    };
    assert.ok(status.status.load !== undefined, 'status.load is written');
    // What the dashboard and the alerts read: the group at its maximum, every CN registered, the adds counted.
    const labels = `namespace="${namespace}",group="${GROUP}"`;
    await waitFor(
      async () => seriesValue(await operatorMetrics(), 'starrocks_cn_group_registered_compute_nodes', labels) === 4,
      {
        description: 'the registered CNs in /metrics',
        timeoutMs: 60_000,
      },
    );
    const scaledOut = await operatorMetrics();
    assert.equal(seriesValue(scaledOut, 'starrocks_cn_group_spec_replicas', labels), 4);
    assert.equal(seriesValue(scaledOut, 'starrocks_cn_group_max_replicas', labels), 4);
    assert.equal(seriesValue(scaledOut, 'starrocks_cn_group_membership_changes_total', `${labels},action="add"`), 4);
    assert.equal(seriesValue(scaledOut, 'starrocks_cn_group_stale_entries', labels), 0);
    assert.ok((seriesValue(scaledOut, 'starrocks_cn_group_query_load', labels) ?? 0) >= 8, 'the load is exported');

    // The burst is over: the HPA lowers spec.replicas, and the leaving CNs leave the FE.
    fe.setLoad({ runningPerNode: 0, running: 0, pending: 0 });
    await waitForMembers(namespace, GROUP, 1, () => fe.computeNodeAddresses(), 180_000);
    const drops = fe.statementsMatching(/DROP COMPUTE NODE/i);
    assert.ok(drops.length > 0, 'the scale-in dropped the leaving CNs from the FE');
    await waitFor(
      async () =>
        seriesValue(
          await operatorMetrics(),
          'starrocks_cn_group_membership_changes_total',
          `${labels},action="drop"`,
        ) === 3,
      { description: 'the 3 drops counted in /metrics', timeoutMs: 30_000 },
    );
  });

  it('a burst from the query engine: out while queries wait, back in after they ran, and no query failed', async () => {
    // Every CN offers 2 fragment slots (the group aims at 2 queries per CN); 30 queries arrive, one a second, each
    // 8 CN-seconds on up to 4 CNs. One CN falls behind at once, so queries queue until the HPA adds CNs.
    const engine = new QueryEngine({ slotsPerCN: 2 });
    fe.attachQueryEngine(engine);
    const trace = Array.from({ length: 30 }, (_, index) => ({ at: index * 1000, work: 8, width: 4 }));
    const workload = new QueryWorkload({ fe, engine, namespace, group: GROUP, trace });
    const alive = (): number => fe.catalog.computeNodes.filter((node) => node.alive).length;
    let peak = alive();
    const start = Date.now();
    for (let step = 0; step < 2000; step++) {
      const ms = Date.now() - start;
      if (ms > 300_000) break;
      await workload.step(ms);
      peak = Math.max(peak, alive());
      if (ms > 30_000 && workload.unfinished() === 0 && fe.computeNodeAddresses().length === 1) break;
      await sleep(200);
    }
    assert.ok(peak > 1, `the group scaled out (peak ${peak} CNs)`);
    assert.equal(workload.records.length, 30);
    assert.equal(workload.unfinished(), 0, 'every query ran to its end');
    assert.equal(workload.failed, 0, 'no query failed: each leaving CN left the FE before its pod stopped');
    assert.equal(fe.computeNodeAddresses().length, 1, 'back at the minimum');
  });

  it('refuses a caller without the front proxy certificate, and serves discovery to anyone', async () => {
    const metricPath = `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${namespace}/computenodegroups.starrocks.com/${GROUP}/query_load`;
    const port = customMetrics?.port ?? 0;
    assert.equal(await directGet(port, metricPath), 401);
    assert.equal(await directGet(port, '/apis/custom.metrics.k8s.io/v1beta2'), 200);
    const unknown = await rawMetric(namespace, 'no_such_metric');
    assert.notEqual(unknown.code, 0, 'an unknown metric is not served');
  });

  it('leaves an APIService that points at another service alone, and says so', async () => {
    await operator?.stop();
    operator = undefined;
    const foreign = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: API_SERVICE },
      spec: {
        group: 'custom.metrics.k8s.io',
        version: 'v1beta2',
        service: { namespace: 'monitoring', name: 'prometheus-adapter', port: 443 },
        insecureSkipTLSVerify: true,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    };
    await kubectlOk(['replace', '--force', '-f', '-'], JSON.stringify(foreign));
    assert.ok(identity !== undefined);
    operator = await startOperator({
      identity,
      watchNamespaces: [namespace],
      label: 'query-autoscaling-foreign',
      extraArgs: operatorArgs(),
    });
    await waitFor(async () => (await operator?.log())?.includes('monitoring/prometheus-adapter') ?? false, {
      description: 'the operator reports the APIService of another service',
      timeoutMs: 30_000,
    });
    const after = JSON.parse(await kubectlOk(['get', 'apiservice', API_SERVICE, '-o', 'json'])) as {
      spec: { service: { namespace: string; name: string } };
    };
    assert.deepEqual(after.spec.service, { namespace: 'monitoring', name: 'prometheus-adapter', port: 443 });
  });
});

/** The value of one series in a /metrics text; undefined when absent. */
function seriesValue(text: string, series: string, labels: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}
