// Scale-in with the drain protocol on a real kubelet: the leaving CN is dropped from the FE first, the StatefulSet
// shrinks only after that, and the pod's preStop drain gate (the default `spec.drain.order: Drain`) waits for the
// CN's running fragments, read from its own /metrics with busybox wget, before `stop_cn.sh -g`. The fragments run
// 30 s, longer than the CN's own graceful bound (20 s, loop_count_wait_fragments_finish): only the gate saves them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kubectl, useNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { fragmentState, runFragment } from '@starrocks-cn-operator/testbed/real-node';
import { labelSelectorString, statefulSetName } from '../../../src/builders/names.js';
import { applyObjects, groupObjects, scaleGroup, waitForReadyPods } from '../../support/real-node/fixtures.js';
import { useOperatorAndBridgeFe } from '../../support/real-node/operator.js';

describe('scale-in on a real node', () => {
  const feOf = useOperatorAndBridgeFe();

  test('the leaving CN is dropped, then drained: stopped only once its running fragments finished', async (t) => {
    const fe = feOf();
    const namespace = await useNamespace(t, 'rn-scale-in');
    const identity = { metadata: { name: 'shrink', namespace } };
    await applyObjects(groupObjects({ namespace, name: 'shrink', fe, replicas: 2 }));
    const pods = await waitForReadyPods(namespace, labelSelectorString(identity), 2, 180_000);
    const leaving = pods.find((pod) => pod.name.endsWith('-1'));
    const staying = pods.find((pod) => pod.name.endsWith('-0'));
    assert.ok(leaving && staying);

    // Two 30 s fragments on the leaving CN (beyond the CN's own 20 s graceful bound), one on the staying one.
    let lastFinishedAt = 0;
    const fragments = [runFragment(leaving.ip, 30_000), runFragment(leaving.ip, 30_000)].map((fragment) =>
      fragment.then((outcome) => {
        lastFinishedAt = Date.now();
        return outcome;
      }),
    );
    const stayingFragment = runFragment(staying.ip, 5_000);
    await waitFor(async () => (await fragmentState(leaving.ip))?.running === 2, {
      description: 'both fragments running',
      timeoutMs: 10_000,
    });

    await scaleGroup(namespace, 'shrink', 1);

    // Sample every 200 ms: when the FE dropped the CN, when the StatefulSet shrank, when the CN began to stop.
    const dropPattern = new RegExp(`DROP COMPUTE NODE\\s+['"]${leaving.ip.replaceAll('.', '\\.')}:9050['"]`, 'i');
    let shrankAt: number | undefined;
    let stoppingAt: number | undefined;
    let goneAt: number | undefined;
    let silentReads = 0;
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
      // Gone: three reads in a row without an answer (one slow answer on a busy machine is not a stop).
      silentReads = state === undefined && shrankAt !== undefined ? silentReads + 1 : 0;
      if (silentReads >= 3) goneAt = now;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const outcomes = await Promise.all(fragments);
    const drop = fe.statementsMatching(dropPattern)[0];

    assert.ok(drop, `the FE received a DROP for ${leaving.ip}:9050`);
    assert.ok(shrankAt !== undefined, 'the StatefulSet shrank');
    assert.ok(goneAt !== undefined, 'the leaving CN stopped');
    assert.ok(drop.at.getTime() <= shrankAt, 'the DROP came before the StatefulSet shrank');
    assert.deepEqual(outcomes, ['finished', 'finished'], 'no fragment was cut off');
    assert.ok(lastFinishedAt <= goneAt, 'the CN stopped only after its fragments finished');
    assert.ok(stoppingAt === undefined || stoppingAt >= lastFinishedAt - 1_000, 'no SIGTERM while they ran');
    assert.equal(await stayingFragment, 'finished');
    assert.equal(fe.statementsMatching(/DROP COMPUTE NODE/i).length, 1, 'only the leaving CN was dropped');
    assert.deepEqual(fe.computeNodeAddresses(), [`${staying.ip}:9050`]);
  });
});
