import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { decideCapacity, type CapacityInput, type CapacitySpec } from '../../../src/capacity/decide.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const minutesAgo = (minutes: number): Date => new Date(NOW.getTime() - minutes * 60_000);
const spec = (overrides: Partial<CapacitySpec> = {}): CapacitySpec => ({
  replicas: 3,
  suspend: false,
  allowNoCompute: false,
  ...overrides,
});
const input = (overrides: Partial<CapacityInput> = {}): CapacityInput => ({
  spec: spec(),
  generation: 4,
  now: NOW,
  memory: {},
  work: { kind: 'Idle' },
  otherCompute: 'Alive',
  currentReplicas: 3,
  ...overrides,
});
const policy = { maxReplicas: 8, minReplicas: 2, resourceMetrics: 'Container' as const };

describe('decideCapacity', () => {
  it('runs spec.replicas with nothing else set', () => {
    const capacity = decideCapacity(input());
    assert.deepEqual(
      [capacity.replicas, capacity.hpa, capacity.refused, capacity.changes],
      [3, undefined, undefined, []],
    );
  });

  it('suspends on spec.suspend, keeping replicas in the spec and pausing the HPA', () => {
    const capacity = decideCapacity(input({ spec: spec({ suspend: true, autoScalingPolicy: policy }) }));
    assert.equal(capacity.replicas, 0);
    assert.equal(capacity.hpa, 'Paused');
    assert.deepEqual(capacity.memory.suspended, { by: 'Spec', since: NOW, generation: 4 });
    assert.deepEqual(capacity.changes, [{ kind: 'Suspended', by: 'Spec', detail: 'spec.suspend is true' }]);
  });

  it('resumes to the kept count when spec.suspend goes back to false', () => {
    const memory = { suspended: { by: 'Spec' as const, since: minutesAgo(30), generation: 3 } };
    const capacity = decideCapacity(input({ memory }));
    assert.equal(capacity.replicas, 3);
    assert.deepEqual(capacity.changes, [{ kind: 'Resumed', detail: 'spec.suspend is false' }]);
    assert.equal(capacity.memory.suspended, undefined);
  });

  it('refuses 0 CNs while the FE has no other alive BE or CN, and keeps 1', () => {
    const none = decideCapacity(input({ spec: spec({ suspend: true }), otherCompute: 'None' }));
    assert.equal(none.replicas, 1);
    assert.match(none.refused ?? '', /no other alive BE or CN.*spec\.allowNoCompute: true/);
    const zero = decideCapacity(input({ spec: spec({ replicas: 0 }), otherCompute: 'None' }));
    assert.equal(zero.replicas, 1);
    const consented = decideCapacity(
      input({ spec: spec({ suspend: true, allowNoCompute: true }), otherCompute: 'None' }),
    );
    assert.deepEqual([consented.replicas, consented.refused], [0, undefined]);
  });

  it('never guesses: with the FE unread a group at 0 stays there and a running one keeps 1', () => {
    const atZero = decideCapacity(
      input({ spec: spec({ suspend: true }), otherCompute: 'Unknown', currentReplicas: 0 }),
    );
    assert.equal(atZero.replicas, 0);
    const running = decideCapacity(
      input({ spec: spec({ suspend: true }), otherCompute: 'Unknown', currentReplicas: 3 }),
    );
    assert.equal(running.replicas, 1);
    assert.match(running.refused ?? '', /could not be read/);
  });

  it('a schedule window sets replicas, or the HPA bounds, while open', () => {
    const window = { name: 'day', start: '0 8 * * *', end: '0 18 * * *', timeZone: 'UTC' };
    const fixed = decideCapacity(input({ spec: spec({ schedules: [{ ...window, replicas: 5 }] }) }));
    assert.deepEqual([fixed.replicas, fixed.windows.open], [5, ['day']]);
    const scaled = decideCapacity(
      input({ spec: spec({ autoScalingPolicy: policy, schedules: [{ ...window, minReplicas: 4, maxReplicas: 12 }] }) }),
    );
    assert.deepEqual([scaled.replicas, scaled.hpa], [4, { minReplicas: 4, maxReplicas: 12 }]);
    // A window minimum above the policy maximum raises the maximum with it.
    const raised = decideCapacity(
      input({ spec: spec({ autoScalingPolicy: policy, schedules: [{ ...window, minReplicas: 10 }] }) }),
    );
    assert.deepEqual(raised.hpa, { minReplicas: 10, maxReplicas: 10 });
  });

  it('reports windows that opened and closed since the last pass', () => {
    const window = { name: 'day', start: '0 8 * * *', end: '0 18 * * *', timeZone: 'UTC', replicas: 5 };
    const capacity = decideCapacity(input({ spec: spec({ schedules: [window] }) }), ['gone']);
    assert.deepEqual(capacity.changes, [
      { kind: 'WindowOpened', window: 'day' },
      { kind: 'WindowClosed', window: 'gone' },
    ]);
  });

  describe('autoSuspend', () => {
    const auto = { idleSeconds: 600, resume: 'OnWork' as const };

    it('counts idle time from the first idle pass and suspends once it reaches idleSeconds', () => {
      const first = decideCapacity(input({ spec: spec({ autoSuspend: auto }) }));
      assert.deepEqual([first.replicas, first.memory.idleSince], [3, NOW]);
      const early = decideCapacity(input({ spec: spec({ autoSuspend: auto }), memory: { idleSince: minutesAgo(9) } }));
      assert.equal(early.replicas, 3);
      const due = decideCapacity(input({ spec: spec({ autoSuspend: auto }), memory: { idleSince: minutesAgo(10) } }));
      assert.equal(due.replicas, 0);
      assert.equal(due.memory.suspended?.by, 'Idle');
      assert.match(due.changes[0]?.kind === 'Suspended' ? due.changes[0].detail : '', /no work for 600 s/);
    });

    it('resets on work and never suspends on an unknown signal', () => {
      const busy = decideCapacity(
        input({
          spec: spec({ autoSuspend: auto }),
          memory: { idleSince: minutesAgo(60) },
          work: { kind: 'Busy', why: 'x', wake: false },
        }),
      );
      assert.deepEqual([busy.replicas, busy.memory.idleSince], [3, undefined]);
      const unknown = decideCapacity(
        input({
          spec: spec({ autoSuspend: auto }),
          memory: { idleSince: minutesAgo(60) },
          work: { kind: 'Unknown', why: 'FE down' },
        }),
      );
      assert.equal(unknown.replicas, 3);
    });

    it('wakes on work the FE holds, on a spec edit, or when a window opens; not with resume: Manual', () => {
      const memory = { suspended: { by: 'Idle' as const, since: minutesAgo(30), generation: 4 } };
      const stays = decideCapacity(input({ spec: spec({ autoSuspend: auto }), memory }));
      assert.equal(stays.replicas, 0);
      const queued = { kind: 'Busy' as const, why: '2 queries wait in the FE queue', wake: true };
      const woken = decideCapacity(input({ spec: spec({ autoSuspend: auto }), memory, work: queued }));
      assert.equal(woken.replicas, 3);
      assert.deepEqual(woken.changes, [{ kind: 'Resumed', detail: '2 queries wait in the FE queue' }]);
      const manual = decideCapacity(
        input({ spec: spec({ autoSuspend: { ...auto, resume: 'Manual' } }), memory, work: queued }),
      );
      assert.equal(manual.replicas, 0);
      const edited = decideCapacity(
        input({ spec: spec({ autoSuspend: { ...auto, resume: 'Manual' } }), memory, generation: 5 }),
      );
      assert.equal(edited.replicas, 3);
      const window = { name: 'day', start: '0 8 * * *', end: '0 18 * * *', timeZone: 'UTC', replicas: 2 };
      const windowed = decideCapacity(input({ spec: spec({ autoSuspend: auto, schedules: [window] }), memory }));
      assert.equal(windowed.replicas, 2);
    });

    it('does not idle-suspend inside an open window', () => {
      const window = { name: 'day', start: '0 8 * * *', end: '0 18 * * *', timeZone: 'UTC', replicas: 2 };
      const capacity = decideCapacity(
        input({ spec: spec({ autoSuspend: auto, schedules: [window] }), memory: { idleSince: minutesAgo(60) } }),
      );
      assert.equal(capacity.replicas, 2);
    });
  });
});
