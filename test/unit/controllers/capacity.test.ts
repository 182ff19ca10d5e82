// The capacity step's I/O glue: the refusal of 0 CNs across groups of one process, and when the pass asks to be
// woken. The FE is the reconciler's own narrow port, answered from a table here.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseComputeNodeGroup, type ComputeNodeGroup } from '../../../src/api/v1alpha1/index.js';
import { decideCapacity } from '../../../src/capacity/decide.js';
import { GroupCapacities, nextCapacityChangeMs } from '../../../src/controllers/computenodegroup/capacity.js';
import type { FeRead } from '../../../src/controllers/computenodegroup/fe-membership.js';
import type { FeSession } from '../../../src/controllers/computenodegroup/ports.js';
import { computeNodeRecord } from '../fe/record-fixture.js';

const NOW = new Date('2026-12-07T10:00:00Z');

function group(name: string, address: string, spec: Record<string, unknown> = {}): ComputeNodeGroup {
  const parsed = parseComputeNodeGroup({
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name, namespace: 'ns', generation: 1 },
    spec: {
      feInfo: { addresses: ['127.0.0.1:9030'], accountSecret: 'fe-account' },
      images: { cnImage: 'starrocks/cn-ubuntu:3.5.2' },
      replicas: 1,
      ...spec,
    },
    status: { computeNodes: [{ pod: `${name}-0`, address, registered: true, alive: true }] },
  });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value;
}

const A = '10.0.0.1:9050';
const B = '10.0.0.2:9050';
const feRead: FeRead = {
  observation: { kind: 'Read', feAddress: '127.0.0.1:9030' },
  nodes: ['10.0.0.1', '10.0.0.2'].map((host) =>
    computeNodeRecord(host, { load: { runningQueries: 0, cpuUsedPercent: null, memUsedPercent: null } }),
  ),
  queue: { kind: 'Read', queue: { running: 0, pending: 0, slots: { running: 0, pending: 0 } } },
  fetchedAt: NOW.getTime(),
};

/** An FE with no BE: only the two groups' CNs. */
const session: FeSession = {
  computeNodes: () => Promise.reject(new Error('not used')),
  add: () => Promise.resolve(),
  drop: () => Promise.resolve(),
  queriesOnHost: () => Promise.resolve([]),
  killQuery: () => Promise.resolve('gone'),
  aliveBackends: () => Promise.resolve(0),
  idleStatuses: () => Promise.resolve([]),
  invalidate: () => undefined,
};

describe('GroupCapacities', () => {
  it('two CN-only groups suspended together: one goes to 0, the other keeps 1 CN and says why', async () => {
    const capacities = new GroupCapacities();
    const a = group('a', A, { suspend: true });
    const b = group('b', B, { suspend: true });
    const pass = (g: ComputeNodeGroup) =>
      capacities.decide({ key: `ns/${g.metadata.name}`, group: g, session, feRead, now: NOW, currentReplicas: 1 });
    const first = await pass(a);
    const second = await pass(b);
    assert.deepEqual([first.replicas, second.replicas], [0, 1]);
    assert.match(second.refused ?? '', /no other alive BE or CN/);
    // Stable: the next passes decide the same (a's CN is still there, draining; b's stays).
    assert.deepEqual([(await pass(a)).replicas, (await pass(b)).replicas], [0, 1]);
    // Once a is forgotten (its group deleted), its CN is held no more: b counts it as compute that stays.
    capacities.forget('ns/a');
    assert.equal((await pass(b)).replicas, 0, "a's CN, no longer held, is compute that stays");
  });

  it('a group that is not heading to 0 holds nothing', async () => {
    const capacities = new GroupCapacities();
    const a = group('a', A);
    const b = group('b', B, { suspend: true });
    await capacities.decide({ key: 'ns/a', group: a, session, feRead, now: NOW, currentReplicas: 1 });
    const decided = await capacities.decide({ key: 'ns/b', group: b, session, feRead, now: NOW, currentReplicas: 1 });
    assert.equal(decided.replicas, 0);
  });
});

describe('GroupCapacities memory', () => {
  it('decides from what it decided last, not from a cached group that has not seen its status yet', async () => {
    const capacities = new GroupCapacities();
    const feBusy: FeSession = { ...session, idleStatuses: () => Promise.resolve([{ kind: 'Busy' }]) };
    const feIdle: FeSession = { ...session, idleStatuses: () => Promise.resolve([{ kind: 'Idle' }]) };
    // The same object every pass: its status never shows what the passes wrote.
    const stale = group('a', A, { autoSuspend: { idleSeconds: 600, feHttpPort: 8030 } });
    const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    const pass = (now: Date, fe: FeSession) =>
      capacities.decide({ key: 'ns/a', group: stale, session: fe, feRead, now, currentReplicas: 1 });
    assert.equal((await pass(at(0), feIdle)).replicas, 1);
    const suspended = await pass(at(600), feIdle);
    assert.deepEqual([suspended.replicas, suspended.memory.suspended?.by], [0, 'Idle']);
    // The FE busy with the suspension's own DROPs a moment later: still suspended.
    assert.equal((await pass(at(601), feBusy)).replicas, 0);
    capacities.forget('ns/a');
    assert.equal((await pass(at(602), feBusy)).replicas, 1, 'forgotten: back to what the (stale) status says');
  });
});

describe('nextCapacityChangeMs', () => {
  const auto = { autoSuspend: { idleSeconds: 600 } };

  it('asks for the pass when the idle time runs out', () => {
    const g = group('a', A, auto);
    const capacity = decideCapacity({
      spec: g.spec,
      generation: 1,
      now: NOW,
      memory: { idleSince: new Date(NOW.getTime() - 60_000) },
      work: { kind: 'Idle' },
      otherCompute: { kind: 'Alive' },
      currentReplicas: 1,
    });
    assert.equal(nextCapacityChangeMs(g, { now: NOW, capacity }), 540_000);
  });

  it('never for a deadline already past (an open window holds the group): no pass loop', () => {
    const window = { name: 'day', start: '0 8 * * *', end: '0 18 * * *', replicas: 1 };
    const g = group('a', A, { ...auto, schedules: [window] });
    const capacity = decideCapacity({
      spec: g.spec,
      generation: 1,
      now: NOW,
      memory: { idleSince: new Date(NOW.getTime() - 3_600_000) },
      work: { kind: 'Idle' },
      otherCompute: { kind: 'Alive' },
      currentReplicas: 1,
    });
    assert.equal(nextCapacityChangeMs(g, { now: NOW, capacity }), 8 * 3_600_000, 'the window closing at 18:00');
  });
});
