// The operator's pod killed while a group scales out (force delete: no graceful stop): the Deployment brings a new
// one, which takes the Lease and converges the group; no CN is dropped, none is left out, no ghost stays.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kubectl, useNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { labelSelectorString } from '../../../src/builders/names.js';
import { applyObjects, groupObjects, scaleGroup, waitForReadyPods } from '../../support/real-node/fixtures.js';
import {
  leaseHolder,
  OPERATOR_NAMESPACE,
  OPERATOR_SELECTOR,
  useOperatorAndBridgeFe,
} from '../../support/real-node/operator.js';

describe('the operator pod killed on a real node', () => {
  const feOf = useOperatorAndBridgeFe();

  test('a new operator pod converges the group: every pod registered, nothing dropped', async (t) => {
    const fe = feOf();
    const namespace = await useNamespace(t, 'rn-operator-kill');
    const selector = labelSelectorString({ metadata: { name: 'steady', namespace } });
    await applyObjects(groupObjects({ namespace, name: 'steady', fe, replicas: 1 }));
    await waitForReadyPods(namespace, selector, 1, 180_000);
    const before = await leaseHolder();

    await scaleGroup(namespace, 'steady', 3);
    const killed = await kubectl([
      'delete',
      'pod',
      '-n',
      OPERATOR_NAMESPACE,
      '-l',
      OPERATOR_SELECTOR,
      '--force',
      '--grace-period=0',
    ]);
    assert.equal(killed.code, 0, killed.stderr);

    const pods = await waitForReadyPods(namespace, selector, 3, 240_000);
    const holder = await waitFor(
      async () => {
        const current = await leaseHolder();
        return current !== before ? current : undefined;
      },
      { description: 'a new leader', timeoutMs: 120_000, intervalMs: 1_000 },
    );
    const [operatorPod] = await waitForReadyPods(OPERATOR_NAMESPACE, OPERATOR_SELECTOR, 1, 120_000);
    assert.ok(operatorPod && holder.startsWith(operatorPod.name), `the new pod ${operatorPod?.name} leads (${holder})`);
    await waitFor(() => Promise.resolve(fe.computeNodeAddresses().length === 3), {
      description: 'three CNs in the FE',
      timeoutMs: 60_000,
    });
    assert.deepEqual(fe.computeNodeAddresses().sort(), pods.map((pod) => `${pod.ip}:9050`).sort());
    assert.deepEqual(fe.statementsMatching(/DROP COMPUTE NODE/i), [], 'no CN was dropped');
  });
});
