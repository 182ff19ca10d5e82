// The documented route "KEDA" (docs/autoscaling.md), run for real: a Prometheus server scrapes the compiled operator's
// /metrics, KEDA's operator and metrics API server (built from KEDA's Go module) run the ScaledObject the docs give,
// and the HPA KEDA makes scales the group through its scale subresource on query_load: out while queries queue in the
// FE, back in when they are done, each leaving CN dropped from the FE by the operator (KEDA never touches the
// StatefulSet or the pods, so the ordered scale-in stays the operator's).
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
import { RunningKeda } from '../support/keda.js';
import {
  createOperatorIdentity,
  FAST_TEST_BEHAVIOR,
  kubectlOrThrow,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';
import { scrapeOperator, type RunningPrometheus } from '../support/prometheus.js';

const GROUP = 'computenodegroup-sample';
const DOCUMENTED_NAMESPACE = 'starrocks';

const scaledObjectSchema = z.looseObject({
  kind: z.literal('ScaledObject'),
  metadata: z.looseObject({ name: z.string(), namespace: z.literal(DOCUMENTED_NAMESPACE) }),
  spec: z.looseObject({
    scaleTargetRef: z.looseObject({ kind: z.literal('ComputeNodeGroup'), name: z.literal(GROUP) }),
    triggers: z
      .array(
        z.looseObject({
          type: z.literal('prometheus'),
          metadata: z.looseObject({ serverAddress: z.string(), query: z.string(), threshold: z.string() }),
        }),
      )
      .length(1),
  }),
});

/**
 * The ScaledObject docs/autoscaling.md gives under "3. KEDA", moved to the test's namespace and Prometheus; the only
 * addition is a fast HPA behaviour (the defaults wait 5 minutes before a scale-in).
 */
async function documentedScaledObject(namespace: string, prometheusUrl: string): Promise<Record<string, unknown>> {
  const text = await readFile(path.join(REPO_ROOT, 'docs/autoscaling.md'), 'utf8');
  const section = text.slice(text.indexOf('### 3. KEDA'), text.indexOf('## Scale-in stays safe'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block !== undefined, 'docs/autoscaling.md has the ScaledObject in a yaml block');
  const object = scaledObjectSchema.parse(parse(block) as unknown);
  const trigger = object.spec.triggers[0];
  assert.ok(trigger !== undefined);
  const query = trigger.metadata.query.replace(`namespace="${DOCUMENTED_NAMESPACE}"`, `namespace="${namespace}"`);
  assert.notEqual(query, trigger.metadata.query, 'the documented query names its namespace');
  return {
    ...object,
    metadata: { ...object.metadata, namespace },
    spec: {
      ...object.spec,
      triggers: [{ ...trigger, metadata: { ...trigger.metadata, serverAddress: prometheusUrl, query } }],
      advanced: { horizontalPodAutoscalerConfig: { behavior: FAST_TEST_BEHAVIOR } },
    },
  };
}

/** The value KEDA's metrics server gives the HPA for the ScaledObject's one trigger, through the API server. */
async function externalMetric(namespace: string, scaledObject: string): Promise<string | undefined> {
  const selector = encodeURIComponent(`scaledobject.keda.sh/name=${scaledObject}`);
  const result = await kubectl([
    'get',
    '--raw',
    `/apis/external.metrics.k8s.io/v1beta1/namespaces/${namespace}/s0-prometheus?labelSelector=${selector}`,
  ]);
  if (result.code !== 0) return undefined;
  const parsed = z.object({ items: z.array(z.object({ value: z.string() })) }).safeParse(JSON.parse(result.stdout));
  return parsed.success ? parsed.data.items[0]?.value : undefined;
}

describe('autoscaling through KEDA (the documented ScaledObject)', { timeout: 600_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let identity: OperatorIdentity | undefined;
  let operator: RunningOperator | undefined;
  let prometheus: RunningPrometheus | undefined;
  let keda: RunningKeda | undefined;
  const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 500 });
  fe.liveness.defaultOutcome = { ok: true };

  before(async () => {
    await installCrd();
    await fe.start();
    testNamespace = await freshNamespace('keda');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({
      identity,
      watchNamespaces: [namespace],
      label: 'keda',
      feSyncPeriod: '1s',
      metrics: true,
    });
    prometheus = await scrapeOperator(operator);
    const logDir = (await e2eEnvironment()).layout.dir;
    keda = await RunningKeda.start({ logDir });
  });

  after(async () => {
    await keda?.stop();
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    await prometheus?.stop();
    await operator?.stop();
    await fe.stop();
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
  });

  it("KEDA's HPA scales the group on query_load: out while queries queue, back in after", async () => {
    assert.ok(prometheus !== undefined);
    // As the docs say: no autoScalingPolicy, so KEDA's HPA is the only one on the group.
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      spec['replicas'] = 1;
      delete spec['autoScalingPolicy'];
      delete spec['cronJobPolicy'];
    });
    const created = await kubectlCreate(objects);
    assert.equal(created.code, 0, created.stderr);
    await waitForMembers(namespace, GROUP, 1, () => fe.computeNodeAddresses());

    const scaledObject = await documentedScaledObject(namespace, prometheus.url);
    await kubectlOrThrow(['apply', '-f', '-'], JSON.stringify(scaledObject));
    const name = (scaledObject['metadata'] as { name: string }).name;
    await waitFor(
      async () => {
        const ready = await kubectl([
          'get',
          'scaledobject',
          name,
          '-n',
          namespace,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        return ready.stdout.trim() === 'True';
      },
      { description: `ScaledObject ${name} Ready`, timeoutMs: 90_000 },
    );
    const hpa = z
      .object({ spec: z.object({ scaleTargetRef: z.object({ kind: z.string(), name: z.string() }) }) })
      .parse(JSON.parse(await kubectlOrThrow(['get', 'hpa', `keda-hpa-${name}`, '-n', namespace, '-o', 'json'])));
    assert.deepEqual(hpa.spec.scaleTargetRef, { kind: 'ComputeNodeGroup', name: GROUP }, 'KEDA scales the group');

    await waitFor(async () => (await externalMetric(namespace, name)) === '0', {
      description: 'query_load 0 through KEDA',
      timeoutMs: 90_000,
      intervalMs: 1_000,
    });
    // 4 queries run on the one CN and 12 wait: query_load 16, the documented threshold 4 per CN, so 4 CNs.
    fe.setLoad({ runningPerNode: 4, cpuUsedPercent: 95, running: 4, pending: 12 });
    await waitFor(async () => (await externalMetric(namespace, name)) === '16', {
      description: 'query_load 16 through KEDA',
      timeoutMs: 60_000,
      intervalMs: 1_000,
    });
    await waitForMembers(namespace, GROUP, 4, () => fe.computeNodeAddresses(), 180_000);

    fe.setLoad({ runningPerNode: 0, running: 0, pending: 0 });
    await waitForMembers(namespace, GROUP, 1, () => fe.computeNodeAddresses(), 180_000);
    const drops = fe.catalog.membershipLog.filter((change) => change.action === 'drop');
    assert.equal(drops.length, 3, 'each leaving CN was dropped from the FE');
  });
});
