// The inputs of buildStatus for a group whose FE answered and whose pods match it, nothing failing: tests change the
// one input they are about (the group, a side condition) and see what the status makes of it.
import type { StatusInputs } from '../../../src/controllers/computenodegroup/status.js';

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
