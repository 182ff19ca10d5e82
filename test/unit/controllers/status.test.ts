import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConditionType, type ComputeNodeGroupStatus } from '../../../src/api/v1alpha1/index.js';
import { FeError } from '../../../src/fe/index.js';
import type { PodView } from '../../../src/group/pods.js';
import { buildStatus, type StatusInputs } from '../../../src/controllers/computenodegroup/status.js';
import { testGroup } from './status-inputs.js';
import { decideCapacity } from '../../../src/capacity/decide.js';

const group = testGroup;

function pod(ordinal: number, overrides: Partial<PodView> = {}): PodView {
  return {
    name: `g-${ordinal}`,
    ordinal,
    ip: `10.244.0.${ordinal + 1}`,
    terminating: false,
    ready: true,
    cnUp: true,
    annotations: {},
    cnProblem: undefined,
    feAliveGate: undefined,
    ...overrides,
  };
}

const synced = {
  feKnown: true,
  computeNodes: [
    { pod: 'g-0', address: '10.244.0.1:9050', registered: true, alive: true },
    { pod: 'g-1', address: '10.244.0.2:9050', registered: true, alive: true },
  ],
  servers: { available: 2, unavailable: 0, unregistered: 0, useless: 0 },
};

const healthy: StatusInputs = {
  group: group(),
  now: new Date('2026-11-24T10:00:00Z'),
  configProblem: undefined,
  feUser: 'root',
  pods: [pod(0), pod(1)],
  fe: { kind: 'Read', feAddress: '127.0.0.1:9030' },
  membership: synced,
  feActionError: undefined,
  replicas: { kind: 'Steady', replicas: 2 },
  childFailures: [],
  autoscaling: undefined,
  load: undefined,
  storage: undefined,
};

function condition(status: ComputeNodeGroupStatus, type: string): { status: string; reason: string; message: string } {
  const found = status.conditions?.find((c) => c.type === type);
  assert.ok(found, `condition ${type} missing`);
  return found;
}

