import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { planReadinessGates, type FeComputeNode, type GatedPod } from '../../../src/membership/index.js';

function pod(ordinal: number, gate: GatedPod['gate'], extra: Partial<GatedPod> = {}): GatedPod {
  return {
    name: `g-${ordinal}`,
    ordinal,
    address: `10.0.0.${ordinal + 1}:9050`,
    cnUp: true,
    terminating: false,
    gate,
    ...extra,
  };
}
const row = (ordinal: number, alive: boolean): FeComputeNode => ({
  host: `10.0.0.${ordinal + 1}`,
  heartbeatPort: 9050,
  alive,
});

describe('planReadinessGates', () => {
  it('opens the gate of a CN the FE reports alive and closes it when the FE stops', () => {
    const plan = planReadinessGates([pod(0, undefined), pod(1, 'True'), pod(2, 'True')], [row(0, true), row(1, false)]);
    assert.deepEqual(
      plan.changes.map((change) => [change.pod, change.status, change.reason]),
      [
        ['g-0', 'True', 'CNAlive'],
        ['g-1', 'False', 'CNNotAlive'],
        ['g-2', 'False', 'CNNotRegistered'],
      ],
    );
    assert.equal(plan.waiting, 2, 'g-1 and g-2 wait for the FE');
  });

  it('changes nothing that already matches, and nothing without an FE answer', () => {
    assert.deepEqual(planReadinessGates([pod(0, 'True'), pod(1, 'False')], [row(0, true)]).changes, []);
    const blind = planReadinessGates([pod(0, 'True'), pod(1, undefined)], null);
    assert.deepEqual(blind.changes, []);
    assert.equal(blind.waiting, 1);
  });

  it('leaves terminating pods alone and counts only CNs that are up as waiting', () => {
    const plan = planReadinessGates(
      [pod(0, 'True', { terminating: true }), pod(1, undefined, { cnUp: false, address: null })],
      [row(0, false)],
    );
    assert.deepEqual(
      plan.changes.map((change) => [change.pod, change.status]),
      [['g-1', 'False']],
    );
    assert.equal(plan.waiting, 0);
  });

  it('compares addresses by key (a DNS name in another case is the same CN)', () => {
    const fqdn = pod(0, undefined, { address: 'G-0.g-cn.ns.svc.cluster.local:9050' });
    const plan = planReadinessGates(
      [fqdn],
      [{ host: 'g-0.g-cn.ns.svc.cluster.local', heartbeatPort: 9050, alive: true }],
    );
    assert.equal(plan.changes[0]?.status, 'True');
  });
});
