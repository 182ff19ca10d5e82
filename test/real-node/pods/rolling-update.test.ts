// A rolling update with real readiness: a cn.conf change replaces the pods one at a time, and a replaced pod is
// Ready only once the FE reports its CN alive, so the FE never has fewer than replicas - 1 of the group's CNs alive.
// Every old CN keeps a fragment running while the FE lists it: none may be cut off (each is dropped, drained by its
// pod's preStop gate, then stopped gracefully).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kubectl, useNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { type FragmentOutcome, runFragment } from '@starrocks-cn-operator/testbed/real-node';
import { labelSelectorString } from '../../../src/builders/names.js';
import {
  aliveInFe,
  applyObjects,
  DEFAULT_CN_CONF,
  groupObjects,
  podSummaries,
  waitForReadyPods,
} from '../../support/real-node/fixtures.js';
import { useOperatorAndBridgeFe } from '../../support/real-node/operator.js';

const REPLICAS = 4;

describe('a rolling update on a real node', () => {
  const feOf = useOperatorAndBridgeFe();

  test('a cn.conf change: never fewer than 3 of 4 CNs alive, every old CN stops gracefully', async (t) => {
    const fe = feOf();
    const namespace = await useNamespace(t, 'rn-rollout');
    const selector = labelSelectorString({ metadata: { name: 'roll', namespace } });
    await applyObjects(groupObjects({ namespace, name: 'roll', fe, replicas: REPLICAS }));
    const oldPods = await waitForReadyPods(namespace, selector, REPLICAS, 240_000);
    const oldIps = oldPods.map((pod) => pod.ip);

    // Each old CN runs 2 s fragments back to back while the FE lists it (new work comes only through the FE, which
    // sends none to a CN it dropped), until it refuses (stopping) or goes away.
    const outcomes: FragmentOutcome[] = [];
    let stop = false;
    const keepBusy = async (ip: string): Promise<void> => {
      while (!stop && fe.computeNodeAddresses().includes(`${ip}:9050`)) {
        const outcome = await runFragment(ip, 2_000);
        outcomes.push(outcome);
        if (outcome !== 'finished') return; // refused (stopping), or the CN is gone
      }
    };
    const busy = oldIps.map((ip) => keepBusy(ip));

    const changed = await kubectl([
      'patch',
      'configmap',
      'roll-conf',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      JSON.stringify({ data: { 'cn.conf': `${DEFAULT_CN_CONF}sys_log_level = WARN\n` } }),
    ]);
    assert.equal(changed.code, 0, changed.stderr);

    // Sample every 200 ms until every pod is new and Ready: the fewest CNs of the group alive in the FE.
    let fewestAlive = REPLICAS;
    let samples = 0;
    const deadline = Date.now() + 300_000;
    try {
      for (;;) {
        const pods = await podSummaries(namespace, selector);
        const ips = pods.map((pod) => pod.ip).filter((ip) => ip !== '');
        fewestAlive = Math.min(fewestAlive, aliveInFe(fe, [...new Set([...ips, ...oldIps])]));
        samples += 1;
        const replaced =
          pods.length === REPLICAS && pods.every((pod) => !oldIps.includes(pod.ip) && pod.ready && !pod.deleting);
        if (replaced || Date.now() > deadline) {
          assert.ok(replaced, `the rollout did not finish in time: ${JSON.stringify(pods)}`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      // A failed wait must not leave the loops feeding the old CNs (their pods' gates would wait the whole window).
      stop = true;
    }
    await Promise.all(busy);

    assert.ok(samples > 10, `sampled ${samples} times`);
    assert.ok(fewestAlive >= REPLICAS - 1, `only ${fewestAlive} CNs were alive at one sample`);
    assert.equal(
      outcomes.filter((outcome) => outcome === 'cut').length,
      0,
      `a fragment was cut off: ${outcomes.join(',')}`,
    );
    assert.ok(outcomes.filter((outcome) => outcome === 'finished').length >= REPLICAS, 'fragments ran on the old CNs');
    // The FE ends with exactly the new pods.
    const newPods = await podSummaries(namespace, selector);
    assert.deepEqual(fe.computeNodeAddresses().sort(), newPods.map((pod) => `${pod.ip}:9050`).sort());
  });
});
