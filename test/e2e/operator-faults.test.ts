// The operator when things go wrong, against the real control plane and the FE simulator: the FE refusing
// connections during a scale-out, the operator SIGKILLed in the middle of a scale-in, nodes added by hand to the
// FE, and deleting groups with the FE up (every member dropped) and down (released within the deletion bound).
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
  condition,
  createOperatorIdentity,
  removeOperatorIdentity,
  getGroup,
  groupPods,
  seedExampleObjects,
  startOperator,
  waitForCondition,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';

const GROUP = 'computenodegroup-sample';
const DOOMED = 'doomed';
const FOREIGN = '10.99.0.1:9050';
const HAND_ADDED = '10.99.0.2:9050';
const BACKEND = '10.99.1.1:9050';
/** The reconciler's default deletion bound (DEFAULT_RECONCILER_SETTINGS.deletionTimeoutMs). */
const DELETION_BOUND_MS = 120_000;

async function scale(namespace: string, group: string, replicas: number): Promise<void> {
  const result = await kubectl(['scale', 'cng', group, '-n', namespace, `--replicas=${replicas}`]);
  assert.equal(result.code, 0, result.stderr);
}

async function statefulSetReplicas(namespace: string, name: string): Promise<number | undefined> {
  const result = await kubectl(['get', 'statefulset', name, '-n', namespace, '-o', 'jsonpath={.spec.replicas}']);
  return result.code === 0 ? Number(result.stdout) : undefined;
}

/** The group's Events, one `reason: message` a line (for failure messages). */
async function groupEvents(namespace: string, name: string): Promise<string> {
  const result = await kubectl([
    'get',
    'events',
    '-n',
    namespace,
    '--field-selector',
    `involvedObject.name=${name},involvedObject.kind=ComputeNodeGroup`,
    '-o',
    'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}',
  ]);
  return result.stdout;
}

