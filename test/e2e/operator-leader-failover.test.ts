// Leader failover while groups change. Two replicas with --leader-elect; six groups are scaled at random every second.
// The leader is paused (SIGSTOP) past the lease duration, so the follower takes over, then resumed while the churn
// goes on: the paused leader wakes with stale caches, due timers and reconciles in flight, the case in which an old
// leader could drop a CN its caches do not know. The FE simulator names the process behind each connection (from
// /proc), so the statement record says who wrote what; it must agree with the Lease: the old leader's ALTER SYSTEM
// statements all come before the new leader acquired the Lease, the new leader's all after, and the new leader
// converges every group (the FE lists exactly the pods).
import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import {
  freshNamespace,
  kubectl,
  kubectlCreate,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator, type StatementRecord } from '@starrocks-cn-operator/testbed/fe-simulator';
import { loopbackClientPid, seededRandom, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';
import {
  createOperatorIdentity,
  groupPods,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
  identityOf,
} from '../support/operator.js';

const LEASE = 'cn-operator-failover';
const GROUPS = 6;
const START_REPLICAS = 2;
const CHURN_EVERY_MS = 1_000;
/** Longer than the lease (15 s): the follower takes over while the leader sleeps. */
const PAUSE_MS = 25_000;
const SEED = Number(process.env['FAILOVER_SEED'] ?? '20261202');

const leaseSchema = z.object({
  spec: z.object({
    holderIdentity: z.string().optional(),
    acquireTime: z.string().optional(),
    leaseTransitions: z.number().optional(),
  }),
});

async function readLease(namespace: string): Promise<z.infer<typeof leaseSchema>['spec']> {
  const result = await kubectl(['get', 'lease', LEASE, '-n', namespace, '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  return leaseSchema.parse(JSON.parse(result.stdout)).spec;
}

function describeStatements(records: readonly StatementRecord[]): string[] {
  return records.map((record) => `${record.at.toISOString()} ${record.client ?? '?'} ${record.sql}`);
}

describe('operator: leader failover while groups change', { timeout: 420_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let identity: OperatorIdentity | undefined;
  const replicas = new Map<'a' | 'b', RunningOperator>();
  const fe = new FeSimulator({
    version: '3.3',
    heartbeatPeriodMs: 500,
    identifyClient: (port) => {
      const pid = loopbackClientPid(
        port,
        [...replicas.values()].map((replica) => replica.pid),
      );
      return [...replicas].find(([, replica]) => replica.pid === pid)?.[0];
    },
  });
  fe.liveness.defaultOutcome = { ok: true };
  const figures: Record<string, unknown> = { seed: SEED };

  before(async () => {
    await installCrd();
    await fe.start();
    testNamespace = await freshNamespace('operator-failover');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
  });

  after(async () => {
    for (const replica of replicas.values()) {
      if (!replica.exited()) process.kill(replica.pid, 'SIGCONT');
    }
    await kubectl(['delete', 'cng', '--all', '-n', namespace, '--wait=true', '--timeout=90s'], {
      timeoutMs: 100_000,
    }).catch(() => undefined);
    for (const replica of replicas.values()) await replica.stop();
    await fe.stop();
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
    process.stdout.write(`operator-leader-failover figures: ${JSON.stringify(figures)}\n`);
  });

  const start = async (label: 'a' | 'b'): Promise<{ replica: RunningOperator; identity: string }> => {
    assert.ok(identity !== undefined);
    const replica = await startOperator({
      identity,
      watchNamespaces: [namespace],
      label,
      leaderElection: { namespace, id: LEASE },
    });
    replicas.set(label, replica);
    const elector = await waitFor(() => identityOf(replica), {
      description: `replica ${label} logging its elector identity`,
      timeoutMs: 30_000,
    });
    return { replica, identity: elector };
  };

  it('the paused leader writes nothing once the follower leads, and the new leader converges', async () => {
    const a = await start('a');
    await waitFor(async () => ((await readLease(namespace)).holderIdentity === a.identity ? true : undefined), {
      description: 'replica a holding the Lease',
      timeoutMs: 60_000,
    });
    const b = await start('b');
    const transitionsBefore = (await readLease(namespace)).leaseTransitions ?? 0;

    const seed = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      delete spec['autoScalingPolicy'];
      delete spec['cronJobPolicy'];
      spec['replicas'] = START_REPLICAS;
    });
    const template = seed.find((object) => object['kind'] === 'ComputeNodeGroup');
    assert.ok(template !== undefined);
    const names = Array.from({ length: GROUPS }, (_, index) => `g${index}`);
    const groups = names.map((name) => {
      const group = structuredClone(template);
      (group['metadata'] as Record<string, unknown>)['name'] = name;
      return group;
    });
    const created = await kubectlCreate([...seed.filter((object) => object !== template), ...groups]);
    assert.equal(created.code, 0, created.stderr);
    for (const name of names) {
      await waitForMembers(namespace, name, START_REPLICAS, () => fe.computeNodeAddresses());
    }

    // The churn: one random group to a random size every second, until told to stop.
    const random = seededRandom(SEED);
    const desired = new Map(names.map((name) => [name, START_REPLICAS]));
    const churnStop = new AbortController();
    let scaleCalls = 0;
    const churn = (async () => {
      while (!churnStop.signal.aborted) {
        const name = names[Math.floor(random() * names.length)] ?? 'g0';
        const size = 1 + Math.floor(random() * 4);
        const scaled = await kubectl(['scale', 'cng', name, '-n', namespace, `--replicas=${size}`]);
        assert.equal(scaled.code, 0, scaled.stderr);
        desired.set(name, size);
        scaleCalls += 1;
        await sleep(CHURN_EVERY_MS);
      }
    })();

    try {
      await sleep(8_000);
      const pausedAt = Date.now();
      process.kill(a.replica.pid, 'SIGSTOP');
      try {
        await waitFor(async () => ((await readLease(namespace)).holderIdentity === b.identity ? true : undefined), {
          description: 'replica b taking the Lease over',
          timeoutMs: 45_000,
          intervalMs: 250,
        });
        figures['handoverMs'] = Date.now() - pausedAt;
        await sleep(Math.max(0, PAUSE_MS - (Date.now() - pausedAt)));
      } finally {
        process.kill(a.replica.pid, 'SIGCONT');
      }
      const resumedAt = new Date();
      // The old leader wakes while the groups keep changing; the new leader keeps acting.
      await sleep(12_000);
      churnStop.abort();
      await churn;
      figures['scaleCalls'] = scaleCalls;

      for (const name of names) {
        await waitForMembers(namespace, name, desired.get(name) ?? START_REPLICAS, () => fe.computeNodeAddresses());
      }
      const podAddresses = (await Promise.all(names.map((name) => groupPods(namespace, name))))
        .flat()
        .map((pod) => `${pod.ip ?? ''}:9050`);
      assert.deepEqual(fe.computeNodeAddresses().sort(), podAddresses.sort(), 'the FE lists exactly the pods');

      const lease = await readLease(namespace);
      assert.equal(lease.holderIdentity, b.identity, 'the new leader still holds the Lease');
      assert.equal((lease.leaseTransitions ?? 0) - transitionsBefore, 1, 'exactly one change of holder');
      const acquiredAt = Date.parse(lease.acquireTime ?? '');
      assert.ok(Number.isFinite(acquiredAt), `no acquireTime on the Lease: ${JSON.stringify(lease)}`);

      const writes = fe.statementsMatching(/^\s*ALTER\s+SYSTEM/i);
      const unattributed = writes.filter((record) => record.client === undefined);
      assert.deepEqual(describeStatements(unattributed), [], 'every FE write traced to a replica');
      const byA = writes.filter((record) => record.client === 'a');
      const byB = writes.filter((record) => record.client === 'b');
      assert.deepEqual(
        describeStatements(byA.filter((record) => record.at.getTime() >= acquiredAt)),
        [],
        'the old leader wrote to the FE after the new one acquired the Lease',
      );
      assert.deepEqual(
        describeStatements(byB.filter((record) => record.at.getTime() < acquiredAt)),
        [],
        'the follower wrote to the FE before it acquired the Lease',
      );
      assert.ok(byB.length > 0, 'the new leader carried scale changes to the FE');
      const aAfterResume = fe.statements.filter((record) => record.client === 'a' && record.at >= resumedAt);
      figures['writesByOldLeader'] = byA.length;
      figures['writesByNewLeader'] = byB.length;
      figures['oldLeaderStatementsAfterResume'] = aAfterResume.length;

      assert.equal(a.replica.exited(), false, 'the old leader stays up as a follower');
      const stepDown = (await a.replica.logLines()).find((line) => line['msg'] === 'stopped leading');
      assert.ok(stepDown !== undefined, 'the old leader logged that it stopped leading');
    } finally {
      churnStop.abort();
      await churn.catch(() => undefined);
    }
  });
});
