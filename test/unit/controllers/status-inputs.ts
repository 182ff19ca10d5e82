// The inputs of buildStatus for a group whose FE answered and whose pods match it, nothing failing: tests change the
// one input they are about (the group, a side condition) and see what the status makes of it.
import { strict as assert } from 'node:assert';
import {
  parseComputeNodeGroup,
  type ComputeNodeGroup,
  type ComputeNodeGroupStatus,
} from '../../../src/api/v1alpha1/index.js';
import type { StatusInputs } from '../../../src/controllers/computenodegroup/status.js';

/** A group of 2 CNs at generation 3, with the status given. */
export function testGroup(status?: ComputeNodeGroupStatus): ComputeNodeGroup {
  const parsed = parseComputeNodeGroup({
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'g', namespace: 'ns', generation: 3 },
    spec: {
      feInfo: { addresses: ['127.0.0.1:9030'], accountSecret: 'fe-account' },
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.0' },
      replicas: 2,
    },
    ...(status === undefined ? {} : { status }),
  });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value;
}

export function healthyInputs(): Omit<StatusInputs, 'group'> {
  return {
    now: new Date('2026-11-24T10:00:00Z'),
    configProblem: undefined,
    feUser: 'root',
    pods: [],
    fe: { kind: 'Read', feAddress: '127.0.0.1:9030' },
    membership: {
      feKnown: true,
      computeNodes: [],
      servers: { available: 0, unavailable: 0, unregistered: 0, useless: 0 },
    },
    feActionError: undefined,
    replicas: { kind: 'Steady', replicas: 0 },
    childFailures: [],
    autoscaling: undefined,
    load: undefined,
    storage: undefined,
  };
}
