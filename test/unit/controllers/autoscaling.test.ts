// The Autoscaling condition: the HPA's own conditions mirrored on the group, the missing CPU request caught before
// the HPA fails on it, and never part of Ready.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseComputeNodeGroup, type ComputeNodeGroup } from '../../../src/api/v1alpha1/index.js';
import { autoscalingCondition } from '../../../src/controllers/computenodegroup/autoscaling.js';
import { buildStatus } from '../../../src/controllers/computenodegroup/status.js';
import { healthyInputs } from './status-inputs.js';

function group(spec: Record<string, unknown>, status?: unknown): ComputeNodeGroup {
  const parsed = parseComputeNodeGroup({
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'g', namespace: 'ns', generation: 1 },
    spec: {
      feInfo: { addresses: ['127.0.0.1:9030'], accountSecret: 'fe-account' },
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.0' },
      ...spec,
    },
    ...(status === undefined ? {} : { status }),
  });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value;
}

const withCpu = { podPolicy: { resources: { requests: { cpu: '2' } } } };
const hpa = (...conditions: { type: string; status: string; reason?: string; message?: string }[]) => ({
  status: { conditions },
});

describe('autoscalingCondition', () => {
  it('is absent without an autoscaling policy', () => {
    assert.equal(autoscalingCondition(group({}), undefined), undefined);
  });

  it('names the field to set when the HPA would scale on CPU utilization without a CPU request', () => {
    const byDefault = autoscalingCondition(group({ autoScalingPolicy: { maxReplicas: 5 } }), undefined);
    assert.ok(byDefault);
    assert.equal(byDefault.reason, 'MissingCPURequest');
    assert.match(byDefault.message, /spec\.podPolicy\.resources\.requests\.cpu/);
    const memoryOnly = group({
      autoScalingPolicy: {
        maxReplicas: 5,
        hpaPolicy: {
          metrics: [
            { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 60 } } },
          ],
        },
      },
    });
    assert.equal(autoscalingCondition(memoryOnly, undefined)?.reason, 'HPAPending');
  });

  it('query-aware scaling alone needs no CPU request; added to CPU metrics it still does', () => {
    const queriesOnly = group({ autoScalingPolicy: { maxReplicas: 5, queries: { targetPerCN: 4 } } });
    assert.equal(autoscalingCondition(queriesOnly, undefined)?.reason, 'HPAPending');
    const withCpuMetric = group({
      autoScalingPolicy: {
        maxReplicas: 5,
        queries: { targetPerCN: 4 },
        hpaPolicy: {
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          ],
        },
      },
    });
    assert.equal(autoscalingCondition(withCpuMetric, undefined)?.reason, 'MissingCPURequest');
  });

  it("mirrors the HPA's conditions: the first that fails, or the limit that holds it", () => {
    const policy = { autoScalingPolicy: { maxReplicas: 5 }, ...withCpu };
    const failing = autoscalingCondition(
      group(policy),
      hpa(
        { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' },
        { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: 'no metrics returned' },
      ),
    );
    assert.deepEqual(failing, {
      type: 'Autoscaling',
      status: 'False',
      reason: 'FailedGetResourceMetric',
      message: 'HPA ScalingActive: no metrics returned',
    });
    const limited = autoscalingCondition(
      group(policy),
      hpa(
        { type: 'AbleToScale', status: 'True' },
        { type: 'ScalingActive', status: 'True' },
        {
          type: 'ScalingLimited',
          status: 'True',
          reason: 'TooManyReplicas',
          message: 'the desired count is above the maximum',
        },
      ),
    );
    assert.ok(limited);
    assert.equal(limited.status, 'True');
    assert.equal(limited.reason, 'TooManyReplicas');
  });

  it('stays out of Ready, and leaves the status when the policy is removed', () => {
    const inputs = healthyInputs();
    const withPolicy = group({ replicas: 0, autoScalingPolicy: { maxReplicas: 5 } });
    const scaling = buildStatus({
      ...inputs,
      group: withPolicy,
      autoscaling: autoscalingCondition(withPolicy, undefined),
    });
    const types = (scaling.conditions ?? []).map((condition) => `${condition.type}=${condition.status}`);
    assert.ok(types.includes('Autoscaling=False'), types.join(' '));
    assert.ok(types.includes('Ready=True'), 'Autoscaling does not count towards Ready');
    const withoutPolicy = group({ replicas: 0 }, scaling);
    const removed = buildStatus({
      ...inputs,
      group: withoutPolicy,
      autoscaling: autoscalingCondition(withoutPolicy, undefined),
    });
    assert.ok(!(removed.conditions ?? []).some((condition) => condition.type === 'Autoscaling'));
  });
});
