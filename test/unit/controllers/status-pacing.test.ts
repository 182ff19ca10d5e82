import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ComputeNodeGroupStatus } from '../../../src/api/v1alpha1/index.js';
import { decideStatusWrite, type StatusPacingInput } from '../../../src/controllers/computenodegroup/status-pacing.js';

const READY_FALSE = {
  type: 'Ready',
  status: 'False',
  reason: 'PodsNotReady',
  message: '1 of 3 pods ready',
  lastTransitionTime: '2026-12-02T10:00:00Z',
  observedGeneration: 1,
} as const;

const current: ComputeNodeGroupStatus = {
  observedGeneration: 1,
  conditions: [READY_FALSE],
  replicas: 3,
  readyReplicas: 1,
  labelSelector: 'app=cn',
  computeNodes: [{ address: '10.244.0.1:9050', pod: 'g-0', registered: true, alive: false }],
};

function decide(next: ComputeNodeGroupStatus, overrides: Partial<StatusPacingInput> = {}) {
  return decideStatusWrite({ current, next, lastWrittenAtMs: 10_000, nowMs: 10_300, intervalMs: 1_000, ...overrides });
}

describe('decideStatusWrite', () => {
  it('writes nothing when nothing changed', () => {
    assert.deepEqual(decide(structuredClone(current)), { kind: 'Unchanged' });
  });

  it('holds back a count that changed 300 ms after the last write, for the rest of the interval', () => {
    assert.deepEqual(decide({ ...current, readyReplicas: 2 }), { kind: 'Defer', afterMs: 700 });
  });

  it('holds back a condition whose message alone changed', () => {
    const next = { ...current, conditions: [{ ...READY_FALSE, message: '2 of 3 pods ready' }] };
    assert.equal(decide(next).kind, 'Defer');
  });

  it('writes a count once the interval has passed, and the whole new status', () => {
    const next = { ...current, readyReplicas: 2 };
    assert.deepEqual(decide(next, { nowMs: 11_000 }), { kind: 'Write', status: next });
  });

  it('writes at once a condition that changed its status or reason', () => {
    const ready = { ...READY_FALSE, status: 'True', reason: 'Ready' } as const;
    assert.equal(decide({ ...current, readyReplicas: 3, conditions: [ready] }).kind, 'Write');
    const otherReason = { ...READY_FALSE, reason: 'FeUnreachable' } as const;
    assert.equal(decide({ ...current, conditions: [otherReason] }).kind, 'Write');
  });

  it('writes at once a change of the ledger of CNs in the FE', () => {
    const next = {
      ...current,
      computeNodes: [
        ...(current.computeNodes ?? []),
        { address: '10.244.0.2:9050', pod: 'g-1', registered: true, alive: false },
      ],
    };
    assert.equal(decide(next).kind, 'Write');
  });

  it('writes at once a new observed generation or pod selector', () => {
    assert.equal(decide({ ...current, observedGeneration: 2 }).kind, 'Write');
    assert.equal(decide({ ...current, labelSelector: 'app=cn,group=g' }).kind, 'Write');
  });

  it('writes at once when this process has not written the status yet, or there was none', () => {
    assert.equal(decide({ ...current, readyReplicas: 2 }, { lastWrittenAtMs: undefined }).kind, 'Write');
    assert.equal(decide({ ...current, readyReplicas: 2 }, { current: undefined }).kind, 'Write');
  });

  it('writes at once with pacing off, or after the clock went back', () => {
    assert.equal(decide({ ...current, readyReplicas: 2 }, { intervalMs: 0 }).kind, 'Write');
    assert.equal(decide({ ...current, readyReplicas: 2 }, { nowMs: 9_000 }).kind, 'Write');
  });
});
