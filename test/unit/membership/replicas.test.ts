import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { decideReplicas, waitingSince, type ReplicaInputs } from '../../../src/membership/index.js';

const now = new Date('2026-11-24T12:00:00Z');
const base: ReplicaInputs = {
  desired: 3,
  current: 3,
  scaleIn: { leaving: [], safeToLower: true },
  feReachable: true,
  waitingSince: undefined,
  now,
  feWaitLimitMs: 120_000,
};
const secondsAgo = (seconds: number): Date => new Date(now.getTime() - seconds * 1000);

describe('decideReplicas', () => {
  it('creates the StatefulSet at the desired size', () => {
    assert.deepEqual(decideReplicas({ ...base, current: undefined, desired: 4 }), { kind: 'Steady', replicas: 4 });
  });

  it('scales out at once', () => {
    assert.deepEqual(decideReplicas({ ...base, current: 3, desired: 12 }), { kind: 'ScaleOut', replicas: 12 });
  });

  it('holds the StatefulSet while a leaving CN is still in the FE', () => {
    const scaleIn = { leaving: [11, 10, 9], safeToLower: false };
    assert.deepEqual(decideReplicas({ ...base, current: 12, desired: 9, scaleIn }), {
      kind: 'WaitingForFEDrop',
      replicas: 12,
      leaving: [11, 10, 9],
    });
  });

  it('scales in once every leaving CN is out of the FE', () => {
    const scaleIn = { leaving: [11, 10, 9], safeToLower: true };
    assert.deepEqual(decideReplicas({ ...base, current: 12, desired: 9, scaleIn }), { kind: 'ScaleIn', replicas: 9 });
  });

  it('keeps waiting for an unreachable FE until the limit', () => {
    const scaleIn = { leaving: [3, 2], safeToLower: false };
    const decision = decideReplicas({
      ...base,
      current: 4,
      desired: 2,
      scaleIn,
      feReachable: false,
      waitingSince: secondsAgo(60),
    });
    assert.deepEqual(decision, { kind: 'WaitingForFEDrop', replicas: 4, leaving: [3, 2] });
  });

  it('scales in without the FE after the limit, naming the CNs left behind', () => {
    const scaleIn = { leaving: [3, 2], safeToLower: false };
    const decision = decideReplicas({
      ...base,
      current: 4,
      desired: 2,
      scaleIn,
      feReachable: false,
      waitingSince: secondsAgo(120),
    });
    assert.deepEqual(decision, { kind: 'ScaleInWithoutFE', replicas: 2, leaving: [3, 2] });
  });

  it('never gives up on a reachable FE: a refused drop is retried, not skipped', () => {
    const scaleIn = { leaving: [3], safeToLower: false };
    const decision = decideReplicas({ ...base, current: 4, desired: 3, scaleIn, waitingSince: secondsAgo(3600) });
    assert.deepEqual(decision, { kind: 'WaitingForFEDrop', replicas: 4, leaving: [3] });
  });
});

describe('waitingSince', () => {
  const condition = (reason: string, lastTransitionTime = '2026-11-24T11:58:00Z') => ({
    type: 'MembershipSynced',
    status: 'False' as const,
    reason,
    message: '',
    lastTransitionTime,
  });
  it('reads the start of the wait from the MembershipSynced condition', () => {
    assert.deepEqual(waitingSince({ conditions: [condition('WaitingForFEDrop')] }), secondsAgo(120));
  });
  it('is undefined for any other reason, another condition, no status or an unreadable time', () => {
    assert.equal(waitingSince({ conditions: [condition('StaleEntries')] }), undefined);
    assert.equal(waitingSince({ conditions: [{ ...condition('WaitingForFEDrop'), type: 'Ready' }] }), undefined);
    assert.equal(waitingSince(undefined), undefined);
    assert.equal(waitingSince({ conditions: [condition('WaitingForFEDrop', 'yesterday')] }), undefined);
  });
});
