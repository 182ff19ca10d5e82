// The operator's HorizontalPodAutoscaler and pod template against the real control plane (kcm runs the HPA
// controller with fast sync flags; the metrics backend reports what setPodMetrics writes): a real HPA scales the
// group out and back in and FE membership follows; unrelated spec changes leave the pod template alone; removing
// the autoscaling policy deletes the HPA; a cn.conf change rolls the pods.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  freshNamespace,
  kubectl,
  kubectlCreate,
  setPodMetrics,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';
import {
  createOperatorIdentity,
  removeOperatorIdentity,
  groupPods,
  seedExampleObjects,
  startOperator,
  waitForCondition,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';

const GROUP = 'computenodegroup-sample';
const HASH_ANNOTATION = 'starrocks.com/cn-conf-hash';

/** Sets every current pod's CPU use (each requests 100m, so '90m' is 90 % of the request). */
async function setAllPodsCpu(namespace: string, cpu: string): Promise<void> {
  for (const pod of await groupPods(namespace, GROUP)) {
    if (pod.deletionTimestamp !== undefined) continue;
    await setPodMetrics(namespace, pod.name, { cpu, memory: '10Mi' }).catch(() => undefined);
  }
}

async function jsonOf(args: readonly string[]): Promise<Record<string, unknown>> {
  const result = await kubectl([...args, '-o', 'json']);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

interface StatefulSetView {
  generation: number;
  template: string;
}

async function statefulSet(namespace: string): Promise<StatefulSetView> {
  const sts = await jsonOf(['get', 'statefulset', GROUP, '-n', namespace]);
  const metadata = sts['metadata'] as { generation: number };
  const spec = sts['spec'] as { template: unknown };
  return { generation: metadata.generation, template: JSON.stringify(spec.template) };
}

async function patchGroup(namespace: string, type: 'merge' | 'json', patch: unknown): Promise<void> {
  const result = await kubectl(['patch', 'cng', GROUP, '-n', namespace, `--type=${type}`, '-p', JSON.stringify(patch)]);
  assert.equal(result.code, 0, result.stderr);
}

describe('operator: HPA, pod template, cn.conf roll', { timeout: 600_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let operator: RunningOperator | undefined;
  let identity: OperatorIdentity | undefined;
  const fe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 500 });
  fe.liveness.defaultOutcome = { ok: true };

  before(async () => {
    await installCrd();
    await fe.start();
    testNamespace = await freshNamespace('operator-hpa');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({ identity, watchNamespaces: [namespace], label: 'hpa' });
  });

  after(async () => {
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    await operator?.stop();
    await fe.stop();
    if (identity !== undefined) await removeOperatorIdentity(identity);
    await testNamespace?.delete();
  });

  it('a real HPA on CPU utilization scales the group out and back in; FE membership follows', async () => {
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      spec['replicas'] = 2;
      spec['autoScalingPolicy'] = {
        minReplicas: 2,
        maxReplicas: 5,
        hpaPolicy: {
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
          ],
          behavior: {
            scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 4, periodSeconds: 5 }] },
            scaleDown: { stabilizationWindowSeconds: 5, policies: [{ type: 'Pods', value: 4, periodSeconds: 5 }] },
          },
        },
      };
    });
    const created = await kubectlCreate(objects);
    assert.equal(created.code, 0, created.stderr);
    await waitForMembers(namespace, GROUP, 2, () => fe.computeNodeAddresses());
    await waitFor(async () => (await kubectl(['get', 'hpa', GROUP, '-n', namespace])).code === 0, {
      description: 'the HPA',
      timeoutMs: 60_000,
    });
    // The Resource metric measures the cn container, not the pod with its register sidecar.
    const hpa = await jsonOf(['get', 'hpa', GROUP, '-n', namespace]);
    assert.deepEqual((hpa['spec'] as { metrics: unknown[] }).metrics, [
      {
        type: 'ContainerResource',
        containerResource: { name: 'cpu', container: 'cn', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ]);

    // Busy: 90 % of the request on every pod, new ones included as they appear.
    await waitFor(
      async () => {
        await setAllPodsCpu(namespace, '90m');
        const pods = await groupPods(namespace, GROUP);
        return pods.length === 5;
      },
      { description: 'the HPA scaling out to 5', timeoutMs: 180_000, intervalMs: 2_000 },
    );
    await waitForMembers(namespace, GROUP, 5, () => fe.computeNodeAddresses());
    // The HPA's own conditions, mirrored on the group: it reads its metrics and can scale.
    const scaling = await waitForCondition(namespace, GROUP, 'Autoscaling', 'True', 90_000);
    assert.ok(scaling.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

    // Idle: 10 %; the HPA goes back to minReplicas and the leaving CNs leave the FE first.
    const idleSince = Date.now();
    await waitFor(
      async () => {
        await setAllPodsCpu(namespace, '10m');
        const group = await jsonOf(['get', 'cng', GROUP, '-n', namespace]);
        return (group['spec'] as { replicas: number }).replicas === 2;
      },
      { description: 'the HPA scaling in to 2', timeoutMs: 180_000, intervalMs: 2_000 },
    );
    const pods = await waitForMembers(namespace, GROUP, 2, () => fe.computeNodeAddresses());
    assert.equal(fe.computeNodeAddresses().length, 2, `FE lists ${fe.computeNodeAddresses().join(', ')}`);
    const drops = fe.membershipChanges('drop', new Date(idleSince - 1_000));
    assert.ok(drops.length > 0, 'no DROP after the scale-in');
    for (const pod of pods) assert.ok(!drops.includes(`${pod.ip}:9050`), `${pod.name} was dropped`);
  });

  it('changing autoScalingPolicy.maxReplicas or cronJobPolicy updates the children but not the pod template', async () => {
    const before = await statefulSet(namespace);
    await patchGroup(namespace, 'merge', { spec: { autoScalingPolicy: { maxReplicas: 7 } } });
    await waitFor(
      async () => {
        const hpa = await jsonOf(['get', 'hpa', GROUP, '-n', namespace]);
        return (hpa['spec'] as { maxReplicas: number }).maxReplicas === 7;
      },
      { description: 'HPA maxReplicas 7', timeoutMs: 60_000 },
    );
    await patchGroup(namespace, 'merge', { spec: { cronJobPolicy: { schedule: '*/5 * * * *' } } });
    await waitFor(
      async () => {
        const cronJob = await jsonOf(['get', 'cronjob', `${GROUP}-offline`, '-n', namespace]);
        return (cronJob['spec'] as { schedule: string }).schedule === '*/5 * * * *';
      },
      { description: 'CronJob schedule */5', timeoutMs: 60_000 },
    );
    const afterChange = await statefulSet(namespace);
    assert.equal(afterChange.template, before.template);
    assert.equal(afterChange.generation, before.generation);
  });

  it('removing autoScalingPolicy deletes the HPA', async () => {
    await patchGroup(namespace, 'json', [{ op: 'remove', path: '/spec/autoScalingPolicy' }]);
    await waitFor(
      async () => {
        const result = await kubectl(['get', 'hpa', GROUP, '-n', namespace]);
        return result.code !== 0 && result.stderr.includes('NotFound');
      },
      { description: 'the HPA deleted', timeoutMs: 60_000 },
    );
  });

  it('a cn.conf change rolls every pod (new hash annotation) and membership follows', async () => {
    const before = await groupPods(namespace, GROUP);
    const oldHashes = new Set(before.map((pod) => pod.annotations[HASH_ANNOTATION]));
    assert.equal(oldHashes.size, 1);
    const configMap = await jsonOf(['get', 'configmap', 'cn-test', '-n', namespace]);
    const data = configMap['data'] as Record<string, string>;
    const patched = { data: { 'cn.conf': `${data['cn.conf'] ?? ''}\nmem_limit = 80%\n` } };
    const result = await kubectl([
      'patch',
      'configmap',
      'cn-test',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      JSON.stringify(patched),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const rolled = await waitFor(
      async () => {
        const pods = await groupPods(namespace, GROUP);
        const ok =
          pods.length === before.length &&
          pods.every((pod) => pod.ready && !oldHashes.has(pod.annotations[HASH_ANNOTATION]));
        return ok ? pods : undefined;
      },
      { description: 'every pod rolled to the new cn.conf hash', timeoutMs: 180_000, intervalMs: 1_000 },
    );
    assert.equal(new Set(rolled.map((pod) => pod.annotations[HASH_ANNOTATION])).size, 1);
    await waitForMembers(namespace, GROUP, before.length, () => fe.computeNodeAddresses());
    await waitForCondition(namespace, GROUP, 'Ready', 'True', 120_000);
  });
});
