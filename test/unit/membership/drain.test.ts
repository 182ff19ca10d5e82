import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  nextWindowEndMs,
  planDeletionDrains,
  planDrains,
  recordedDrains,
  type MemberPod,
} from '../../../src/membership/index.js';

const NOW = new Date('2026-12-06T10:00:00.000Z');
function pod(ordinal: number, terminating = false, address: string | null = `10.0.0.${ordinal + 1}:9050`): MemberPod {
  return { name: `g-${ordinal}`, ordinal, address, cnUp: true, terminating };
}
const base = {
  desiredReplicas: 2,
  order: 'Drain' as const,
  windowSeconds: 60,
  previous: new Map(),
  fe: [{ host: '10.0.0.1', heartbeatPort: 9050, alive: true }],
  now: NOW,
};

describe('planDrains', () => {
  it('drains leaving and terminating pods from the pass it first sees them, with the window from then', () => {
    const drains = planDrains({ ...base, pods: [pod(0), pod(1, true), pod(2), pod(3, false, null)] });
    assert.deepEqual(
      drains.map((drain) => [drain.pod, drain.state.since, drain.state.windowEndsAt, drain.due]),
      [
        ['g-1', '2026-12-06T10:00:00.000Z', '2026-12-06T10:01:00.000Z', false],
        ['g-2', '2026-12-06T10:00:00.000Z', '2026-12-06T10:01:00.000Z', false],
      ],
      'g-0 stays; g-3 has no address to drain yet',
    );
  });

  it('continues the recorded drain, is due once the window is over, and not again once dealt with', () => {
    const since = { since: '2026-12-06T09:59:00.000Z', windowEndsAt: '2026-12-06T10:00:00.000Z' };
    const previous = recordedDrains([
      { pod: 'g-2', drain: since },
      { pod: 'g-0', drain: undefined },
    ]);
    const [due] = planDrains({ ...base, pods: [pod(0), pod(2)], previous });
    assert.ok(due !== undefined);
    assert.deepEqual(due.state, since);
    assert.equal(due.due, true);
    const handled = recordedDrains([{ pod: 'g-2', drain: { ...since, killedQueries: 2 } }]);
    assert.equal(planDrains({ ...base, pods: [pod(2)], previous: handled })[0]?.due, false);
  });

  it('starts no drain while the FE still lists the CN (its DROP not done) or was not read', () => {
    const listed = [{ host: '10.0.0.3', heartbeatPort: 9050, alive: true }];
    assert.deepEqual(planDrains({ ...base, pods: [pod(2)], fe: listed }), []);
    assert.deepEqual(planDrains({ ...base, pods: [pod(2)], fe: null }), []);
    const since = { since: '2026-12-06T09:59:00.000Z', windowEndsAt: '2026-12-06T10:00:30.000Z' };
    const going = planDrains({
      ...base,
      pods: [pod(2)],
      fe: null,
      previous: recordedDrains([{ pod: 'g-2', drain: since }]),
    });
    assert.equal(going.length, 1, 'one already started goes on without an FE answer');
  });

  it('tracks nothing outside the Drain order or with a window of 0', () => {
    assert.deepEqual(planDrains({ ...base, order: 'DropFirst', pods: [pod(2)] }), []);
    assert.deepEqual(planDrains({ ...base, order: 'StopFirst', pods: [pod(2)] }), []);
    assert.deepEqual(planDrains({ ...base, windowSeconds: 0, pods: [pod(2)] }), []);
  });

  it('wakes the reconciler at the next window end still ahead, never in a loop for one already over', () => {
    const drains = planDrains({ ...base, pods: [pod(2), pod(3)] });
    assert.equal(nextWindowEndMs(drains, NOW), 60_000);
    assert.equal(nextWindowEndMs(drains, new Date(NOW.getTime() + 61_000)), undefined);
    assert.equal(nextWindowEndMs([], NOW), undefined);
  });
});

describe('planDeletionDrains', () => {
  const deletion = {
    order: 'Drain' as const,
    windowSeconds: 60,
    droppedAt: new Date('2026-12-06T09:59:30.000Z'),
    previous: new Map(),
    ended: new Set<string>(),
  };

  it("gives every CN with an address one window from the deletion's DROP, due once it is over", () => {
    const pods = [pod(0), pod(1, true), pod(2, false, null)];
    const before = planDeletionDrains({ ...deletion, pods, now: NOW });
    assert.deepEqual(
      before.map((drain) => [drain.pod, drain.state.since, drain.state.windowEndsAt, drain.due]),
      [
        ['g-0', '2026-12-06T09:59:30.000Z', '2026-12-06T10:00:30.000Z', false],
        ['g-1', '2026-12-06T09:59:30.000Z', '2026-12-06T10:00:30.000Z', false],
      ],
    );
    const after = planDeletionDrains({ ...deletion, pods, now: new Date('2026-12-06T10:00:30.000Z') });
    assert.deepEqual(
      after.map((drain) => drain.due),
      [true, true],
    );
  });

  it('a CN that was draining already (a scale-in) keeps its own window, and is not due again once dealt with', () => {
    const scaleIn = { since: '2026-12-06T09:58:00.000Z', windowEndsAt: '2026-12-06T09:59:00.000Z' };
    const previous = recordedDrains([
      { pod: 'g-1', drain: scaleIn },
      { pod: 'g-2', drain: { ...scaleIn, killedQueries: 2 } },
    ]);
    const drains = planDeletionDrains({ ...deletion, pods: [pod(0), pod(1), pod(2)], previous, now: NOW });
    assert.deepEqual(
      drains.map((drain) => [drain.pod, drain.state.windowEndsAt, drain.due]),
      [
        ['g-0', '2026-12-06T10:00:30.000Z', false],
        ['g-1', '2026-12-06T09:59:00.000Z', true],
        ['g-2', '2026-12-06T09:59:00.000Z', false],
      ],
    );
  });

  it('is not due again for a pod whose window was dealt with; nothing outside Drain or with a window of 0', () => {
    const now = new Date('2026-12-06T10:05:00.000Z');
    const pods = [pod(0), pod(1)];
    const drains = planDeletionDrains({ ...deletion, pods, ended: new Set(['g-0']), now });
    assert.deepEqual(
      drains.map((drain) => [drain.pod, drain.due]),
      [
        ['g-0', false],
        ['g-1', true],
      ],
    );
    assert.deepEqual(planDeletionDrains({ ...deletion, order: 'DropFirst', pods, now }), []);
    assert.deepEqual(planDeletionDrains({ ...deletion, windowSeconds: 0, pods, now }), []);
  });
});