describe('operator: FE outage, crash, hand-added nodes, deletion', { timeout: 600_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let identity: OperatorIdentity;
  let operator: RunningOperator | undefined;
  const fe = new FeSimulator({
    version: '3.3',
    heartbeatPeriodMs: 500,
    computeNodes: [{ address: FOREIGN, alive: true }],
    backends: [{ address: BACKEND }],
  });
  fe.liveness.defaultOutcome = { ok: true };
  // The doomed group's own FE: it goes down for good, while the main FE keeps serving the other tests.
  const doomedFe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 500 });
  doomedFe.liveness.defaultOutcome = { ok: true };
  let doomedDeletedAt = 0;
  const figures: Record<string, number> = {};

  before(async () => {
    await installCrd();
    await fe.start();
    await doomedFe.start();
    testNamespace = await freshNamespace('operator-faults');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({ identity, watchNamespaces: [namespace], label: 'faults-1' });
  });

  after(async () => {
    await kubectl(['delete', 'cng', '--all', '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    await operator?.stop();
    await fe.stop();
    await doomedFe.stop();
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
    process.stdout.write(`operator-faults figures: ${JSON.stringify(figures)}\n`);
  });

  it('deleting a group while its FE is down starts (the release is checked at the end of this file)', async () => {
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      delete spec['autoScalingPolicy'];
      spec['replicas'] = 3;
    });
    const doomed = structuredClone(objects.find((object) => object['kind'] === 'ComputeNodeGroup'));
    assert.ok(doomed !== undefined);
    (doomed['metadata'] as Record<string, unknown>)['name'] = DOOMED;
    const doomedSpec = doomed['spec'] as Record<string, unknown>;
    doomedSpec['replicas'] = 2;
    (doomedSpec['feInfo'] as Record<string, unknown>)['addresses'] = doomedFe.addresses;
    const created = await kubectlCreate([...objects, doomed]);
    assert.equal(created.code, 0, created.stderr);

    await waitForMembers(namespace, DOOMED, 2, () => doomedFe.computeNodeAddresses());
    await doomedFe.setFault('refuse');
    doomedDeletedAt = Date.now();
    const deleted = await kubectl(['delete', 'cng', DOOMED, '-n', namespace, '--wait=false']);
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  it('FE down during a scale-out: the StatefulSet and pods still scale, FEReachable=False, then membership converges', async () => {
    await waitForMembers(namespace, GROUP, 3, () => fe.computeNodeAddresses());
    await fe.setFault('refuse');
    await scale(namespace, GROUP, 6);
    await waitFor(
      async () => {
        const pods = await groupPods(namespace, GROUP);
        return (await statefulSetReplicas(namespace, GROUP)) === 6 && pods.length === 6 && pods.every((p) => p.ready);
      },
      { description: 'StatefulSet at 6 with 6 Ready pods while the FE is down', timeoutMs: 120_000, intervalMs: 1_000 },
    );
    const down = await waitForCondition(namespace, GROUP, 'FEReachable', 'False', 60_000);
    const reachable = condition(down, 'FEReachable');
    assert.ok(reachable?.reason !== undefined && reachable.reason !== '', 'FEReachable=False without a reason');
    assert.ok(reachable.message !== undefined && reachable.message !== '', 'FEReachable=False without a message');
    assert.notEqual(condition(down, 'Ready')?.status, 'True');

    const backAt = Date.now();
    await fe.setFault('normal');
    await waitForMembers(namespace, GROUP, 6, () => fe.computeNodeAddresses());
    figures['feBackToAllRegisteredMs'] = Date.now() - backAt;
    await waitForCondition(namespace, GROUP, 'FEReachable', 'True', 60_000);
    await waitForCondition(namespace, GROUP, 'Ready', 'True', 60_000);
  });

  it('a node added to the FE by hand is left alone', async () => {
    fe.seedComputeNode({ address: HAND_ADDED, alive: true });
    // A few FE syncs (2 s each) with the hand-added node present.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    assert.ok(fe.computeNodeAddresses().includes(HAND_ADDED));
  });

  it('operator SIGKILLed in the middle of a scale-in, restarted: converges, no ghost node, no wrong drop', async () => {
    const before = await waitForMembers(namespace, GROUP, 6, () => fe.computeNodeAddresses());
    const staying = before.filter((pod) => pod.ordinal < 2);
    const leaving = before.filter((pod) => pod.ordinal >= 2);
    // A slow FE widens the window between the first DROP and the StatefulSet write.
    fe.setLatency(1_500);
    const dropsBefore = fe.statementsMatching(/DROP COMPUTE NODE/i).length;
    await scale(namespace, GROUP, 2);
    await waitFor(() => Promise.resolve(fe.statementsMatching(/DROP COMPUTE NODE/i).length > dropsBefore), {
      description: 'the first DROP of the scale-in',
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    await operator?.kill();
    fe.setLatency(0);
    const replicasAtKill = await statefulSetReplicas(namespace, GROUP);
    figures['statefulSetReplicasAtKill'] = replicasAtKill ?? -1;

    operator = await startOperator({ identity, watchNamespaces: [namespace], label: 'faults-2' });
    const after = await waitForMembers(namespace, GROUP, 2, () => fe.computeNodeAddresses());
    assert.deepEqual(
      after.map((pod) => pod.name),
      staying.map((pod) => pod.name),
    );
    // No ghost: the FE lists the two staying CNs and the foreign and hand-added nodes, nothing else.
    const expected = [...staying.map((pod) => `${pod.ip ?? ''}:9050`), FOREIGN, HAND_ADDED].sort();
    await waitFor(
      () => Promise.resolve(JSON.stringify(fe.computeNodeAddresses().sort()) === JSON.stringify(expected)),
      {
        description: `the FE listing exactly ${expected.join(', ')}`,
        timeoutMs: 60_000,
      },
    );
    const dropped = fe.membershipChanges('drop');
    for (const pod of staying) assert.ok(!dropped.includes(`${pod.ip ?? ''}:9050`), `${pod.name} wrongly dropped`);
    for (const pod of leaving) assert.ok(dropped.includes(`${pod.ip ?? ''}:9050`), `${pod.name} never dropped`);
    await waitForCondition(namespace, GROUP, 'Ready', 'True', 60_000);
  });

  it('never dropped the foreign CN, the hand-added CN or the BE', () => {
    const touched = fe
      .statementsMatching(/DROP (COMPUTE NODE|BACKEND)|DECOMMISSION/i)
      .filter((s) => s.sql.includes('10.99.'));
    assert.deepEqual(
      touched.map((s) => s.sql),
      [],
    );
    assert.ok(fe.computeNodeAddresses().includes(FOREIGN));
    assert.ok(fe.computeNodeAddresses().includes(HAND_ADDED));
  });

  it('deleting the group drops every member from the FE and completes', async () => {
    const pods = await groupPods(namespace, GROUP);
    const deletedAt = Date.now();
    const deleted = await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=false']);
    assert.equal(deleted.code, 0, deleted.stderr);
    // Well inside the reconciler's 120 s deletion bound: with the FE up nothing should make it wait that long.
    await waitFor(async () => (await getGroup(namespace, GROUP)) === undefined, {
      description: 'the group gone',
      timeoutMs: 90_000,
      intervalMs: 500,
    }).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nthe group's Events:\n${await groupEvents(namespace, GROUP)}`);
    });
    figures['deleteToGoneMs'] = Date.now() - deletedAt;
    for (const pod of pods) assert.ok(!fe.computeNodeAddresses().includes(`${pod.ip ?? ''}:9050`), `${pod.name} left`);
    assert.deepEqual(fe.computeNodeAddresses().sort(), [FOREIGN, HAND_ADDED].sort());
  });

  it('the group deleted while its FE was down is released within the deletion bound', async () => {
    assert.ok(doomedDeletedAt > 0, 'the doomed group was never deleted');
    await waitFor(async () => (await getGroup(namespace, DOOMED)) === undefined, {
      description: 'the doomed group gone',
      timeoutMs: Math.max(1_000, doomedDeletedAt + DELETION_BOUND_MS + 60_000 - Date.now()),
      intervalMs: 1_000,
    });
    figures['feDownDeleteToGoneAtMostMs'] = Date.now() - doomedDeletedAt;
    const events = await groupEvents(namespace, DOOMED);
    assert.ok(events.includes('FEMembersLeftBehind'), `events: ${events}`);
    assert.equal((await groupPods(namespace, DOOMED)).length, 0);
  });
});
