import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConditionType } from '../../../src/api/v1alpha1/index.js';
import {
  kubeTime,
  mergeConditions,
  readyCondition,
  type ConditionUpdate,
} from '../../../src/controllers/computenodegroup/conditions.js';

const t0 = new Date('2026-11-24T10:00:00.123Z');
const t1 = new Date('2026-11-24T10:05:00.456Z');

const feDown: ConditionUpdate = {
  type: ConditionType.FEReachable,
  status: 'False',
  reason: 'Unreachable',
  message: 'no FE answered',
};
const feUp: ConditionUpdate = { type: ConditionType.FEReachable, status: 'True', reason: 'Connected', message: 'ok' };

describe('mergeConditions', () => {
  it('stamps new conditions with whole-second times and the generation', () => {
    const [condition] = mergeConditions([], [feDown], 4, t0);
    assert.deepEqual(condition, { ...feDown, lastTransitionTime: '2026-11-24T10:00:00Z', observedGeneration: 4 });
  });

  it('keeps the transition time while the status stays the same, even if the message changes', () => {
    const first = mergeConditions([], [feDown], 1, t0);
    const [second] = mergeConditions(first, [{ ...feDown, message: 'still down' }], 2, t1);
    assert.ok(second);
    assert.deepEqual(
      [second.lastTransitionTime, second.message, second.observedGeneration],
      ['2026-11-24T10:00:00Z', 'still down', 2],
    );
  });

  it('moves the transition time when the status flips', () => {
    const first = mergeConditions([], [feDown], 1, t0);
    const second = mergeConditions(first, [feUp], 1, t1);
    assert.equal(second[0]?.lastTransitionTime, '2026-11-24T10:05:00Z');
  });

  it('is stable: the same inputs give equal output (no write on a quiet reconcile)', () => {
    const first = mergeConditions([], [feUp, readyCondition([feUp])], 1, t0);
    const again = mergeConditions(first, [feUp, readyCondition([feUp])], 1, t1);
    assert.deepEqual(again, first);
    assert.equal(first[0]?.type, ConditionType.Ready);
  });
});

describe('readyCondition', () => {
  it('is True only when every condition is True', () => {
    assert.equal(readyCondition([feUp]).status, 'True');
  });

  it('carries the first failing condition as its reason', () => {
    const ready = readyCondition([feUp, feDown]);
    assert.deepEqual(ready, {
      type: ConditionType.Ready,
      status: 'False',
      reason: 'Unreachable',
      message: 'FEReachable: no FE answered',
    });
  });
});

describe('kubeTime', () => {
  it('drops the milliseconds', () => {
    assert.equal(kubeTime(t0), '2026-11-24T10:00:00Z');
  });
});
