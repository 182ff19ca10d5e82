// The documented route "prometheus-adapter over the exported series" (docs/autoscaling.md), run for real: a Prometheus
// server scrapes the compiled operator's /metrics, prometheus-adapter (built from its Go module) serves the rule the
// docs give as custom.metrics.k8s.io, and the real HPA of a group with `queries.targetPerCN` reads query_load through
// it: the group scales out while queries queue in the FE and back in when they are done. The operator serves no
// custom metrics API here; the adapter owns it, as in a cluster that already runs one.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  e2eEnvironment,
  freshNamespace,
  kubectl,
  kubectlCreate,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { REPO_ROOT, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';
import {
  createOperatorIdentity,
  FAST_TEST_BEHAVIOR,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';
import { RunningAdapter } from '../support/prometheus-adapter.js';
import { scrapeOperator, type RunningPrometheus } from '../support/prometheus.js';

const GROUP = 'computenodegroup-sample';

/** The adapter rules docs/autoscaling.md gives under "2. prometheus-adapter": the test runs what users copy. */
async function documentedRules(): Promise<unknown[]> {
  const text = await readFile(path.join(REPO_ROOT, 'docs/autoscaling.md'), 'utf8');
  const section = text.slice(text.indexOf('### 2. prometheus-adapter'), text.indexOf('### 3. KEDA'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block !== undefined, 'docs/autoscaling.md has the adapter rule in a yaml block');
  const values = z.object({ rules: z.object({ custom: z.array(z.unknown()).min(1) }) }).parse(parse(block) as unknown);
  return values.rules.custom;
}

async function metricThroughApiServer(namespace: string, metric = 'query_load'): Promise<string | undefined> {
  const result = await kubectl([
    'get',
    '--raw',
    `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${namespace}/computenodegroups.starrocks.com/${GROUP}/${metric}`,
  ]);
  if (result.code !== 0) return undefined;
  const parsed = z.object({ items: z.array(z.object({ value: z.string() })) }).safeParse(JSON.parse(result.stdout));
  return parsed.success ? parsed.data.items[0]?.value : undefined;
}

describe('autoscaling through prometheus-adapter (the documented rule)', { timeout: 600_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let identity: OperatorIdentity | undefined;
  let operator: RunningOperator | undefined;
  let prometheus: RunningPrometheus | undefined;
  let adapter: RunningAdapter | undefined;
  const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 500 });
  fe.liveness.defaultOutcome = { ok: true };

  before(async () => {
    await installCrd();
    await fe.start();
    testNamespace = await freshNamespace('prometheus-adapter');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({
      identity,
      watchNamespaces: [namespace],
      label: 'prometheus-adapter',
      feSyncPeriod: '1s',
      metrics: true,
    });
    prometheus = await scrapeOperator(operator);
    const logDir = (await e2eEnvironment()).layout.dir;
    adapter = await RunningAdapter.start({
      prometheusUrl: prometheus.url,
      rules: await documentedRules(),
      logPath: path.join(logDir, 'prometheus-adapter.log'),
    });
  });

  after(async () => {
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    await adapter?.stop();
    await prometheus?.stop();
    await operator?.stop();
    await fe.stop();
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
  });

  it('the HPA reads query_load through the adapter: out while queries queue, back in after', async () => {
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

    // The figure the operator exports, scraped by Prometheus, served by the adapter under the name the HPA asks for.
    await waitFor(async () => (await metricThroughApiServer(namespace)) === '0', {
      description: 'query_load 0 from the adapter',
      timeoutMs: 90_000,
      intervalMs: 1_000,
    });

    // 2 queries run on the one CN and 6 wait: query_load 8, 2 per CN wanted, so 4 CNs.
    fe.setLoad({ runningPerNode: 2, cpuUsedPercent: 95, running: 2, pending: 6 });
    await waitFor(async () => (await metricThroughApiServer(namespace)) === '8', {
      description: 'query_load 8 from the adapter',
      timeoutMs: 60_000,
      intervalMs: 1_000,
    });
    // Every series of the group is served under its short name: the same queries in slots (1 each under queue v1).
    assert.equal(await metricThroughApiServer(namespace, 'slot_load'), '8');
    await waitForMembers(namespace, GROUP, 4, () => fe.computeNodeAddresses(), 180_000);

    fe.setLoad({ runningPerNode: 0, running: 0, pending: 0 });
    await waitForMembers(namespace, GROUP, 1, () => fe.computeNodeAddresses(), 180_000);
    const drops = fe.catalog.membershipLog.filter((change) => change.action === 'drop');
    assert.equal(drops.length, 3, 'each leaving CN was dropped from the FE');
  });
});
