// The API server, then etcd, stopped for 30 s and started again under an operator run as shipped (with leader
// election): the operator process stays up (it steps down when it cannot renew its Lease and campaigns again in the
// same process), takes the Lease back, resumes its watches and converges a scale made right after the outage. Its
// writes after the restart are counted in the audit log: a handful for the scale, none while nothing changes.
// This file starts a control plane of its own: stopping the shared one's API server would fail other test files.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  auditMark,
  type AuditRequest,
  auditRequestsSince,
  countAudit,
  down,
  environmentOf,
  freshNamespace,
  type InterruptibleComponent,
  kubectl,
  kubectlCreate,
  startComponent,
  stopComponent,
  type TestNamespace,
  up,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';
import {
  createOperatorIdentity,
  groupPods,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForCondition,
  waitForMembers,
  WRITE_VERBS,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';

const GROUP = 'computenodegroup-sample';
const OUTAGE_MS = 30_000;
/** After convergence, how long nothing changes while the operator's writes are counted (several FE syncs). */
const QUIET_MS = 20_000;
/**
 * The most writes a scale of 2 CNs after an outage may cost, leases and Events aside: the StatefulSet (1-2), the
 * group's status as pods start and register (a few each), a resolved conflict or two. A storm is hundreds.
 */
const MAX_CONVERGE_WRITES = 40;

function writes(requests: readonly AuditRequest[], user: string): AuditRequest[] {
  return requests.filter((request) => request.user === user && WRITE_VERBS.includes(request.verb));
}

/** Writes other than the Lease's renewals and Events (which report what happened, and are rate-limited). */
function objectWrites(requests: readonly AuditRequest[]): AuditRequest[] {
  return requests.filter((request) => request.resource !== 'leases' && request.resource !== 'events');
}

function summary(requests: readonly AuditRequest[]): string {
  return JSON.stringify(Object.fromEntries(countAudit(requests)));
}

describe('operator: the API server and etcd stopped for 30 s', { timeout: 600_000 }, () => {
  let dir = '';
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let identity: OperatorIdentity | undefined;
  let operator: RunningOperator | undefined;
  const fe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 500 });
  fe.liveness.defaultOutcome = { ok: true };
  const figures: Record<string, unknown> = {};

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cn-operator-outage-'));
    const plane = await up({ dir });
    // The helpers read these on first use: from here on they talk to this file's control plane.
    Object.assign(process.env, environmentOf(plane));
    await installCrd();
    await fe.start();
    testNamespace = await freshNamespace('operator-outage');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({
      identity,
      watchNamespaces: [namespace],
      label: 'outage',
      feSyncPeriod: '2s',
      leaderElection: { namespace, id: 'cn-operator-outage' },
    });
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      delete spec['autoScalingPolicy'];
      delete spec['cronJobPolicy'];
      spec['replicas'] = 3;
    });
    const created = await kubectlCreate(objects);
    assert.equal(created.code, 0, created.stderr);
    await waitForMembers(namespace, GROUP, 3, () => fe.computeNodeAddresses());
  });

  after(async () => {
    process.stdout.write(`operator-api-outage figures: ${JSON.stringify(figures)}\n`);
    await operator?.stop();
    await fe.stop();
    await removeOperatorIdentity(identity).catch(() => undefined);
    await testNamespace?.delete().catch(() => undefined);
    await down({ dir }).catch(() => undefined);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  /** Stops `component` for OUTAGE_MS, starts it again, scales the group to `replicas` and waits for convergence. */
  async function outage(component: InterruptibleComponent, replicas: number): Promise<void> {
    assert.ok(operator !== undefined && identity !== undefined);
    const user = identity.user;
    const leaderTermsBefore = (await operator.logLines()).filter((line) => line['msg'] === 'became leader').length;
    await stopComponent(dir, component);
    const stoppedAt = Date.now();
    // The operator must ride it out: alive the whole time.
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      assert.equal(
        operator.exited(),
        false,
        `the operator exited while ${component} was down:\n${await operator.log()}`,
      );
      await sleep(1_000);
    }
    const mark = await auditMark();
    await startComponent(dir, component);
    // After etcd, the API server (which stayed up) answers again once it reaches its store.
    await waitFor(async () => ((await kubectl(['get', '--raw', '/readyz'])).code === 0 ? true : undefined), {
      description: 'the API server ready again',
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    const restartedAt = Date.now();

    const scaled = await kubectl(['scale', 'cng', GROUP, '-n', namespace, `--replicas=${replicas}`]);
    assert.equal(scaled.code, 0, scaled.stderr);
    const members = await waitForMembers(namespace, GROUP, replicas, () => fe.computeNodeAddresses()).catch(
      async (error: unknown) => {
        const pods = await groupPods(namespace, GROUP);
        throw new Error(
          `${String(error)}; pods ${JSON.stringify(pods)}; FE ${JSON.stringify(fe.computeNodeAddresses())}`,
        );
      },
    );
    await waitForCondition(namespace, GROUP, 'Ready', 'True', 60_000);
    const convergedMs = Date.now() - restartedAt;
    assert.deepEqual(
      fe.computeNodeAddresses().sort(),
      members.map((pod) => `${pod.ip ?? ''}:9050`).sort(),
      'the FE lists exactly the pods',
    );

    // Let the last status writes land, then count what the operator writes while nothing changes.
    await sleep(3_000);
    const quietMark = await auditMark();
    await sleep(QUIET_MS);
    const quietWrites = objectWrites(writes(await auditRequestsSince(quietMark), user));
    const sinceRestart = writes(await auditRequestsSince(mark), user);
    const lines = await operator.logLines();
    const leaderTerms = lines.filter((line) => line['msg'] === 'became leader').length - leaderTermsBefore;
    figures[component] = {
      convergedAfterRestartMs: convergedMs,
      writesSinceRestart: summary(sinceRestart),
      objectWritesSinceRestart: objectWrites(sinceRestart).length,
      objectWritesInQuietWindow: quietWrites.length,
      newLeaderTerms: leaderTerms,
    };

    assert.equal(operator.exited(), false, 'the operator is still the same process');
    assert.deepEqual(
      quietWrites.map((request) => `${request.verb} ${request.uri}`),
      [],
      'no writes while nothing changes',
    );
    assert.ok(
      objectWrites(sinceRestart).length <= MAX_CONVERGE_WRITES,
      `a write storm after the restart: ${summary(sinceRestart)}`,
    );
  }

  it('the API server stopped for 30 s: the operator stays up, steps down and leads again, then converges', async () => {
    await outage('kube-apiserver', 5);
    const lines = (await operator?.logLines()) ?? [];
    assert.ok(
      lines.some((line) => line['msg'] === 'lost the leader lease; stopping the controller and campaigning again'),
      'the operator stepped down while it could not renew its Lease',
    );
  });

  it('etcd stopped for 30 s: the operator stays up and converges a scale-in after it', async () => {
    const dropsBefore = fe.statementsMatching(/DROP COMPUTE NODE/i).length;
    const membersBefore = fe.computeNodeAddresses();
    await outage('etcd', 2);
    // One statement may drop several CNs: count the addresses the DROPs named.
    const dropped = fe
      .statementsMatching(/DROP COMPUTE NODE/i)
      .slice(dropsBefore)
      .flatMap((record) => record.sql.match(/\d+\.\d+\.\d+\.\d+:\d+/g) ?? []);
    const left = membersBefore.filter((address) => !fe.computeNodeAddresses().includes(address));
    assert.deepEqual([...new Set(dropped)].sort(), left.sort(), 'exactly the 3 leaving CNs dropped');
    assert.equal(left.length, 3);
  });
});
