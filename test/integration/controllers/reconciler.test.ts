// The reconciler's decisions carried out against the FE simulator (real MySQL protocol on loopback), with the
// Kubernetes side held in memory (see world.ts). The end-to-end tier repeats the key scenarios on a real control plane.
import { strict as assert } from 'node:assert';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  FeSimulator,
  QueryEngine,
  type FeSimulatorOptions,
  type ProfileName,
} from '@starrocks-cn-operator/testbed/fe-simulator';
import type { Child } from '../../../src/builders/index.js';
import { FeError } from '../../../src/fe/index.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { FeSessionPool } from '../../../src/controllers/computenodegroup/fe-sessions.js';
import {
  ComputeNodeGroupReconciler,
  DEFAULT_RECONCILER_SETTINGS,
  type ReconcilerSettings,
} from '../../../src/controllers/computenodegroup/reconciler.js';
import type { ReconcileContext } from '../../../src/runtime/controller.js';
import { createLogger } from '../../../src/runtime/logging.js';
import { MemoryCluster } from './world.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const context: ReconcileContext = {
  logger,
  reconcileId: 'test',
  namespace: 'ns',
  name: 'cn-group',
  signal: new AbortController().signal,
};
const KEY = 'ns/cn-group';

function groupObject(feAddresses: string[], replicas: number): Record<string, unknown> {
  return {
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'cn-group', namespace: 'ns', uid: 'uid-1', generation: 1, resourceVersion: '1' },
    spec: {
      feInfo: { addresses: feAddresses, accountSecret: 'fe-account' },
      cnInfo: { configMap: 'cn-config' },
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.0' },
      replicas,
    },
  };
}

const cnConf =
  'sys_log_level = INFO\nbe_port = 9060\nwebserver_port = 8040\nheartbeat_service_port = 9050\nbrpc_port = 8060\n';
const address = (ordinal: number): string => `10.244.0.${ordinal + 10}:9050`;

interface Harness {
  sim: FeSimulator;
  cluster: MemoryCluster;
  pool: FeSessionPool;
  reconciler: ComputeNodeGroupReconciler;
  clock: { now: Date };
}

async function harness(
  replicas: number,
  settings: Partial<ReconcilerSettings> = {},
  version: ProfileName = '3.3',
  simOptions: FeSimulatorOptions = {},
  /** The shared FE snapshot's period (0: every pass reads the FE). */
  snapshotPeriodMs = 0,
): Promise<Harness> {
  const sim = new FeSimulator({ version, heartbeatPeriodMs: 60_000, ...simOptions });
  await sim.start();
  const cluster = new MemoryCluster(groupObject(sim.addresses, replicas));
  cluster.secrets.set('fe-account', { data: { FE_USR: Buffer.from('root').toString('base64'), FE_PWD: '' } });
  cluster.configMaps.set('cn-config', { data: { 'cn.conf': cnConf } });
  const clock = { now: new Date('2026-11-24T10:00:00Z') };
  const pool = new FeSessionPool({
    syncPeriodMs: snapshotPeriodMs,
    idleCloseMs: 60_000,
    connectTimeoutMs: 1000,
    queryTimeoutMs: 2000,
    // A snapshot kept between passes ages on the test's clock.
    ...(snapshotPeriodMs > 0 ? { now: () => clock.now.getTime() } : {}),
  });
  const reconciler = new ComputeNodeGroupReconciler({
    cluster,
    fe: pool,
    events: cluster,
    settings: { ...DEFAULT_RECONCILER_SETTINGS, operator: { operatorImage: 'op:test' }, ...settings },
    now: () => clock.now,
  });
  return { sim, cluster, pool, reconciler, clock };
}

async function converge(h: Harness, passes = 3): Promise<void> {
  for (let pass = 0; pass < passes; pass++) {
    await h.reconciler.reconcile(KEY, context);
    h.cluster.settlePods();
  }
}

function gate(h: Harness, pod: string): string | undefined {
  const status = h.cluster.podObjects.get(pod)?.['status'] as { conditions?: { type: string; status: string }[] };
  return status.conditions?.find((condition) => condition.type === 'starrocks.com/fe-alive')?.status;
}

function statefulSetReplicasSeen(h: Harness): Array<{ replicas: number; fe: string[] }> {
  const seen: Array<{ replicas: number; fe: string[] }> = [];
  const apply = h.cluster.apply.bind(h.cluster);
  h.cluster.apply = async (object: Child) => {
    if (object.kind === 'StatefulSet')
      seen.push({ replicas: object.spec?.replicas ?? 0, fe: h.sim.computeNodeAddresses() });
    return apply(object);
  };
  return seen;
}