describe('buildStatus', () => {
  it('says which child the API server refused and what the group builds it from; Ready follows', () => {
    const refused = {
      kind: 'CronJob',
      name: 'g-offline',
      refused: true,
      error: new Error('x'),
      message: 'the API server refused CronJob g-offline (built from spec.cronJobPolicy): Invalid (422): bad schedule',
    };
    const transient = { ...refused, kind: 'Service', refused: false, message: 'timeout' };
    const status = buildStatus({ ...healthy, childFailures: [transient, refused] });
    assert.deepEqual(condition(status, 'ChildrenApplied'), {
      ...condition(status, 'ChildrenApplied'),
      status: 'False',
      reason: 'ChildRefused',
      message: `${refused.message} (and 1 more)`,
    });
    assert.equal(condition(status, 'Ready').reason, 'ChildRefused');
    assert.equal(status.computeNodes?.length, 2, 'the ledger is written all the same');
    const onlyTransient = buildStatus({ ...healthy, childFailures: [transient] });
    assert.equal(condition(onlyTransient, 'ChildrenApplied').reason, 'ApplyFailed');
    assert.equal(condition(buildStatus(healthy), 'ChildrenApplied').status, 'True');
    const noConfig = buildStatus({ ...healthy, childFailures: undefined });
    assert.equal(condition(noConfig, 'ChildrenApplied').status, 'Unknown');
  });

  it('reports a healthy group as Ready with the scale-subresource fields', () => {
    const status = buildStatus(healthy);
    assert.equal(condition(status, ConditionType.Ready).status, 'True');
    assert.deepEqual(
      [status.replicas, status.readyReplicas, status.observedGeneration, status.labelSelector],
      [
        2,
        2,
        3,
        'app.kubernetes.io/instance=g,app.kubernetes.io/managed-by=starrocks-cn-operator,app.kubernetes.io/name=starrocks-cn',
      ],
    );
    assert.deepEqual(status.servers, synced.servers);
    assert.equal(status.registeredReplicas, 2);
  });

  it('is identical on a quiet reconcile a minute later (no status write)', () => {
    const first = buildStatus(healthy);
    const second = buildStatus({ ...healthy, group: group(first), now: new Date('2026-11-24T10:01:00Z') });
    assert.deepEqual(second, first);
  });

  it('waits for a missing Secret, keeps the ledger, and says so in Ready', () => {
    const ledger = [{ pod: 'g-5', address: '10.244.0.9:9050', registered: true, alive: false }];
    const status = buildStatus({
      ...healthy,
      group: group({ computeNodes: ledger }),
      configProblem: { reason: 'SecretNotFound', message: 'Secret fe-account was not found' },
      fe: { kind: 'NotAttempted' },
      membership: undefined,
      replicas: undefined,
    });
    assert.equal(condition(status, ConditionType.ConfigResolved).reason, 'SecretNotFound');
    assert.equal(condition(status, ConditionType.Ready).status, 'False');
    assert.equal(condition(status, ConditionType.Ready).reason, 'SecretNotFound');
    assert.deepEqual(status.computeNodes, ledger);
  });

  it('names the Secret on an authentication failure, never the password', () => {
    const status = buildStatus({
      ...healthy,
      fe: { kind: 'Failed', error: new FeError('AuthenticationFailed', "Access denied for user 'root'") },
      membership: { ...synced, feKnown: false },
    });
    const fe = condition(status, ConditionType.FEReachable);
    assert.equal(fe.status, 'False');
    assert.equal(fe.reason, 'AuthenticationFailed');
    assert.match(fe.message, /FE_USR and FE_PWD in Secret fe-account/);
    assert.equal(condition(status, ConditionType.MembershipSynced).status, 'Unknown');
  });

  it('tells how to grant NODE when the privilege is missing', () => {
    const status = buildStatus({
      ...healthy,
      feActionError: new FeError('MissingPrivilege', 'Access denied; you need the NODE privilege'),
    });
    const membership = condition(status, ConditionType.MembershipSynced);
    assert.equal(membership.reason, 'FEUpdateFailed');
    assert.match(membership.message, /GRANT NODE ON SYSTEM TO USER root/);
  });

  it('surfaces a CN that cannot start', () => {
    const problem = { reason: 'CNStartScriptMissing' as const, message: 'spec.podPolicy.command must point at ...' };
    const status = buildStatus({ ...healthy, pods: [pod(0), pod(1, { cnUp: false, cnProblem: problem })] });
    const workload = condition(status, ConditionType.WorkloadAvailable);
    assert.equal(workload.reason, 'CNStartScriptMissing');
    assert.match(workload.message, /^pod g-1: /);
  });

  it('shows a scale-in waiting for the FE', () => {
    const status = buildStatus({ ...healthy, replicas: { kind: 'WaitingForFEDrop', replicas: 4, leaving: [2, 3] } });
    const membership = condition(status, ConditionType.MembershipSynced);
    assert.equal(membership.reason, 'WaitingForFEDrop');
    assert.match(membership.message, /2, 3/);
  });

  it('reports FE entries of the group that have no pod', () => {
    const status = buildStatus({ ...healthy, membership: { ...synced, servers: { ...synced.servers, useless: 1 } } });
    assert.equal(condition(status, ConditionType.MembershipSynced).reason, 'StaleEntries');
  });

  it('does not count terminating pods as replicas', () => {
    const status = buildStatus({ ...healthy, pods: [pod(0), pod(1, { terminating: true, ready: false })] });
    assert.equal(status.replicas, 1);
  });

  describe('suspension', () => {
    const capacityOf = (spec: StatusInputs['group']['spec'], memory = {}) =>
      decideCapacity({
        spec,
        generation: 3,
        now: healthy.now,
        memory,
        work: { kind: 'Busy', why: 'x', source: 'Group' },
        otherCompute: { kind: 'Alive' },
        currentReplicas: 2,
      });

    it('has no Suspended condition nor record for a group that uses none of it', () => {
      const status = buildStatus({ ...healthy, capacity: capacityOf(healthy.group.spec) });
      assert.equal(
        status.conditions?.find((entry) => entry.type === ConditionType.Suspended),
        undefined,
      );
      assert.equal('suspension' in status, false);
    });

    it('never writes an empty record (server-side apply reads {} as null): a busy autoSuspend group has none', () => {
      const spec = { ...healthy.group.spec, autoSuspend: { idleSeconds: 600, resume: 'OnWork' as const } };
      const status = buildStatus({ ...healthy, group: { ...healthy.group, spec }, capacity: capacityOf(spec) });
      assert.equal('suspension' in status, false);
      assert.equal(condition(status, ConditionType.Suspended).reason, 'Running');
    });

    it('records by what and since when, with the condition True', () => {
      const spec = { ...healthy.group.spec, suspend: true };
      const status = buildStatus({ ...healthy, group: { ...healthy.group, spec }, capacity: capacityOf(spec) });
      assert.deepEqual(status.suspension, { suspendedBy: 'Spec', since: healthy.now.toISOString(), generation: 3 });
      const suspended = condition(status, ConditionType.Suspended);
      assert.deepEqual([suspended.status, suspended.reason], ['True', 'Spec']);
      assert.equal(condition(status, ConditionType.Ready).status, 'True', 'a suspended group is not un-Ready');
    });
  });
});
