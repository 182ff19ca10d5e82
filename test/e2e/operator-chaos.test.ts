// Faults injected at random and at the worst moments, against the real control plane and the FE simulator:
//   1. 20 seeded random scale cycles of one group between 1 and 15 CNs, the operator SIGKILLed at a random moment in
//      about half of them and restarted: after each cycle the FE lists exactly the group's pods plus the foreign and
//      hand-added nodes, and no CN whose pod was meant to stay was ever dropped;
//   2. the FE stalled (accepts connections, never answers) during a scale-out, then slow (2 s a statement) during a
//      scale-in: the Kubernetes side goes on, the operator's retries stay at the sync period (counted), the work queue
//      does not grow, and membership converges when the FE recovers;
//   3. CN pods deleted by hand and evicted (the Eviction API a node drain uses) in the middle of a scale-in: no ghost
//      entry stays in the FE, and no staying CN is dropped except for a new address.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  freshNamespace,
  kubectl,
  kubectlCreate,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { seededRandom, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';
import {
  condition,
  createOperatorIdentity,
  getGroup,
  groupPods,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForCondition,
  waitForMembers,
  type OperatorIdentity,
  type PodInfo,
  type RunningOperator,
} from '../support/operator.js';

const GROUP = 'computenodegroup-sample';
const FOREIGN = '10.99.0.1:9050';
const HAND_ADDED = '10.99.0.2:9050';
const CYCLES = 20;
const MAX_CNS = 15;

function address(pod: PodInfo): string {
  return `${pod.ip ?? '(no ip)'}:9050`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function scale(namespace: string, replicas: number): Promise<void> {
  const result = await kubectl(['scale', 'cng', GROUP, '-n', namespace, `--replicas=${replicas}`]);
  assert.equal(result.code, 0, result.stderr);
}

/** A counter of the operator's /metrics (summed over its label sets), 0 when absent. */
function counter(text: string, series: string, labels = ''): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${series}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe(
  'operator: random scale cycles with crashes, a stalled and a slow FE, pods deleted and evicted',
  { timeout: 900_000 },
  () => {
    let namespace = '';
    let testNamespace: TestNamespace | undefined;
    let identity: OperatorIdentity;
    let operator: RunningOperator | undefined;
    let restarts = 0;
    const figures: Record<string, number | string> = {};
    const fe = new FeSimulator({
      version: '3.3',
      heartbeatPeriodMs: 300,
      computeNodes: [{ address: FOREIGN, alive: true }],
    });
    fe.liveness.defaultOutcome = { ok: true };

    const start = async (): Promise<RunningOperator> =>
      startOperator({
        identity,
        watchNamespaces: [namespace],
        label: `chaos-${restarts++}`,
        feSyncPeriod: '1s',
        metrics: true,
      });

    /** The FE lists exactly these pods' CNs plus the foreign and hand-added nodes. */
    async function feListsExactly(pods: readonly PodInfo[], description: string): Promise<void> {
      const expected = [...pods.map(address), FOREIGN, HAND_ADDED].sort();
      await waitFor(
        () => Promise.resolve(JSON.stringify([...fe.computeNodeAddresses()].sort()) === JSON.stringify(expected)),
        {
          description: `${description}: the FE listing exactly ${expected.join(', ')} (it lists ${[...fe.computeNodeAddresses()].sort().join(', ')})`,
          timeoutMs: 60_000,
          intervalMs: 200,
        },
      );
    }

    /** Which of these addresses the FE dropped since `from` (its own log, not the statements' text). */
    function dropsOf(from: Date, addresses: readonly string[]): string[] {
      return fe.membershipChanges('drop', from).filter((dropped) => addresses.includes(dropped));
    }

    before(async () => {
      await installCrd();
      await fe.start();
      testNamespace = await freshNamespace('operator-chaos');
      namespace = testNamespace.name;
      identity = await createOperatorIdentity(namespace);
      operator = await start();
      const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
        spec['replicas'] = 3;
        delete spec['autoScalingPolicy'];
      });
      const created = await kubectlCreate(objects);
      assert.equal(created.code, 0, created.stderr);
      await waitForMembers(namespace, GROUP, 3, () => fe.computeNodeAddresses());
      fe.seedComputeNode({ address: HAND_ADDED, alive: true });
    });

    after(async () => {
      await kubectl(['delete', 'cng', '--all', '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
      await operator?.stop();
      await fe.stop();
      await removeOperatorIdentity(identity);
      await testNamespace?.delete();
      process.stdout.write(`operator-chaos figures: ${JSON.stringify(figures)}\n`);
    });

    it(`${CYCLES} random scale cycles between 1 and ${MAX_CNS} CNs, the operator SIGKILLed at random moments`, async () => {
      const seed = Number(process.env['CHAOS_SEED'] ?? Date.now() % 100_000);
      const next = seededRandom(seed);
      figures['seed'] = seed;
      let current = 3;
      let kills = 0;
      const started = Date.now();
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        let target = 1 + Math.floor(next() * MAX_CNS);
        if (target === current) target = current === MAX_CNS ? 1 : current + 1;
        const before = await groupPods(namespace, GROUP);
        const staying = before.filter((pod) => pod.ordinal < Math.min(current, target));
        const from = new Date();
        const context = `seed ${seed}, cycle ${cycle}: ${current} -> ${target}`;
        await scale(namespace, target);
        if (next() < 0.5) {
          await sleep(Math.floor(next() * 3_000));
          await operator?.kill();
          kills++;
          operator = await start();
        }
        const after = await waitForMembers(namespace, GROUP, target, () => fe.computeNodeAddresses(), 120_000);
        await feListsExactly(after, context);
        const wrong = dropsOf(
          from,
          staying.filter((pod) => after.some((p) => p.name === pod.name && p.ip === pod.ip)).map(address),
        );
        assert.deepEqual(wrong, [], `${context}: a staying CN was dropped`);
        current = target;
      }
      figures['cycles'] = CYCLES;
      figures['kills'] = kills;
      figures['cyclesSeconds'] = Math.round((Date.now() - started) / 1000);
      const foreignDrops = dropsOf(new Date(0), [FOREIGN, HAND_ADDED]);
      assert.deepEqual(foreignDrops, [], 'the foreign and hand-added nodes were never dropped');
      await waitForCondition(namespace, GROUP, 'Ready', 'True', 60_000);
    });

    it('an FE that stalls during a scale-out and is slow during a scale-in: bounded retries, then convergence', async () => {
      await scale(namespace, 2);
      await waitForMembers(namespace, GROUP, 2, () => fe.computeNodeAddresses());
      const metricsBefore = (await operator?.metricsText()) ?? '';

      // Stalled: connections are accepted and never answered. The StatefulSet still grows; the FE is waited for.
      await fe.setFault('stall');
      const stallStarted = Date.now();
      await scale(namespace, 5);
      await waitFor(async () => (await groupPods(namespace, GROUP)).filter((pod) => pod.ready).length === 5, {
        description: 'the 5 pods Ready while the FE stalls',
        timeoutMs: 60_000,
      });
      const stalled = await waitForCondition(namespace, GROUP, 'FEReachable', 'False', 60_000);
      figures['stallReason'] = condition(stalled, 'FEReachable')?.reason ?? '';
      await sleep(Math.max(0, 20_000 - (Date.now() - stallStarted)));
      const metricsStalled = (await operator?.metricsText()) ?? '';
      const stallSeconds = (Date.now() - stallStarted) / 1000;
      const reconciles =
        counter(metricsStalled, 'controller_runtime_reconcile_total') -
        counter(metricsBefore, 'controller_runtime_reconcile_total');
      const retries =
        counter(metricsStalled, 'workqueue_retries_total') - counter(metricsBefore, 'workqueue_retries_total');
      const depth = counter(metricsStalled, 'workqueue_depth');
      figures['stallSeconds'] = Math.round(stallSeconds);
      figures['reconcilesDuringStall'] = reconciles;
      figures['retriesDuringStall'] = retries;
      figures['queueDepthDuringStall'] = depth;
      // One group: at most one pass per FE sync period (1 s) plus the passes the pod changes caused; never a hot loop.
      assert.ok(reconciles <= stallSeconds * 2 + 20, `${reconciles} reconciles in ${stallSeconds}s of stall`);
      assert.ok(depth <= 1, `work queue depth ${depth}`);
      // A stalled FE is an observation, not a failed pass: it is read again at the sync period, never retried with
      // backoff on top of that.
      assert.equal(retries, 0, `${retries} work queue retries while the FE stalled`);
      await fe.setFault('normal');
      const grown = await waitForMembers(namespace, GROUP, 5, () => fe.computeNodeAddresses());
      await feListsExactly(grown, 'after the stall');
      figures['convergedAfterStallSeconds'] = Math.round((Date.now() - stallStarted) / 1000 - stallSeconds);

      // Slow: every statement takes 2 s. The scale-in still drops the leaving CNs first, and only them.
      fe.setLatency(2_000);
      const from = new Date();
      const slowStarted = Date.now();
      await scale(namespace, 2);
      const shrunk = await waitForMembers(namespace, GROUP, 2, () => fe.computeNodeAddresses(), 120_000);
      fe.setLatency(0);
      figures['scaleInWithSlowFeSeconds'] = Math.round((Date.now() - slowStarted) / 1000);
      await feListsExactly(shrunk, 'after the slow scale-in');
      assert.deepEqual(dropsOf(from, shrunk.map(address)), [], 'a staying CN was dropped');
      await waitForCondition(namespace, GROUP, 'Ready', 'True', 60_000);
    });

    it('CN pods deleted by hand and evicted in the middle of a scale-in: no ghost, no wrong drop', async () => {
      await scale(namespace, 6);
      const before = await waitForMembers(namespace, GROUP, 6, () => fe.computeNodeAddresses());
      const keep = before.find((pod) => pod.ordinal === 0);
      const deletedStaying = before.find((pod) => pod.ordinal === 1);
      const evictedLeaving = before.find((pod) => pod.ordinal === 4);
      assert.ok(keep && deletedStaying && evictedLeaving);
      // A slow FE widens the window between the first DROP and the StatefulSet write.
      fe.setLatency(1_000);
      const from = new Date();
      const dropsBefore = fe.statementsMatching(/DROP COMPUTE NODE/i).length;
      await scale(namespace, 2);
      await waitFor(() => Promise.resolve(fe.statementsMatching(/DROP COMPUTE NODE/i).length > dropsBefore), {
        description: 'the first DROP of the scale-in',
        timeoutMs: 60_000,
        intervalMs: 50,
      });
      const deleted = await kubectl(['delete', 'pod', deletedStaying.name, '-n', namespace, '--wait=false']);
      assert.equal(deleted.code, 0, deleted.stderr);
      const eviction = JSON.stringify({
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: evictedLeaving.name, namespace },
      });
      // The disruption budget may refuse an eviction for a while (429) as a node drain sees it; like a drain, ask
      // again until it allows one, within a bound: an eviction never accepted is a failure, not a figure.
      let refusals = 0;
      let outcome = 'not tried';
      await waitFor(
        async () => {
          const evicted = await kubectl(
            ['create', '--raw', `/api/v1/namespaces/${namespace}/pods/${evictedLeaving.name}/eviction`, '-f', '-'],
            { input: eviction },
          );
          // The scale-in may have removed the pod first: then there is nothing left to evict.
          outcome =
            evicted.code === 0 ? 'accepted' : /NotFound|not found/.test(evicted.stderr) ? 'pod gone' : 'refused';
          if (outcome === 'refused') refusals++;
          return outcome !== 'refused';
        },
        { description: `the eviction of ${evictedLeaving.name} accepted by the API server`, timeoutMs: 60_000 },
      );
      figures['eviction'] = outcome;
      figures['evictionRefusals'] = refusals;
      fe.setLatency(0);

      const after = await waitForMembers(namespace, GROUP, 2, () => fe.computeNodeAddresses(), 120_000);
      await feListsExactly(after, 'after the deletions');
      assert.deepEqual(dropsOf(from, [address(keep)]), [], 'the untouched staying CN was dropped');
      const recreated = after.find((pod) => pod.ordinal === 1);
      if (recreated?.ip === deletedStaying.ip) {
        assert.deepEqual(
          dropsOf(from, [address(deletedStaying)]),
          [],
          'the re-created CN kept its address and its entry',
        );
      }
      const group = await getGroup(namespace, GROUP);
      assert.equal(group?.status?.computeNodes?.length, 2, 'the ledger holds the two CNs and nothing else');
      await waitForCondition(namespace, GROUP, 'Ready', 'True', 60_000);
    });
  },
);
