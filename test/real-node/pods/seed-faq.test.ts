// The seed FAQ's two failures, as a user meets them on a real kubelet: a start command the image does not have,
// and a wrong FE address; and the migration's trap, a 2022 components image for the register sidecar. Each must show
// in the group's conditions with what to fix.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { labelSelectorString } from '../../../src/builders/names.js';
import {
  applyObjects,
  CN_2022_IMAGE,
  groupCondition,
  groupObjects,
  podSummaries,
  realNodeHost,
} from '../../support/real-node/fixtures.js';
import { useOperatorAndBridgeFe } from '../../support/real-node/operator.js';

describe('the seed FAQ on a real node', () => {
  const feOf = useOperatorAndBridgeFe();

  test("a start script missing from the image: the kubelet's error, and the field to fix", async (t) => {
    const fe = feOf();
    const namespace = await useNamespace(t, 'rn-faq-script');
    await applyObjects(
      groupObjects({
        namespace,
        name: 'old',
        fe,
        replicas: 1,
        cnImage: CN_2022_IMAGE,
        command: ['be/bin/start_cn.sh'],
      }),
    );
    const condition = await waitFor(
      async () => {
        const found = await groupCondition(namespace, 'old', 'WorkloadAvailable');
        return found?.reason === 'CNStartScriptMissing' ? found : undefined;
      },
      { description: 'WorkloadAvailable=False/CNStartScriptMissing', timeoutMs: 120_000, intervalMs: 1_000 },
    );
    assert.equal(condition.status, 'False');
    // The real kubelet's (runc's) words, carried to the group.
    assert.match(
      condition.message,
      /exec: "be\/bin\/start_cn\.sh": stat be\/bin\/start_cn\.sh: no such file or directory/,
    );
    assert.match(condition.message, /spec\.podPolicy\.command/);
    assert.deepEqual(fe.computeNodeAddresses(), [], 'nothing was added to the FE');
  });

  test('a components image without the register program (the 2022 one): the condition names the image', async (t) => {
    const fe = feOf();
    const namespace = await useNamespace(t, 'rn-faq-components');
    // The 2022-style test image stands in for the 2022 components image: neither has this operator's program.
    await applyObjects(groupObjects({ namespace, name: 'carried', fe, replicas: 1, componentsImage: CN_2022_IMAGE }));
    const condition = await waitFor(
      async () => {
        const found = await groupCondition(namespace, 'carried', 'WorkloadAvailable');
        return found?.reason === 'RegisterStartFailed' ? found : undefined;
      },
      { description: 'WorkloadAvailable=False/RegisterStartFailed', timeoutMs: 120_000, intervalMs: 1_000 },
    );
    assert.equal(condition.status, 'False');
    assert.ok(
      condition.message.includes(`image ${CN_2022_IMAGE}`) || condition.message.includes('starrocks-cn-2022'),
      condition.message,
    );
    assert.match(condition.message, /spec\.images\.componentsImage/);
    const ready = await groupCondition(namespace, 'carried', 'Ready');
    assert.equal(ready?.reason, 'RegisterStartFailed', 'Ready says why');
  });

  test('a wrong FE port: pods Running but not Ready, and a condition naming the address', async (t) => {
    const fe = feOf();
    const namespace = await useNamespace(t, 'rn-faq-fe');
    const wrong = `${realNodeHost()}:1`;
    await applyObjects(groupObjects({ namespace, name: 'lost', fe, replicas: 1, feAddress: wrong }));
    const condition = await waitFor(
      async () => {
        const found = await groupCondition(namespace, 'lost', 'FEReachable');
        return found?.status === 'False' ? found : undefined;
      },
      { description: 'FEReachable=False', timeoutMs: 120_000, intervalMs: 1_000 },
    );
    assert.equal(condition.reason, 'Unreachable');
    assert.ok(condition.message.includes(wrong), condition.message);
    assert.match(condition.message, /spec\.feInfo\.addresses/);
    const selector = labelSelectorString({ metadata: { name: 'lost', namespace } });
    const pods = await waitFor(
      async () => {
        const found = await podSummaries(namespace, selector);
        return found.length === 1 && found[0]?.phase === 'Running' ? found : undefined;
      },
      { description: 'the CN pod Running', timeoutMs: 120_000, intervalMs: 1_000 },
    );
    // Running, the CN up, but never Ready: it cannot be registered with an FE that does not answer.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const [pod] = await podSummaries(namespace, selector);
    assert.equal(pod?.name, pods[0]?.name);
    assert.equal(pod?.ready, false, 'the pod is not Ready');
    assert.deepEqual(fe.computeNodeAddresses(), []);
  });
});
