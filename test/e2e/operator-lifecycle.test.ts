// The operator against the real control plane and the FE simulator: the seed example comes up and every CN joins
// the FE; `kubectl scale` out and in moves exactly the highest ordinals, each dropped from the FE before its pod is
// deleted; foreign nodes are never touched; after convergence the operator makes no writes at all.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  auditMark,
  auditRequestsSince,
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
  groupPods as podsOf,
  pause,
  reconcileTotal,
  registeredPods as listedPods,
  seedExampleObjects,
  startOperator,
  waitForCondition,
  WRITE_VERBS,
  type OperatorIdentity,
  type PodInfo,
  type RunningOperator,
} from '../support/operator.js';

const GROUP = 'computenodegroup-sample';
const groupPods = (namespace: string): Promise<PodInfo[]> => podsOf(namespace, GROUP);
const registeredPods = (fe: FeSimulator, pods: readonly PodInfo[]): PodInfo[] =>
  listedPods(fe.computeNodeAddresses(), pods);

describe('operator: seed example, scaling, foreign nodes, quiet period', { timeout: 540_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let identity: OperatorIdentity;
  let operator: RunningOperator | undefined;
  const fe = new FeSimulator({
    version: '3.3',
    heartbeatPeriodMs: 500,
    computeNodes: [{ address: '10.99.0.1:9050', alive: true }],
    backends: [{ address: '10.99.1.1:9050' }],
  });
  // Pod IPs are fake: the liveness table answers for them; every registered address is alive.
  fe.liveness.defaultOutcome = { ok: true };
  const figures: Record<string, number> = {};

  before(async () => {
    await installCrd();
    await fe.start();
    testNamespace = await freshNamespace('operator-lifecycle');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({ identity, watchNamespaces: [namespace], metrics: true, label: 'lifecycle' });
  });

  after(async () => {
    // Let the operator release the group so the namespace can go; bounded.
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    await operator?.stop();
    await fe.stop();
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
    process.stdout.write(`operator-lifecycle figures: ${JSON.stringify(figures)}\n`);
  });

  it('brings the seed example up: children, Ready pods, every CN in the FE, Ready=True, printer columns', async () => {
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      // The seed's HPA would fight the scaling test below; the HPA has its own test.
      delete spec['autoScalingPolicy'];
    });
    const appliedAt = Date.now();
    const created = await kubectlCreate(objects);
    assert.equal(created.code, 0, created.stderr);

    const ready = await waitForCondition(namespace, GROUP, 'Ready', 'True', 180_000);
    figures['applyToReadyMs'] = Date.now() - appliedAt;

    for (const [kind, name] of [
      ['statefulset', GROUP],
      ['service', `${GROUP}-cn`],
      ['poddisruptionbudget', GROUP],
    ] as const) {
      const result = await kubectl(['get', kind, name, '-n', namespace, '-o', 'name']);
      assert.equal(result.code, 0, `${kind}/${name} missing: ${result.stderr}`);
    }
    const pods = await groupPods(namespace);
    assert.deepEqual(
      pods.map((pod) => pod.ordinal),
      [0, 1, 2, 3],
    );
    assert.ok(pods.every((pod) => pod.ready));
    assert.equal(registeredPods(fe, pods).length, 4, `FE lists ${fe.computeNodeAddresses().join(', ')}`);

    assert.equal(ready.status?.computeNodes?.length, 4);
    assert.equal(condition(ready, 'FEReachable')?.status, 'True');

    // Time from a pod turning Ready to its ADD statement (the first registration path).
    const adds = fe.statementsMatching(/ADD COMPUTE NODE/i);
    const lags: number[] = [];
    for (const pod of pods) {
      const add = adds.find((statement) => pod.ip !== undefined && statement.sql.includes(`${pod.ip}:9050`));
      if (add !== undefined && pod.readySince !== undefined) lags.push(add.at.getTime() - pod.readySince.getTime());
    }
    if (lags.length > 0) figures['podReadyToAddMs(max, 1s resolution)'] = Math.max(...lags);

    // ALIVE follows the FE's heartbeats, which may come a moment after Ready=True (KWOK makes pods Ready without a
    // register sidecar asking the FE): wait, bounded, for every column to read 4.
    const columns = ['DESIRED', 'READY', 'REGISTERED', 'ALIVE'];
    let lastTable = '';
    await waitFor(
      async () => {
        const table = await kubectl(['get', 'cng', GROUP, '-n', namespace]);
        lastTable = table.stdout;
        const [header, row] = table.stdout.trim().split('\n');
        if (header === undefined || row === undefined) return false;
        const headers = header.trim().split(/\s+/);
        const cells = row.trim().split(/\s+/);
        return columns.every((column) => headers.includes(column) && cells[headers.indexOf(column)] === '4');
      },
      { description: 'the printer columns all reading 4', timeoutMs: 30_000, intervalMs: 500 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${lastTable}`);
    });
  });

  it('scales out to 12 with kubectl scale: every new CN joins the FE', async () => {
    const scaled = await kubectl(['scale', 'cng', GROUP, '-n', namespace, '--replicas=12']);
    assert.equal(scaled.code, 0, scaled.stderr);
    await waitFor(
      async () => {
        const pods = await groupPods(namespace);
        return pods.length === 12 && pods.every((pod) => pod.ready) && registeredPods(fe, pods).length === 12;
      },
      { description: '12 Ready pods, all in the FE', timeoutMs: 180_000, intervalMs: 1_000 },
    );
    await waitForCondition(namespace, GROUP, 'Ready', 'True', 60_000);
  });

  it('scales in to 9 then 5: exactly the highest ordinals leave, each dropped before its pod is deleted', async () => {
    for (const [from, to] of [
      [12, 9],
      [9, 5],
    ] as const) {
      const before = await groupPods(namespace);
      const leaving = before.filter((pod) => pod.ordinal >= to);
      assert.equal(leaving.length, from - to);
      const mark = await auditMark();
      const requestedAt = Date.now();
      const scaled = await kubectl(['scale', 'cng', GROUP, '-n', namespace, `--replicas=${to}`]);
      assert.equal(scaled.code, 0, scaled.stderr);

      await waitFor(
        async () => {
          const pods = await groupPods(namespace);
          return pods.length === to && pods.every((pod) => pod.ordinal < to && pod.ready);
        },
        { description: `${to} pods left`, timeoutMs: 180_000, intervalMs: 1_000 },
      );
      const pods = await groupPods(namespace);
      assert.equal(registeredPods(fe, pods).length, to);
      for (const pod of leaving) {
        assert.ok(!fe.computeNodeAddresses().includes(`${pod.ip}:9050`), `${pod.name} still in the FE`);
      }

      // Every leaving address was dropped, and only they (by this group) in this step.
      const drops = fe.membershipLog('drop', new Date(requestedAt - 1_000));
      const dropped = drops.map((change) => change.address);
      for (const pod of leaving) assert.ok(dropped.includes(`${pod.ip}:9050`), `${pod.name} never dropped`);
      for (const pod of pods) assert.ok(!dropped.includes(`${pod.ip}:9050`), `${pod.name} wrongly dropped`);

      // The StatefulSet went down only after the DROP of the leaving CNs (the audit log's time of the write).
      const stsWrites = await auditRequestsSince(mark, {
        user: identity.user,
        resource: 'statefulsets',
        verb: ['patch', 'update'],
      });
      assert.ok(stsWrites.length > 0, 'the operator never wrote the StatefulSet');
      const lastDropAt = Math.max(...drops.map((statement) => statement.at.getTime()));
      const firstStsWrite = Math.min(
        ...stsWrites.map((request) => (request.receivedAt === null ? Infinity : Date.parse(request.receivedAt))),
      );
      assert.ok(
        lastDropAt <= firstStsWrite,
        `StatefulSet written at ${new Date(firstStsWrite).toISOString()} before the last DROP at ` +
          new Date(lastDropAt).toISOString(),
      );
      // The first DROP naming a CN of this step (an earlier, repeated DROP of an old address does not count).
      const leavingDrops = drops.filter((change) => leaving.some((pod) => change.address === `${pod.ip}:9050`));
      const firstDropAt = Math.min(...leavingDrops.map((statement) => statement.at.getTime()));
      figures[`scaleRequestToDropMs(${from}->${to})`] = firstDropAt - requestedAt;
    }
  });

  it('never drops the foreign CN or the BE seeded in the FE', () => {
    assert.ok(fe.computeNodeAddresses().includes('10.99.0.1:9050'));
    const wrong = fe.statementsMatching(/DROP (COMPUTE NODE|BACKEND)/i).filter((s) => s.sql.includes('10.99.'));
    assert.deepEqual(wrong, []);
  });

  it('makes no write request in a quiet period of several FE syncs, and counts reads per reconcile', async () => {
    await waitForCondition(namespace, GROUP, 'Ready', 'True', 60_000);
    assert.ok((await getGroup(namespace, GROUP)) !== undefined);
    // Let the last scale-in's follow-up passes finish.
    await pause(5_000);
    const mark = await auditMark();
    const reconcilesBefore = reconcileTotal((await operator?.metricsText()) ?? '');
    await pause(15_000);
    const requests = await auditRequestsSince(mark, { user: identity.user });
    const reconcilesAfter = reconcileTotal((await operator?.metricsText()) ?? '');
    const writes = requests.filter((request) => WRITE_VERBS.includes(request.verb) && !(request.resource === 'leases'));
    assert.deepEqual(
      writes.map((request) => `${request.verb} ${request.uri}`),
      [],
    );
    const reconciles = reconcilesAfter - reconcilesBefore;
    figures['quietReconciles'] = reconciles;
    figures['quietApiRequests'] = requests.filter((request) => request.verb !== 'watch').length;
    if (reconciles > 0) figures['apiRequestsPerIdleReconcile'] = figures['quietApiRequests'] / reconciles;
  });
});
