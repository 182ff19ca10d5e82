// `cnInfo.registration: Operator` on the real control plane: the CN pods run without the register sidecar and carry
// the readiness gate; the operator adds every CN and sets each pod's gate condition from the FE's liveness of its CN
// (through the pods/status RBAC it ships), True once alive, False again when the FE stops reporting it alive.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  freshNamespace,
  kubectl,
  kubectlCreate,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';
import {
  createOperatorIdentity,
  groupPods,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  type OperatorIdentity,
  type PodInfo,
  type RunningOperator,
} from '../support/operator.js';

const GROUP = 'computenodegroup-sample';
const GATE = 'starrocks.com/fe-alive';

const pods = (namespace: string): Promise<PodInfo[]> => groupPods(namespace, GROUP);
const gateOf = (pod: PodInfo): string | undefined => pod.conditions[GATE];

describe('operator: registration by the operator, with a readiness gate', { timeout: 300_000 }, () => {
  let testNamespace: TestNamespace | undefined;
  let namespace = '';
  let identity: OperatorIdentity | undefined;
  let operator: RunningOperator | undefined;
  const fe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 300 });
  // Pod IPs are fake: the liveness table answers for them. Nothing is alive until the test says so.

  before(async () => {
    await installCrd();
    await fe.start();
    testNamespace = await freshNamespace('operator-gate');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({ identity, watchNamespaces: [namespace], label: 'gate' });
  });

  after(async () => {
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    await operator?.stop();
    await fe.stop();
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
  });

  it('runs CN pods without the sidecar, adds their CNs, and opens each gate only once the FE reports it alive', async () => {
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      delete spec['autoScalingPolicy'];
      delete spec['cronJobPolicy'];
      spec['replicas'] = 2;
      spec['cnInfo'] = { ...(spec['cnInfo'] as Record<string, unknown>), registration: 'Operator' };
    });
    const created = await kubectlCreate(objects);
    assert.equal(created.code, 0, created.stderr);

    const registered = await waitFor(
      async () => {
        const list = await pods(namespace);
        const addresses = fe.computeNodeAddresses();
        return list.length === 2 && list.every((pod) => addresses.includes(`${pod.ip ?? '-'}:9050`)) ? list : undefined;
      },
      { description: 'both CNs added to the FE by the operator', timeoutMs: 60_000 },
    );
    for (const pod of registered) {
      assert.deepEqual(pod.containers, ['cn']);
      assert.deepEqual(pod.readinessGates, [GATE]);
    }
    await waitFor(async () => (await pods(namespace)).every((pod) => gateOf(pod) === 'False'), {
      description: 'the gates set False while the FE does not report the CNs alive',
      timeoutMs: 30_000,
    });

    const [first, second] = registered;
    assert.ok(first?.ip !== undefined && second?.ip !== undefined);
    fe.liveness.setAlive(`${first.ip}:9050`, true);
    const openedAt = Date.now();
    await waitFor(async () => gateOf((await pods(namespace)).find((p) => p.name === first.name) ?? first) === 'True', {
      description: `the gate of ${first.name} opened`,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    process.stdout.write(`operator-readiness-gate: CN alive to gate True in ${Date.now() - openedAt} ms\n`);
    const now = await pods(namespace);
    assert.equal(gateOf(now.find((p) => p.name === second.name) ?? second), 'False');

    fe.liveness.setAlive(`${first.ip}:9050`, false);
    await waitFor(async () => gateOf((await pods(namespace)).find((p) => p.name === first.name) ?? first) === 'False', {
      description: `the gate of ${first.name} closed again`,
      timeoutMs: 30_000,
      intervalMs: 200,
    });
  });
});