describe('ComputeNodeGroupReconciler against the FE simulator', () => {
  let h: Harness;
  afterEach(async () => {
    await h.pool.close();
    await h.sim.stop();
  });

  it('creates the children, then registers every CN whose pod is up', async () => {
    h = await harness(3);
    await h.reconciler.reconcile(KEY, context);
    assert.deepEqual(h.cluster.finalizers(), ['starrocks.com/fe-membership']);
    assert.equal(h.cluster.statefulSetReplicas(), 3);
    assert.ok(h.cluster.applied.has('Service/cn-group-cn'));
    assert.equal(h.sim.computeNodeAddresses().length, 0, 'no pod yet, nothing to add');

    h.cluster.settlePods();
    await h.reconciler.reconcile(KEY, context);
    assert.deepEqual(h.sim.computeNodeAddresses().sort(), [address(0), address(1), address(2)].sort());
    const status = h.cluster.status();
    assert.deepEqual(
      status?.computeNodes?.map((entry) => [entry.pod, entry.registered]),
      [
        ['cn-group-0', true],
        ['cn-group-1', true],
        ['cn-group-2', true],
      ],
    );
    assert.ok(h.cluster.events.some((event) => event.reason === 'CNAdded'));
  });

  it('builds the children once per spec: a version that changed only the status hands the applier the same objects', async () => {
    h = await harness(2);
    await converge(h);
    const handed: Child[] = [];
    const apply = h.cluster.apply.bind(h.cluster);
    h.cluster.apply = async (object: Child) => {
      if (object.kind === 'Service') handed.push(object);
      return apply(object);
    };
    await h.reconciler.reconcile(KEY, context);
    // Every read of the memory cluster is a new object, as a new version in the cache is; this one also lost its
    // status, which the next pass writes again.
    const statusWrites = h.cluster.statusWrites;
    if (h.cluster.groupObject) delete h.cluster.groupObject['status'];
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.statusWrites, statusWrites + 1);
    h.cluster.setSpec('replicas', 3);
    await h.reconciler.reconcile(KEY, context);
    assert.equal(handed.length, 3);
    assert.equal(handed[0], handed[1], 'the same status-only group version: the same frozen Service');
    assert.notEqual(handed[1], handed[2], 'a new generation: built again');
  });

  it('a child the API server refuses: the pass goes on (FE, other children, status with its ledger) and says so', async () => {
    h = await harness(2);
    h.cluster.setSpec('podDisruptionBudget', { maxUnavailable: 1 });
    const apply = h.cluster.apply.bind(h.cluster);
    h.cluster.apply = async (object: Child) => {
      if (object.kind === 'PodDisruptionBudget') {
        throw new KubeApiError('PATCH', '/apis/policy/v1/...', {
          code: 422,
          reason: 'Invalid',
          message:
            'PodDisruptionBudget.policy "cn-group" is invalid: spec.maxUnavailable: must not be greater than 100%',
        });
      }
      return apply(object);
    };
    await converge(h, 3);
    assert.equal(h.cluster.statefulSetReplicas(), 2, 'the StatefulSet is applied all the same');
    assert.ok(!h.cluster.applied.has('PodDisruptionBudget/cn-group'));
    assert.equal(h.sim.computeNodeAddresses().length, 2, 'FE membership is kept in step');
    const status = h.cluster.status();
    assert.equal(status?.computeNodes?.length, 2, 'the ledger is written');
    const children = h.cluster.condition('ChildrenApplied');
    assert.ok(children);
    assert.equal(children.status, 'False');
    assert.equal(children.reason, 'ChildRefused');
    assert.match(children.message, /refused PodDisruptionBudget cn-group \(built from spec\.podDisruptionBudget\)/);
    assert.match(children.message, /must not be greater than 100%/);
    assert.equal(h.cluster.condition('Ready')?.reason, 'ChildRefused');
    assert.ok(h.cluster.events.some((event) => event.reason === 'ChildRefused' && event.type === 'Warning'));
  });

  it('a transient child failure is retried by the queue (the pass throws) after the status is written', async () => {
    h = await harness(1);
    const apply = h.cluster.apply.bind(h.cluster);
    let failures = 1;
    h.cluster.apply = async (object: Child) => {
      if (object.kind === 'Service' && failures-- > 0)
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return apply(object);
    };
    await assert.rejects(h.reconciler.reconcile(KEY, context), /socket hang up/);
    assert.equal(h.cluster.condition('ChildrenApplied')?.reason, 'ApplyFailed');
    assert.ok(!h.cluster.events.some((event) => event.reason === 'ChildRefused'), 'no Event for a passing glitch');
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.condition('ChildrenApplied')?.status, 'True');
  });

  it("registration Operator: no sidecar; each pod's readiness gate follows the FE's liveness of its CN", async () => {
    h = await harness(2);
    h.cluster.setSpec('cnInfo', { configMap: 'cn-config', registration: 'Operator' });
    await h.reconciler.reconcile(KEY, context);
    const statefulSet = h.cluster.applied.get('StatefulSet/cn-group');
    assert.ok(statefulSet?.kind === 'StatefulSet');
    const podSpec = statefulSet.spec?.template.spec;
    assert.ok(podSpec);
    assert.deepEqual(
      podSpec.containers.map((container) => container.name),
      ['cn'],
    );
    assert.deepEqual(podSpec.readinessGates, [{ conditionType: 'starrocks.com/fe-alive' }]);

    h.cluster.settlePods();
    const afterAdd = await h.reconciler.reconcile(KEY, context);
    assert.deepEqual(h.sim.computeNodeAddresses().sort(), [address(0), address(1)].sort(), 'the operator adds them');
    assert.equal(gate(h, 'cn-group-0'), 'False', 'registered, not alive yet: not ready');
    assert.equal(afterAdd.requeueAfterMs, 1_000, 'a waiting gate looks at the FE again within a second');

    h.sim.liveness.setAlive(address(0), true);
    await h.sim.runHeartbeats();
    const waiting = await h.reconciler.reconcile(KEY, context);
    assert.equal(gate(h, 'cn-group-0'), 'True');
    assert.equal(gate(h, 'cn-group-1'), 'False');
    assert.equal(waiting.requeueAfterMs, 1_000);

    h.sim.liveness.setAlive(address(1), true);
    await h.sim.runHeartbeats();
    const settled = await h.reconciler.reconcile(KEY, context);
    assert.equal(gate(h, 'cn-group-1'), 'True');
    assert.equal(settled.requeueAfterMs, DEFAULT_RECONCILER_SETTINGS.feSyncPeriodMs, 'nothing waits: the sync period');

    h.sim.liveness.setAlive(address(0), false);
    await h.sim.runHeartbeats(5); // the FE marks a CN dead only after several failed heartbeats
    await h.reconciler.reconcile(KEY, context);
    assert.equal(gate(h, 'cn-group-0'), 'False', 'the FE stopped reporting it alive: the pod leaves service');

    await h.sim.stop();
    await h.reconciler.reconcile(KEY, context);
    assert.equal(gate(h, 'cn-group-1'), 'True', 'an unreachable FE changes no gate');
    await h.sim.start();
  });

  it('makes no status write and no FE change on a quiet pass', async () => {
    h = await harness(2);
    await converge(h, 4);
    const writes = h.cluster.statusWrites;
    h.sim.clearStatements();
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.statusWrites, writes);
    assert.deepEqual(h.sim.statementsMatching(/ALTER SYSTEM/i), []);
  });

  it('scales in 12 -> 9: exactly ordinals 9, 10, 11 leave the FE before the StatefulSet shrinks', async () => {
    h = await harness(12);
    await converge(h);
    assert.equal(h.sim.computeNodeAddresses().length, 12);
    const seen = statefulSetReplicasSeen(h);
    h.cluster.setSpec('replicas', 9);
    await h.reconciler.reconcile(KEY, context);

    const drops = h.sim.membershipChanges('drop');
    assert.deepEqual([...drops].sort(), [9, 10, 11].map(address).sort());
    const shrink = seen.find((entry) => entry.replicas === 9);
    assert.ok(shrink, 'the StatefulSet was lowered to 9');
    for (const ordinal of [9, 10, 11]) assert.ok(!shrink.fe.includes(address(ordinal)), 'dropped before the shrink');
    h.cluster.settlePods();
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.sim.computeNodeAddresses().length, 9);
  });

  it('never touches CNs of other groups, nodes added by hand, or BEs', async () => {
    h = await harness(2);
    h.sim.seedComputeNode({ address: '10.9.9.9:9050' });
    h.sim.seedComputeNode({ address: 'manual-cn.example.com:9050' });
    h.sim.seedBackend({ address: '10.8.8.8:9050' });
    await converge(h);
    h.cluster.setSpec('replicas', 0);
    await converge(h);
    const drops = h.sim
      .statementsMatching(/DROP/i)
      .map((record) => record.sql)
      .join(' ');
    assert.ok(!drops.includes('10.9.9.9') && !drops.includes('manual-cn') && !drops.includes('10.8.8.8'), drops);
    assert.deepEqual(h.sim.computeNodeAddresses().sort(), ['10.9.9.9:9050', 'manual-cn.example.com:9050']);
  });

  it('drops the old address of a pod whose IP changed and adds the new one', async () => {
    h = await harness(2);
    await converge(h);
    h.cluster.podObjects.delete('cn-group-1');
    h.cluster.settlePods((ordinal) => (ordinal === 1 ? '10.244.1.99' : `10.244.0.${ordinal + 10}`));
    await h.reconciler.reconcile(KEY, context);
    assert.deepEqual(h.sim.computeNodeAddresses().sort(), [address(0), '10.244.1.99:9050'].sort());
  });

  it('holds a scale-in while the FE is unreachable, then proceeds after the limit with a Warning', async () => {
    h = await harness(4, { feWaitLimitMs: 30_000 });
    await converge(h);
    await h.sim.setFault('refuse');
    h.cluster.setSpec('replicas', 2);
    const held = await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.statefulSetReplicas(), 4, 'held while the FE cannot confirm the drop');
    assert.equal(
      held.requeueAfterMs,
      DEFAULT_RECONCILER_SETTINGS.feSyncPeriodMs,
      'a dead FE is not retried every second',
    );
    const condition = h.cluster.status()?.conditions?.find((c) => c.type === 'FEReachable');
    assert.equal(condition?.status, 'False');
    h.clock.now = new Date(h.clock.now.getTime() + 31_000);
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.statefulSetReplicas(), 2);
    assert.ok(h.cluster.events.some((event) => event.reason === 'ScaleInWithoutFE'));
    const ledger = h.cluster.status()?.computeNodes?.map((entry) => entry.address) ?? [];
    assert.ok(ledger.includes(address(3)), 'the ledger keeps the address for a later drop');

    await h.sim.setFault('normal');
    h.cluster.settlePods();
    await h.reconciler.reconcile(KEY, context);
    assert.deepEqual(h.sim.computeNodeAddresses().sort(), [address(0), address(1)].sort());
  });

  it('a spec that got past admission but does not parse: Ready=False InvalidSpec, the ledger kept, nothing applied', async () => {
    h = await harness(2);
    await converge(h);
    const ledger = h.cluster.status()?.computeNodes;
    assert.equal(ledger?.length, 2);
    const spec = h.cluster.groupObject?.['spec'] as Record<string, unknown>;
    spec['replicas'] = 'three';
    const applied = h.cluster.writes.length;
    await h.reconciler.reconcile(KEY, context);
    const ready = h.cluster.status()?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready.reason, 'InvalidSpec');
    assert.match(ready.message, /spec\.replicas/);
    assert.deepEqual(h.cluster.status()?.computeNodes, ledger, 'the addresses to drop are not forgotten');
    assert.deepEqual(
      h.cluster.writes.slice(applied).map((write) => write.what),
      ['status'],
      'one status write, no child, no FE change',
    );
    const writes = h.cluster.statusWrites;
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.statusWrites, writes, 'written once, not at every pass');
  });

  it('waits for a missing Secret with a condition that says what to create, and applies nothing', async () => {
    h = await harness(2);
    h.cluster.secrets.clear();
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.applied.size, 0);
    const condition = h.cluster.status()?.conditions?.find((c) => c.type === 'ConfigResolved');
    assert.equal(condition?.reason, 'SecretNotFound');
    assert.match(condition.message, /fe-account/);
  });

  it('on deletion drops every member, stops the pods, and releases the group', async () => {
    h = await harness(3);
    await converge(h);
    h.cluster.markDeleted(h.clock.now);
    await h.reconciler.reconcile(KEY, context);
    assert.deepEqual(h.sim.computeNodeAddresses(), []);
    assert.equal(h.cluster.statefulSetReplicas(), 0);
    assert.deepEqual(h.cluster.finalizers(), ['starrocks.com/fe-membership'], 'held until the pods are gone');
    h.cluster.settlePods();
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.groupObject, undefined, 'finalizer removed');
  });

  it('on deletion, reports a failing pod stop as a Kubernetes problem and still ends at the bound', async () => {
    h = await harness(2, { deletionTimeoutMs: 20_000 });
    await converge(h);
    h.cluster.scaleStatefulSet = () => Promise.reject(new Error('statefulsets.apps "cn-group" is forbidden'));
    h.cluster.markDeleted(h.clock.now);
    await h.reconciler.reconcile(KEY, context);
    assert.deepEqual(h.sim.computeNodeAddresses(), [], 'the FE side is done');
    const stop = h.cluster.events.find((event) => event.reason === 'StopPodsFailed');
    assert.ok(stop, 'the failure is reported');
    assert.match(stop.message, /forbidden.*statefulsets\/scale/);
    assert.deepEqual(h.cluster.finalizers(), ['starrocks.com/fe-membership']);
    h.clock.now = new Date(h.clock.now.getTime() + 21_000);
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.groupObject, undefined, 'released at the bound');
  });

  it('on deletion, an FE lost after the DROP releases the group at the bound without naming CNs left behind', async () => {
    h = await harness(2, { deletionTimeoutMs: 20_000 });
    await converge(h);
    h.cluster.markDeleted(h.clock.now);
    await h.reconciler.reconcile(KEY, context);
    assert.deepEqual(h.sim.computeNodeAddresses(), [], 'dropped');
    await h.sim.setFault('refuse');
    h.clock.now = new Date(h.clock.now.getTime() + 21_000);
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.groupObject, undefined, 'released at the bound');
    assert.equal(h.cluster.events.filter((event) => event.reason === 'FEMembersLeftBehind').length, 0);
  });

  it('on deletion with the FE down, gives up after the bound and names what is left behind', async () => {
    h = await harness(2, { deletionTimeoutMs: 20_000 });
    await converge(h);
    await h.sim.setFault('refuse');
    h.cluster.markDeleted(h.clock.now);
    await h.reconciler.reconcile(KEY, context);
    h.cluster.settlePods();
    assert.deepEqual(h.cluster.finalizers(), ['starrocks.com/fe-membership']);
    h.clock.now = new Date(h.clock.now.getTime() + 21_000);
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.groupObject, undefined);
    const leftBehind = h.cluster.events.find((event) => event.reason === 'FEMembersLeftBehind');
    assert.ok(leftBehind);
    assert.ok(leftBehind.message.includes(address(0)) && leftBehind.message.includes(address(1)));
  });
});

