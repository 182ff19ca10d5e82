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

function load(alive: number, running: number | null, pending: number | null): GroupLoad {
  const queryLoad = running === null || pending === null ? null : running + pending;
  return {
    aliveComputeNodes: alive,
    runningQueries: running,
    pendingQueries: pending,
    queryLoad,
    cpuUsedPercent: null,
    memUsedPercent: null,
    gaps: [],
  };
}

describe('loadCadence', () => {
  it('is busy while queries wait in the queue', () => {
    assert.deepEqual(loadCadence(queries, load(2, 1, 0.5)), { kind: 'Busy', why: 'QueriesQueued' });
  });

  it('is busy while the load asks for more CNs than are alive, and at rest at or under the target', () => {
    assert.deepEqual(loadCadence(queries, load(2, 9, 0)), { kind: 'Busy', why: 'AboveTarget' });
    assert.deepEqual(loadCadence(queries, load(2, 8, 0)), { kind: 'Rest' });
    assert.deepEqual(loadCadence(queries, load(2, 0, 0)), { kind: 'Rest' });
  });

  it('is at rest without a figure: not read, or a version without the queue', () => {
    assert.deepEqual(loadCadence(queries, undefined), { kind: 'Rest' });
    assert.deepEqual(loadCadence(queries, load(1, null, null)), { kind: 'Rest' });
  });

  it('is at rest for a group that does not scale on its load, however busy', () => {
    assert.deepEqual(loadCadence(cpu, load(1, 40, 40)), { kind: 'Rest' });
    assert.deepEqual(loadCadence(undefined, load(1, 40, 40)), { kind: 'Rest' });
  });
});

describe('scalesOnLoad', () => {
  it('sees the short form and an Object metric named after one of the load figures', () => {
    assert.equal(scalesOnLoad(queries), true);
    assert.equal(scalesOnLoad(cpu), false);
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
    assert.equal(scalesOnLoad(byHand), true);
  });
});
