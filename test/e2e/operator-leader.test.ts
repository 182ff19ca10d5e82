// Two operator replicas with --leader-elect against the real control plane: one holds the Lease and acts, the other
// waits without reconciling; SIGKILLing the leader hands over within about the lease duration (15 s), and the new
// leader carries on. Both replicas use the same ServiceAccount, so who acts is told by the Lease and the logs.
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
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
  identityOf,
  leaseHolder,
} from '../support/operator.js';

const GROUP = 'computenodegroup-sample';
const LEASE = 'cn-operator-e2e';
const CONTROLLER_STARTED = 'starting the ComputeNodeGroup controller';

async function startedController(operator: RunningOperator): Promise<boolean> {
  return (await operator.logLines()).some((line) => line['msg'] === CONTROLLER_STARTED);
}

describe('operator: two replicas with leader election', { timeout: 300_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let identity: OperatorIdentity;
  const replicas: RunningOperator[] = [];
  const fe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 500 });
  fe.liveness.defaultOutcome = { ok: true };
  const figures: Record<string, number> = {};

  before(async () => {
    await installCrd();
    await fe.start();
    testNamespace = await freshNamespace('operator-leader');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
  });

  after(async () => {
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    for (const replica of replicas) await replica.stop();
    await fe.stop();
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
    process.stdout.write(`operator-leader figures: ${JSON.stringify(figures)}\n`);
  });

  const start = async (label: string): Promise<RunningOperator> => {
    const replica = await startOperator({
      identity,
      watchNamespaces: [namespace],
      label,
      leaderElection: { namespace, id: LEASE },
    });
    replicas.push(replica);
    return replica;
  };

  it('one replica leads and acts; the other waits and does not reconcile; a kill hands over', async () => {
    const first = await start('a');
    const firstIdentity = await waitFor(
      async () => {
        const holder = await leaseHolder(namespace, LEASE);
        return holder !== undefined && holder === (await identityOf(first)) ? holder : undefined;
      },
      { description: 'replica a holding the Lease', timeoutMs: 60_000 },
    );
    const second = await start('b');
    const secondIdentity = await waitFor(() => identityOf(second), {
      description: 'replica b logging its elector identity',
      timeoutMs: 30_000,
    });
    assert.notEqual(secondIdentity, firstIdentity);

    const created = await kubectlCreate(
      await seedExampleObjects(namespace, fe.addresses, (spec) => {
        delete spec['autoScalingPolicy'];
        spec['replicas'] = 2;
      }),
    );
    assert.equal(created.code, 0, created.stderr);
    await waitForMembers(namespace, GROUP, 2, () => fe.computeNodeAddresses());
    assert.equal(await leaseHolder(namespace, LEASE), firstIdentity);
    assert.ok(await startedController(first), 'the leader never started its controller');
    assert.ok(!(await startedController(second)), 'the follower started a controller while a leader held the Lease');

    const killedAt = Date.now();
    await first.kill();
    const holder = await waitFor(
      async () => {
        const current = await leaseHolder(namespace, LEASE);
        return current === secondIdentity ? current : undefined;
      },
      { description: 'replica b taking the Lease over', timeoutMs: 45_000, intervalMs: 250 },
    );
    figures['handoverMs'] = Date.now() - killedAt;
    assert.equal(holder, secondIdentity);
    assert.ok(figures['handoverMs'] < 30_000, `handover took ${figures['handoverMs']} ms`);

    // The new leader acts: a scale-out is carried through to the FE.
    await waitFor(() => startedController(second), {
      description: 'replica b starting its controller',
      timeoutMs: 30_000,
    });
    const scaled = await kubectl(['scale', 'cng', GROUP, '-n', namespace, '--replicas=4']);
    assert.equal(scaled.code, 0, scaled.stderr);
    await waitForMembers(namespace, GROUP, 4, () => fe.computeNodeAddresses());
  });

  it('an orderly stop of the leader releases the Lease to a waiting replica at once', async () => {
    const leader = replicas[1];
    assert.ok(leader !== undefined && !leader.exited());
    const third = await start('c');
    const thirdIdentity = await waitFor(() => identityOf(third), {
      description: 'replica c logging its elector identity',
      timeoutMs: 30_000,
    });
    assert.ok(!(await startedController(third)));
    const stoppedAt = Date.now();
    await leader.stop();
    await waitFor(async () => (await leaseHolder(namespace, LEASE)) === thirdIdentity, {
      description: 'replica c taking the released Lease',
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    figures['releaseHandoverMs'] = Date.now() - stoppedAt;
    await waitFor(() => startedController(third), {
      description: 'replica c starting its controller',
      timeoutMs: 30_000,
    });
  });
});