describe('FeSessionPool', () => {
  let sim: FeSimulator;
  before(async () => {
    sim = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 60_000 });
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    sim.clearStatements();
  });

  it('shares one SHOW COMPUTE NODES per period among every group on the same FE', async () => {
    const pool = new FeSessionPool({ syncPeriodMs: 60_000, idleCloseMs: 60_000 });
    const sessions = [1, 2, 3, 4, 5].map(() => pool.session(sim.addresses, { user: 'root', password: '' }));
    await Promise.all(sessions.map((session) => session.computeNodes()));
    await Promise.all(sessions.map((session) => session.computeNodes()));
    assert.equal(sim.statementsMatching(/SHOW COMPUTE NODES/i).length, 1);
    await pool.close();
  });

  it('never reuses a connection across passwords: a rotated Secret is used as written', async () => {
    sim.addUser({ name: 'ops', password: 'current', roles: ['cluster_admin'] });
    const pool = new FeSessionPool({ syncPeriodMs: 0, idleCloseMs: 60_000 });
    await pool.session(sim.addresses, { user: 'ops', password: 'current' }).computeNodes();
    await assert.rejects(
      pool.session(sim.addresses, { user: 'ops', password: 'stale' }).computeNodes(),
      (error: unknown) => error instanceof FeError && error.kind === 'AuthenticationFailed',
    );
    await pool.close();
  });
});

