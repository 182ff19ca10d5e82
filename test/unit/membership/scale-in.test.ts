import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { planScaleIn, type FeComputeNode, type MemberPod } from '../../../src/membership/index.js';

function pod(ordinal: number): MemberPod {
  return { name: `cn-${ordinal}`, ordinal, address: `10.0.0.${ordinal + 1}:9050`, cnUp: true, terminating: false };
}
function fe(ordinals: number[]): FeComputeNode[] {
  return ordinals.map((o) => ({ host: `10.0.0.${o + 1}`, heartbeatPort: 9050, alive: true }));
}
const twelve = Array.from({ length: 12 }, (_, i) => pod(i));

describe('planScaleIn', () => {
  it('names the leaving ordinals by number with more than 10 replicas (cn-10, cn-11; never cn-9)', () => {
    const plan = planScaleIn({
      statefulSetName: 'cn',
      currentReplicas: 12,
      desiredReplicas: 10,
      pods: twelve,
      ledger: [],
      fe: fe([...Array(12).keys()]),
    });
    assert.deepEqual(plan.leaving, [11, 10]);
    assert.deepEqual(plan.stillInFe, ['10.0.0.11:9050', '10.0.0.12:9050']);
    assert.equal(plan.safeToLower, false);
  });

  it('with the drain order StopFirst, lowers at once: the DROPs follow the pods', () => {
    const input = { statefulSetName: 'cn', currentReplicas: 12, desiredReplicas: 10, pods: twelve, ledger: [] };
    const plan = planScaleIn({ ...input, fe: fe([...Array(12).keys()]), order: 'StopFirst' });
    assert.deepEqual(plan.leaving, [11, 10]);
    assert.equal(plan.safeToLower, true);
    assert.equal(planScaleIn({ ...input, fe: null, order: 'StopFirst' }).safeToLower, true, 'no FE needed');
    assert.equal(planScaleIn({ ...input, fe: fe([...Array(12).keys()]), order: 'Drain' }).safeToLower, false);
  });

  it('is safe once every leaving address is out of the FE', () => {
    const plan = planScaleIn({
      statefulSetName: 'cn',
      currentReplicas: 12,
      desiredReplicas: 10,
      pods: twelve,
      ledger: [],
      fe: fe([...Array(10).keys()]),
    });
    assert.deepEqual(plan.stillInFe, []);
    assert.equal(plan.safeToLower, true);
  });

  it('counts an old ledger address of a leaving ordinal', () => {
    const plan = planScaleIn({
      statefulSetName: 'cn',
      currentReplicas: 3,
      desiredReplicas: 2,
      pods: [pod(0), pod(1), { ...pod(2), address: null }],
      ledger: [{ pod: 'cn-2', address: '10.0.0.99:9050', registered: true, alive: false }],
      fe: [...fe([0, 1]), { host: '10.0.0.99', heartbeatPort: 9050, alive: false }],
    });
    assert.deepEqual(plan.stillInFe, ['10.0.0.99:9050']);
    assert.equal(plan.safeToLower, false);
  });

  it('is never safe without the FE view', () => {
    const plan = planScaleIn({
      statefulSetName: 'cn',
      currentReplicas: 3,
      desiredReplicas: 2,
      pods: [pod(0), pod(1), pod(2)],
      ledger: [],
      fe: null,
    });
    assert.deepEqual(plan.leaving, [2]);
    assert.equal(plan.safeToLower, false);
  });

  it('has nothing to do when the StatefulSet does not shrink', () => {
    const plan = planScaleIn({
      statefulSetName: 'cn',
      currentReplicas: 2,
      desiredReplicas: 3,
      pods: [pod(0), pod(1)],
      ledger: [],
      fe: null,
    });
    assert.deepEqual(plan, { leaving: [], stillInFe: [], safeToLower: true });
  });

  it('ignores foreign addresses that happen to be in the FE', () => {
    const plan = planScaleIn({
      statefulSetName: 'cn',
      currentReplicas: 2,
      desiredReplicas: 1,
      pods: [pod(0), pod(1)],
      ledger: [],
      fe: [...fe([0]), { host: '10.9.9.9', heartbeatPort: 9050, alive: true }],
    });
    assert.equal(plan.safeToLower, true);
  });
});
