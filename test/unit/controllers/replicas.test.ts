import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { decideReplicas, type ReplicaInputs } from '../../../src/controllers/computenodegroup/replicas.js';

const now = new Date('2026-11-24T12:00:00Z');
const base: ReplicaInputs = {
  desired: 3,
  current: 3,
  leavingStillRegistered: [],
  feReachable: true,
  waitingSince: undefined,
  now,
  feWaitLimitMs: 120_000,
};

describe('decideReplicas', () => {
  it('creates the StatefulSet at the desired size', () => {
    assert.deepEqual(decideReplicas({ ...base, current: undefined, desired: 4 }), { kind: 'Steady', replicas: 4 });
  });

  it('scales out at once', () => {
    assert.deepEqual(decideReplicas({ ...base, current: 3, desired: 12 }), { kind: 'ScaleOut', replicas: 12 });
  });

  it('holds the StatefulSet while a leaving CN is still in the FE', () => {
    const decision = decideReplicas({ ...base, current: 12, desired: 9, leavingStillRegistered: [9, 10, 11] });
    assert.deepEqual(decision, { kind: 'WaitingForFeDrop', replicas: 12, leaving: [9, 10, 11] });
  });

  it('lets the ordinals above the highest still-registered one go (numeric order, not text: 10 > 9)', () => {
    const decision = decideReplicas({ ...base, current: 12, desired: 8, leavingStillRegistered: [9, 10] });
    assert.deepEqual(decision, { kind: 'WaitingForFeDrop', replicas: 11, leaving: [9, 10] });
  });

  it('ignores registered ordinals that are not leaving', () => {
    const decision = decideReplicas({ ...base, current: 5, desired: 3, leavingStillRegistered: [0, 1, 2] });
    assert.deepEqual(decision, { kind: 'ScaleIn', replicas: 3 });
  });

  it('scales in once every leaving CN is out of the FE', () => {
    assert.deepEqual(decideReplicas({ ...base, current: 12, desired: 2 }), { kind: 'ScaleIn', replicas: 2 });
  });

  it('keeps waiting for an unreachable FE until the limit', () => {
    const waitingSince = new Date(now.getTime() - 60_000);
    const decision = decideReplicas({
      ...base,
      current: 4,
      desired: 2,
      leavingStillRegistered: [2, 3],
      feReachable: false,
      waitingSince,
    });
    assert.equal(decision.kind, 'WaitingForFeDrop');
    assert.equal(decision.replicas, 4);
  });

  it('scales in without the FE after the limit, naming the CNs left behind', () => {
    const waitingSince = new Date(now.getTime() - 120_000);
    const decision = decideReplicas({
      ...base,
      current: 4,
      desired: 2,
      leavingStillRegistered: [2, 3],
      feReachable: false,
      waitingSince,
    });
    assert.deepEqual(decision, { kind: 'ScaleInWithoutFe', replicas: 2, leaving: [2, 3] });
  });

  it('never gives up on a reachable FE: a failing drop is retried, not skipped', () => {
    const waitingSince = new Date(now.getTime() - 3_600_000);
    const decision = decideReplicas({ ...base, current: 4, desired: 2, leavingStillRegistered: [3], waitingSince });
    assert.deepEqual(decision, { kind: 'WaitingForFeDrop', replicas: 4, leaving: [3] });
  });
});