describe('the end of a drain window (spec.drain.order: Drain)', () => {
  let h: Harness;
  afterEach(async () => {
    await h.pool.close();
    await h.sim.stop();
  });

  /** Two CNs, alive, with a 60 s drain window, running one long query across both. */
  async function twoCnsUnderAQuery(version: ProfileName) {
    h = await harness(2, {}, version);
    h.cluster.setSpec('drain', { order: 'Drain', windowSeconds: 60 });
    h.sim.liveness.defaultOutcome = { ok: true };
    await converge(h);
    await h.sim.runHeartbeats(1);
    const engine = new QueryEngine({ slotsPerCN: 4 });
    h.sim.attachQueryEngine(engine);
    const long = engine.submit({ at: 0, work: 1200, width: 2 }, 0);
    h.sim.advanceQueries(0);
    assert.deepEqual([...long.cns].sort(), [address(0), address(1)]);
    return long;
  }

  /** Two CNs under a long query; then the group scales to 1. */
  async function scaleInUnderAQuery(version: ProfileName) {
    const long = await twoCnsUnderAQuery(version);
    h.cluster.setSpec('replicas', 1);
    const first = await h.reconciler.reconcile(KEY, context);
    assert.ok(h.sim.membershipChanges('drop').includes(address(1)), 'the leaving CN is out of new work at once');
    const drain = h.cluster.status()?.computeNodes?.find((entry) => entry.pod === 'cn-group-1')?.drain;
    assert.deepEqual(drain, { since: '2026-11-24T10:00:00.000Z', windowEndsAt: '2026-11-24T10:01:00.000Z' });
    assert.ok((first.requeueAfterMs ?? Infinity) <= 60_200, 'the pass comes back by the end of the window');
    // The pod stays while its preStop gate waits (no settlePods): 30 s later, nothing is killed yet.
    h.clock.now = new Date('2026-11-24T10:00:30Z');
    const midway = await h.reconciler.reconcile(KEY, context);
    assert.ok((midway.requeueAfterMs ?? Infinity) <= 30_200);
    assert.equal(long.finishedAt, null);
    h.clock.now = new Date('2026-11-24T10:01:00.200Z');
    await h.reconciler.reconcile(KEY, context);
    return long;
  }

  it('3.4 and later: the query still on the CN is found on the FE and killed, once, and the group says so', async () => {
    const long = await scaleInUnderAQuery('3.5');
    assert.equal(long.error, 'killed', 'failed at once instead of hanging once the CN stops');
    const events = h.cluster.events.filter((event) => event.reason === 'DrainWindowOver');
    assert.equal(events.length, 1);
    assert.match(
      events[0]?.message ?? '',
      new RegExp(`cn-group-1 .* window of 60s ended: killed 1 \\(${long.queryId}\\)`),
    );
    const entry = h.cluster.status()?.computeNodes?.find((candidate) => candidate.pod === 'cn-group-1');
    assert.equal(entry?.drain?.killedQueries, 1);
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.events.filter((event) => event.reason === 'DrainWindowOver').length, 1, 'dealt with once');
    h.cluster.settlePods();
    await h.reconciler.reconcile(KEY, context);
    assert.equal(
      h.cluster.status()?.computeNodes?.some((candidate) => candidate.drain !== undefined),
      false,
      'the drain ends with the pod',
    );
  });

  it('on deletion of the group: the window counts from its DROP, and what is left at its end is killed once', async () => {
    const long = await twoCnsUnderAQuery('3.5');
    const deletedAt = h.clock.now.getTime();
    h.cluster.markDeleted(h.clock.now);
    await h.reconciler.reconcile(KEY, context);
    assert.deepEqual(h.sim.computeNodeAddresses(), [], 'every CN out of new work at once');
    assert.equal(long.finishedAt, null, 'the DROP cancels nothing');
    const windowOver = () => h.cluster.events.filter((event) => event.reason === 'DrainWindowOver');
    // The pods stay while their gates wait (no settlePods).
    h.clock.now = new Date(deletedAt + 30_000);
    await h.reconciler.reconcile(KEY, context);
    assert.equal(long.finishedAt, null);
    assert.equal(windowOver().length, 0);
    h.clock.now = new Date(deletedAt + 60_200);
    await h.reconciler.reconcile(KEY, context);
    assert.equal(long.error, 'killed', 'failed at once instead of hanging once the CNs stop');
    assert.equal(windowOver().length, 1);
    assert.match(windowOver()[0]?.message ?? '', new RegExp(`window of 60s ended: killed 1 \\(${long.queryId}\\)`));
    await h.reconciler.reconcile(KEY, context);
    assert.equal(windowOver().length, 1, 'dealt with once');
    assert.deepEqual(h.cluster.finalizers(), ['starrocks.com/fe-membership'], 'held until the pods are gone');
    h.cluster.settlePods();
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.cluster.groupObject, undefined, 'released');
  });

  it('on deletion with the FE out of reach at first: the window counts from the DROP, not from the deletion', async () => {
    const long = await twoCnsUnderAQuery('3.5');
    const deletedAt = h.clock.now.getTime();
    h.cluster.markDeleted(h.clock.now);
    await h.sim.setFault('refuse');
    await h.reconciler.reconcile(KEY, context);
    assert.equal(h.sim.computeNodeAddresses().length, 2, 'nothing dropped yet');
    await h.sim.setFault('normal');
    h.clock.now = new Date(deletedAt + 40_000);
    await h.reconciler.reconcile(KEY, context);
    assert.deepEqual(h.sim.computeNodeAddresses(), [], 'dropped 40 s after the deletion');
    h.clock.now = new Date(deletedAt + 60_200);
    await h.reconciler.reconcile(KEY, context);
    assert.equal(long.finishedAt, null, 'the window started at the DROP: not over yet');
    h.clock.now = new Date(deletedAt + 100_200);
    await h.reconciler.reconcile(KEY, context);
    assert.equal(long.error, 'killed');
  });

  it('3.3: nothing can kill it by id; the Event says why and where the query goes', async () => {
    const long = await scaleInUnderAQuery('3.3');
    assert.equal(long.finishedAt, null);
    const event = h.cluster.events.find((candidate) => candidate.reason === 'DrainWindowOver');
    assert.match(event?.message ?? '', /killed none; FE .* could not list them: .*Backend node not found/);
  });
});

