// Scale-in with real graceful stop: the leaving CN is dropped from the FE first, the StatefulSet shrinks only
// after that, and the CN, stopped through the preStop hook (stop_cn.sh -g), lets its running fragments finish
// before its container exits.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kubectl, useNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { fragmentState, runFragment } from '@starrocks-cn-operator/testbed/real-node';
import { labelSelectorString, statefulSetName } from '../../../src/builders/names.js';
import { applyObjects, groupObjects, waitForReadyPods } from '../../support/real-node/fixtures.js';
import { useOperatorAndBridgeFe } from '../../support/real-node/operator.js';

describe('scale-in on a real node', () => {
  const feOf = useOperatorAndBridgeFe();

  test('the leaving CN is dropped, then stopped gracefully: its running fragments finish', async (t) => {
    const fe = feOf();
    const namespace = await useNamespace(t, 'rn-scale-in');
    const identity = { metadata: { name: 'shrink', namespace } };
    await applyObjects(groupObjects({ namespace, name: 'shrink', fe, replicas: 2 }));
    const pods = await waitForReadyPods(namespace, labelSelectorString(identity), 2, 180_000);
    const leaving = pods.find((pod) => pod.name.endsWith('-1'));
    const staying = pods.find((pod) => pod.name.endsWith('-0'));
    assert.ok(leaving && staying);

    // Two 15 s fragments on the leaving CN (the 3.4.5+ graceful bound is 20 s), one on the staying one.
    const fragments = [runFragment(leaving.ip, 15_000), runFragment(leaving.ip, 15_000)];
    const stayingFragment = runFragment(staying.ip, 5_000);
    await waitFor(async () => (await fragmentState(leaving.ip))?.running === 2, {
      description: 'both fragments running',
      timeoutMs: 10_000,
    });

    const scaled = await kubectl([
      'patch',
      'computenodegroup',
      'shrink',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      '{"spec":{"replicas":1}}',
    ]);
    assert.equal(scaled.code, 0, scaled.stderr);

    // Sample every 200 ms: when the FE dropped the CN, when the StatefulSet shrank, when the CN began to stop.
    const dropPattern = new RegExp(`DROP COMPUTE NODE\\s+['"]${leaving.ip.replaceAll('.', '\\.')}:9050['"]`, 'i');
    let shrankAt: number | undefined;
    let stoppingAt: number | undefined;
    let goneAt: number | undefined;
    const deadline = Date.now() + 120_000;
    while (goneAt === undefined && Date.now() < deadline) {
      const now = Date.now();
      if (shrankAt === undefined) {
        const replicas = await kubectl([
          'get',
          'statefulset',
          statefulSetName(identity),
          '-n',
          namespace,
          '-o',
          'jsonpath={.spec.replicas}',
        ]);
        // Seen once the read returns: the shrink may have happened at any moment of the read, so the time before
        // it would put a shrink that followed the DROP within the same read before it.
        if (replicas.stdout.trim() === '1') shrankAt = Date.now();
      }
      const state = await fragmentState(leaving.ip, 500);
      if (state?.stopping === true) stoppingAt ??= now;
      if (state === undefined && stoppingAt !== undefined) goneAt = now;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const outcomes = await Promise.all(fragments);
    const drop = fe.statementsMatching(dropPattern)[0];

    assert.ok(drop, `the FE received a DROP for ${leaving.ip}:9050`);
    assert.ok(shrankAt !== undefined, 'the StatefulSet shrank');
    assert.ok(stoppingAt !== undefined, 'the leaving CN stopped gracefully (stop_cn.sh -g)');
    assert.ok(drop.at.getTime() <= shrankAt, 'the DROP came before the StatefulSet shrank');
    assert.ok(drop.at.getTime() <= stoppingAt, 'the DROP came before the CN was told to stop');
    assert.deepEqual(outcomes, ['finished', 'finished'], 'no fragment was cut off');
    assert.equal(await stayingFragment, 'finished');
    assert.equal(fe.statementsMatching(/DROP COMPUTE NODE/i).length, 1, 'only the leaving CN was dropped');
    assert.deepEqual(fe.computeNodeAddresses(), [`${staying.ip}:9050`]);
  });
});
