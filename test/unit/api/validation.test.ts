import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseComputeNodeGroup, type FieldError } from '../../../src/api/v1alpha1/index.js';
import { INVALID_CASES as cases, validGroup, withValue } from './invalid-cases.js';

function errorsOf(input: unknown): FieldError[] {
  const result = parseComputeNodeGroup(input);
  if (result.ok) assert.fail('expected the spec to be rejected');
  return result.errors;
}

describe('parseComputeNodeGroup rejects bad specs, naming the field', () => {
  it('has at least 25 cases', () => {
    assert.ok(cases.length >= 25);
  });
  for (const testCase of cases) {
    it(testCase.name, () => {
      const errors = errorsOf(testCase.input);
      const atPath = errors.filter((error) => error.path === testCase.path);
      assert.ok(atPath.length > 0, `no error at ${testCase.path}; got ${JSON.stringify(errors)}`);
      assert.ok(
        atPath.some((error) => testCase.message.test(error.message)),
        `messages at ${testCase.path} do not match ${String(testCase.message)}: ${JSON.stringify(atPath)}`,
      );
    });
  }
});

describe('parseComputeNodeGroup accepts and defaults', () => {
  it('accepts the valid base group and applies the defaults', () => {
    const result = parseComputeNodeGroup(validGroup());
    assert.ok(result.ok);
    const spec = result.value.spec;
    assert.equal(spec.cnInfo.addressType, 'IP');
    assert.equal(spec.podPolicy.terminationGracePeriodSeconds, 120);
    assert.equal(spec.podDisruptionBudget.maxUnavailable, 1);
    assert.equal(spec.images.componentsImage, undefined);
  });

  it('defaults the sections a minimal group leaves out', () => {
    const result = parseComputeNodeGroup({
      apiVersion: 'starrocks.com/v1alpha1',
      kind: 'ComputeNodeGroup',
      metadata: { name: 'min' },
      spec: { feInfo: { addresses: ['fe:9030'], accountSecret: 's' }, images: { cnImage: 'cn:1' } },
    });
    assert.ok(result.ok);
    assert.equal(result.value.spec.replicas, 1);
    assert.deepEqual(result.value.spec.cnInfo, { addressType: 'IP', registration: 'Sidecar' });
    assert.deepEqual(result.value.spec.podDisruptionBudget, { maxUnavailable: 1 });
  });

  it('accepts hostnames, IPv4 and bracketed IPv6 addresses at the port bounds', () => {
    for (const text of ['fe-0.fe.starrocks.svc.cluster.local:9030', '192.168.1.10:1', '[fd00::1]:65535', 'FE1:9030']) {
      assert.ok(parseComputeNodeGroup(withValue('spec.feInfo.addresses', [text])).ok, text);
    }
  });

  it('keeps quantities as text, numbers included', () => {
    const result = parseComputeNodeGroup(withValue('spec.podPolicy.resources', { limits: { cpu: 4, memory: '8Gi' } }));
    assert.ok(result.ok);
    assert.deepEqual(result.value.spec.podPolicy.resources?.limits, { cpu: '4', memory: '8Gi' });
  });

  it('drops a status it cannot read instead of rejecting the group', () => {
    const result = parseComputeNodeGroup({ ...validGroup(), status: { conditions: { Ready: 'yes' } } });
    assert.ok(result.ok);
    assert.equal(result.value.status, undefined);
  });

  it('keeps a valid status', () => {
    const status = {
      observedGeneration: 2,
      replicas: 1,
      labelSelector: 'a=b',
      computeNodes: [{ pod: 'cn-0', address: '10.1.0.4:9050', registered: true, alive: false }],
      conditions: [
        { type: 'Ready', status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'X', message: 'y' },
      ],
    };
    const result = parseComputeNodeGroup({ ...validGroup(), status });
    assert.ok(result.ok);
    assert.deepEqual(result.value.status, status);
  });
});