describe('the load of a group that scales on its queries, read faster while they outgrow it', () => {
  let h: Harness;
  afterEach(async () => {
    await h.pool.close();
    await h.sim.stop();
  });

  // Neither is AFTER_FE_CHANGE_MS (1 s), so a requeue says which cadence the pass chose.
  const REST_MS = 15_000;
  const BUSY_MS = 2_000;
  const reads = (): number => h.sim.statementsMatching(/SHOW COMPUTE NODES/i).length;
  /** One pass after `ms` on the test's clock (the FE snapshot ages on it too); its requeue. */
  async function passAfter(ms: number): Promise<number | undefined> {
    h.clock.now = new Date(h.clock.now.getTime() + ms);
    const result = await h.reconciler.reconcile(KEY, context);
    h.cluster.settlePods();
    return result.requeueAfterMs;
  }

  /** One alive CN whose FE is read at most once per REST_MS at rest, and a quiet pass. */
  async function queryGroup(policy: Record<string, unknown>): Promise<void> {
    const settings = { feSyncPeriodMs: REST_MS, busyFeSyncPeriodMs: BUSY_MS };
    h = await harness(1, settings, '3.5', { heartbeatPeriodMs: 20 }, REST_MS);
    h.sim.liveness.defaultOutcome = { ok: true };
    h.cluster.setSpec('autoScalingPolicy', policy);
    await converge(h);
    await new Promise((resolve) => setTimeout(resolve, 100)); // a heartbeat: the CN alive
    assert.equal(await passAfter(REST_MS), REST_MS, 'quiet: the rest period');
    assert.equal(h.cluster.status()?.load?.aliveComputeNodes, 1);
  }

  it('reads at the busy period while its load asks for more CNs, and at rest otherwise', async () => {
    await queryGroup({ maxReplicas: 4, queries: { targetPerCN: 2 } });
    const quiet = reads();
    assert.equal(await passAfter(BUSY_MS), REST_MS);
    assert.equal(reads(), quiet, 'a quiet group shares the read of its period');

    // Queries queue: seen at the next read of the rest period, then read at the busy period.
    h.sim.setLoad({ runningPerNode: 1, running: 1, pending: 3 });
    assert.equal(await passAfter(BUSY_MS), REST_MS, 'not seen before the rest period is over');
    assert.equal(await passAfter(REST_MS), BUSY_MS, 'queued queries');
    const busy = reads();
    assert.equal(await passAfter(BUSY_MS), BUSY_MS);
    assert.equal(reads(), busy + 1, 'a fresh read at the busy period');

    // Nothing queued but 3 running on 1 CN with a target of 2 (the HPA acts above 2.2): still short of CNs.
    h.sim.setLoad({ runningPerNode: 3, running: 3 });
    assert.equal(await passAfter(BUSY_MS), BUSY_MS, 'above the target');

    // The load falls back under the target: the rest period again, and no read before it.
    h.sim.setLoad({ runningPerNode: 1, running: 1 });
    assert.equal(await passAfter(BUSY_MS), REST_MS, 'back at rest');
    const rest = reads();
    await passAfter(BUSY_MS);
    assert.equal(reads(), rest);
  });

  it('rests while the HPA cannot add a CN: at its maximum, and suspended', async () => {
    await queryGroup({ maxReplicas: 1, queries: { targetPerCN: 2 } });
    h.sim.setLoad({ runningPerNode: 4, running: 4, pending: 10 });
    assert.equal(await passAfter(REST_MS), REST_MS, 'at maxReplicas');
    h.cluster.setSpec('autoScalingPolicy', { maxReplicas: 4, queries: { targetPerCN: 2 } });
    assert.equal(await passAfter(REST_MS), BUSY_MS, 'room to grow');
    h.cluster.setSpec('suspend', true);
    h.cluster.setSpec('allowNoCompute', true);
    await passAfter(BUSY_MS); // the DROP: looked at again soon
    assert.equal(await passAfter(1_000), REST_MS, 'suspended: no HPA, however long the queue');
  });

  it('keeps the rest period for a group that does not scale on its queries, however long its queue', async () => {
    await queryGroup({ maxReplicas: 4, hpaPolicy: { metrics: [] } });
    h.sim.setLoad({ runningPerNode: 4, running: 4, pending: 10 });
    assert.equal(await passAfter(REST_MS), REST_MS);
  });
});

