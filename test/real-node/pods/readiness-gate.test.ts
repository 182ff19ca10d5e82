// `cnInfo.registration: Operator` on a real kubelet: CN pods run one container (no register sidecar, no FE
// credentials), the operator in its pod adds each CN and sets the readiness gate from the FE's heartbeats; the
// kubelet reports a pod Ready only once the gate is True, which is never before the FE saw the CN alive. A CN the
// FE stops seeing alive (it is stopping) turns its pod not Ready again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kubectl, useNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { fragmentState, runFragment } from '@starrocks-cn-operator/testbed/real-node';
import { FE_ALIVE_CONDITION } from '../../../src/api/v1alpha1/index.js';
import { labelSelectorString } from '../../../src/builders/names.js';
import { applyObjects, groupObjects, podSummaries, waitForReadyPods } from '../../support/real-node/fixtures.js';
import { useOperatorAndBridgeFe } from '../../support/real-node/operator.js';

interface GatePod {
  spec: { containers: { name: string; env?: { name: string }[] }[]; readinessGates?: { conditionType: string }[] };
  status: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

async function readPod(namespace: string, name: string): Promise<GatePod> {
  const result = await kubectl(['get', 'pod', name, '-n', namespace, '-o', 'json']);
  if (result.code !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as GatePod;
}

describe('the readiness gate on a real node', () => {
  const feOf = useOperatorAndBridgeFe();

  test('one container per CN pod, Ready only after the FE reports the CN alive, not Ready once it is not', async (t) => {
    const fe = feOf();
    const namespace = await useNamespace(t, 'rn-gate');
    const selector = labelSelectorString({ metadata: { name: 'gated', namespace } });
    await applyObjects(groupObjects({ namespace, name: 'gated', fe, replicas: 2, registration: 'Operator' }));
    const pods = await waitForReadyPods(namespace, selector, 2, 180_000);

    for (const summary of pods) {
      const pod = await readPod(namespace, summary.name);
      assert.deepEqual(
        pod.spec.containers.map((container) => container.name),
        ['cn'],
        'no sidecar',
      );
      assert.deepEqual(pod.spec.readinessGates, [{ conditionType: FE_ALIVE_CONDITION }]);
      const secretEnv = pod.spec.containers
        .flatMap((container) => container.env ?? [])
        .filter((env) => /FE_(USR|PWD)/.test(env.name));
      assert.deepEqual(secretEnv, [], 'no FE credentials in the CN pod');
      const gate = pod.status.conditions?.find((condition) => condition.type === FE_ALIVE_CONDITION);
      assert.equal(gate?.status, 'True');
      const node = fe.findComputeNode(`${summary.ip}:9050`);
      assert.ok(node?.lastStartTime && summary.readySince);
      const aliveSecond = Math.floor(node.lastStartTime.getTime() / 1000) * 1000;
      assert.ok(Date.parse(summary.readySince) >= aliveSecond, `${summary.name} Ready before its CN was alive`);
    }

    // Stop one CN gracefully while it runs an 18 s fragment: for those seconds it answers heartbeats with SHUTDOWN,
    // longer than the operator's 15 s FE period, so the operator sees it not alive and turns the gate False.
    const victim = pods[0];
    assert.ok(victim);
    const fragment = runFragment(victim.ip, 18_000);
    await waitFor(async () => (await fragmentState(victim.ip))?.running === 1, {
      description: 'the fragment running',
      timeoutMs: 10_000,
    });
    const stopped = kubectl([
      'exec',
      '-n',
      namespace,
      victim.name,
      '-c',
      'cn',
      '--',
      '/opt/starrocks/cn/bin/stop_cn.sh',
      '-g',
    ]);
    await waitFor(
      async () => {
        const [pod] = (await podSummaries(namespace, selector)).filter((p) => p.name === victim.name);
        const gate = (await readPod(namespace, victim.name)).status.conditions?.find(
          (c) => c.type === FE_ALIVE_CONDITION,
        );
        return pod?.ready === false && gate?.status === 'False';
      },
      { description: `${victim.name} not Ready with its gate False`, timeoutMs: 60_000, intervalMs: 300 },
    );
    assert.equal(await fragment, 'finished', 'the graceful stop let the fragment finish');
    // stop_cn.sh waits for the CN, the container's first process; when it exits the runtime kills the rest of the
    // container, this exec session included (137).
    assert.ok([0, 137].includes((await stopped).code ?? -1), 'stop_cn.sh -g ran');
    // The container restarts (the kubelet), the CN comes back, the gate and the pod become True again.
    await waitForReadyPods(namespace, selector, 2, 120_000);
  });
});
