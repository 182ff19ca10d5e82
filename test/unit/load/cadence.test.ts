import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadCadence, scalesOnLoad } from '../../../src/load/cadence.js';
import type { GroupLoad } from '../../../src/load/figures.js';
import { autoScalingPolicySchema, type AutoScalingPolicy } from '../../../src/api/v1alpha1/index.js';

/** A policy as the API parses it. */
const policy = (spec: Record<string, unknown>): AutoScalingPolicy => autoScalingPolicySchema.parse(spec);
const queries = policy({ maxReplicas: 8, queries: { targetPerCN: 4 } });
const cpu = policy({
  maxReplicas: 8,
  hpaPolicy: {
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
  },
});

const byHand = policy({
  maxReplicas: 8,
  hpaPolicy: {
    metrics: [
      {
        type: 'Object',
        object: {
          describedObject: { apiVersion: 'starrocks.com/v1alpha1', kind: 'ComputeNodeGroup', name: 'g' },
          metric: { name: 'pending_queries' },
          target: { type: 'Value', value: '1' },
        },
      },
    ],
  },
});

function load(alive: number, running: number | null, pending: number | null): GroupLoad {
  const queryLoad = running === null || pending === null ? null : running + pending;
  return {
    aliveComputeNodes: alive,
    runningQueries: running,
    pendingQueries: pending,
    queryLoad,
    slotLoad: queryLoad,
    cpuUsedPercent: null,
    memUsedPercent: null,
    gaps: [],
  };
}

/** 2 CNs of at most 8. */
const room = { replicas: 2, maxReplicas: 8 };

describe('loadCadence', () => {
  it('is busy while the load asks the HPA for more CNs, beyond its tolerance', () => {
    // Target 4 on 2 CNs: 8, and the HPA acts above 8 x 1.1 = 8.8.
    assert.deepEqual(loadCadence(queries, load(2, 6, 3), room), { kind: 'Busy', why: 'QueriesQueued' });
    assert.deepEqual(loadCadence(queries, load(2, 9, 0), room), { kind: 'Busy', why: 'AboveTarget' });
    assert.deepEqual(loadCadence(queries, load(2, 8, 0.8), room), { kind: 'Rest' }, 'within the tolerance');
    assert.deepEqual(loadCadence(queries, load(2, 0, 0), room), { kind: 'Rest' });
  });

  it('counts the CNs the HPA counts (its replicas), not only the alive ones', () => {
    assert.deepEqual(loadCadence(queries, load(1, 12, 0), { replicas: 4, maxReplicas: 8 }), { kind: 'Rest' });
  });

  it('rests when the HPA cannot add a CN: at its maximum, or none (suspended, no policy)', () => {
    assert.deepEqual(loadCadence(queries, load(8, 60, 20), { replicas: 8, maxReplicas: 8 }), { kind: 'Rest' });
    assert.deepEqual(loadCadence(queries, load(0, 0, 20), undefined), { kind: 'Rest' });
  });

  it('falls back on the running queries when the queue was not read this time', () => {
    const unread: GroupLoad = { ...load(2, 12, null), queryLoad: null };
    assert.deepEqual(loadCadence(queries, unread, room), { kind: 'Busy', why: 'AboveTarget' });
    assert.deepEqual(loadCadence(queries, load(1, null, null), room), { kind: 'Rest' }, 'no figure at all');
    assert.deepEqual(loadCadence(queries, undefined, room), { kind: 'Rest' }, 'not read');
  });

  it('is at rest for a group that does not scale on its load, however busy', () => {
    assert.deepEqual(loadCadence(cpu, load(1, 40, 40), room), { kind: 'Rest' });
    assert.deepEqual(loadCadence(undefined, load(1, 40, 40), room), { kind: 'Rest' });
  });

  it('with an Object metric written by hand (target unknown), is busy while queries queue', () => {
    assert.deepEqual(loadCadence(byHand, load(2, 1, 2), room), { kind: 'Busy', why: 'QueriesQueued' });
    assert.deepEqual(loadCadence(byHand, load(2, 30, 0), room), { kind: 'Rest' });
  });
});

describe('scalesOnLoad', () => {
  it('sees the short form and an Object metric named after one of the load figures', () => {
    assert.equal(scalesOnLoad(queries), true);
    assert.equal(scalesOnLoad(cpu), false);
    assert.equal(scalesOnLoad(byHand), true);
  });

  it('takes a metric the API server kept as written, malformed, for what it is: not a load figure', () => {
    for (const metric of [{ type: 'Object', object: {} }, { type: 'Object', object: 'x' }, { type: 'Object' }]) {
      assert.equal(scalesOnLoad(policy({ maxReplicas: 8, hpaPolicy: { metrics: [metric] } })), false);
    }
  });
});