describe('cost control: autoSuspend and schedules, on the FE simulator and a clock of the test', () => {
  let h: Harness;
  afterEach(async () => {
    await h.pool.close();
    await h.sim.stop();
  });

  const at = (iso: string): Date => new Date(iso);
  const suspendedBy = (): string | undefined => h.cluster.status()?.suspension?.suspendedBy;

  /** Two CNs with autoSuspend after 10 minutes, on a 3.5 FE with a BE and its idle check on (or not). */
  async function idleGroup(idleCheck: boolean, version: ProfileName = '3.5'): Promise<void> {
    h = await harness(2, {}, version, {
      httpPort: 0,
      idleCheck: { enabled: idleCheck, intervalSeconds: 0.05 },
      backends: [{ address: '10.99.1.1:9050' }],
    });
    h.sim.liveness.defaultOutcome = { ok: true };
    h.cluster.setSpec('autoSuspend', { idleSeconds: 600, feHttpPort: h.sim.httpPort });
    await converge(h);
  }

  /** One pass at `iso`, then the pods follow the StatefulSet. */
  async function passAt(iso: string): Promise<void> {
    h.clock.now = at(iso);
    await h.reconciler.reconcile(KEY, context);
    h.cluster.settlePods();
  }

  it('suspends after idleSeconds when its CNs and the FE are idle, through the DROPs, and wakes when the FE is busy', async () => {
    await idleGroup(true);
    // Its own ADDs count as work on the FE for 2 x its interval: the idle time starts once the FE is quiet.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await passAt('2026-11-24T10:01:00Z');
    assert.equal(h.cluster.status()?.suspension?.idleSince, '2026-11-24T10:01:00.000Z');
    await passAt('2026-11-24T10:10:59Z');
    assert.equal(h.cluster.statefulSetReplicas(), 2, 'not yet: 9 min 59 s');
    const seen = statefulSetReplicasSeen(h);
    await passAt('2026-11-24T10:11:00Z');
    assert.equal(suspendedBy(), 'Idle');
    assert.deepEqual(seen.at(-1), { replicas: 0, fe: [] }, 'the StatefulSet went to 0 with its CNs out of the FE');
    assert.deepEqual(h.sim.computeNodeAddresses(), []);
    assert.ok(
      h.cluster.events.some((event) => event.reason === 'Suspended' && /no work for 600 s/.test(event.message)),
    );

    // The FE counts the operator's own DROPs as work for 2 intervals: that does not wake the group.
    await passAt('2026-11-24T10:11:01Z');
    assert.equal(suspendedBy(), 'Idle', 'its own DROPs do not wake it');
    assert.equal(h.cluster.status()?.suspension?.quietSince, undefined);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await passAt('2026-11-24T11:00:00Z');
    assert.equal(suspendedBy(), 'Idle', 'still idle an hour later');
    assert.equal(h.cluster.status()?.suspension?.quietSince, '2026-11-24T11:00:00.000Z');
    // Work on the BEs (a query the FE runs while the group sleeps) makes the FE busy: the group wakes.
    h.sim.setLoad({ runningPerNode: 0, running: 1 });
    await passAt('2026-11-24T11:00:01Z');
    assert.equal(suspendedBy(), undefined);
    assert.equal(h.cluster.statefulSetReplicas(), 2);
    const resumed = h.cluster.events.find((event) => event.reason === 'Resumed');
    assert.match(resumed?.message ?? '', /the FE reports running work/);
  });

  it('the FE busy with other work keeps the group up, even with its own CNs idle', async () => {
    await idleGroup(true);
    h.sim.setLoad({ runningPerNode: 0, running: 1 });
    for (const minute of ['10:05', '10:15', '10:30']) await passAt(`2026-11-24T${minute}:00Z`);
    assert.equal(suspendedBy(), undefined);
    assert.equal(h.cluster.status()?.suspension, undefined, 'no idle time counted');
  });

  for (const [label, idleCheck, version] of [
    ['off (the default)', false, '3.5'],
    ['absent (3.3.0)', true, '3.3'],
  ] as const) {
    it(`the FE's idle check ${label}: the group's own figures decide`, async () => {
      await idleGroup(idleCheck, version);
      await passAt('2026-11-24T10:00:30Z');
      await passAt('2026-11-24T10:10:00Z');
      assert.equal(suspendedBy(), 'Idle');
    });
  }

  it('never suspends on a guess: an idle status that cannot be read stops the idle time, and says why', async () => {
    await idleGroup(true);
    h.cluster.setSpec('autoSuspend', { idleSeconds: 600, feHttpPort: 1 }); // nothing listens on port 1
    for (const minute of ['10:05', '10:15', '10:30']) await passAt(`2026-11-24T${minute}:00Z`);
    assert.equal(suspendedBy(), undefined);
    const condition = h.cluster.status()?.conditions?.find((entry) => entry.type === 'Suspended');
    assert.match(condition?.message ?? '', /idle time starts over: GET \/api\/idle_status failed/);
  });

  it('a window sets the replicas while open and asks for the pass at its next change', async () => {
    h = await harness(1);
    h.sim.liveness.defaultOutcome = { ok: true };
    h.cluster.setSpec('schedules', [
      { name: 'morning', start: '0 9 * * *', end: '0 12 * * *', timeZone: 'Europe/Berlin', replicas: 3 },
    ]);
    await converge(h); // 10:00 UTC is 11:00 in Berlin: open
    assert.equal(h.cluster.statefulSetReplicas(), 3);
    assert.deepEqual(h.cluster.status()?.suspension?.nextChange, {
      at: '2026-11-24T11:00:00.000Z',
      window: 'morning',
      action: 'Closes',
    });
    h.clock.now = at('2026-11-24T10:59:00Z');
    const result = await h.reconciler.reconcile(KEY, context);
    assert.ok((result.requeueAfterMs ?? Infinity) <= 60_200, `back by the close (${result.requeueAfterMs} ms)`);
    await passAt('2026-11-24T11:00:00Z');
    await passAt('2026-11-24T11:00:01Z');
    assert.equal(h.cluster.statefulSetReplicas(), 1);
    const reasons = h.cluster.events.map((event) => event.reason);
    assert.ok(reasons.includes('WindowOpened') && reasons.includes('WindowClosed'), reasons.join(', '));
  });
});
