import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  decideCapacity,
  type CapacityInput,
  type CapacitySpec,
  type WorkSignal,
} from '../../../src/capacity/decide.js';

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
  otherCompute: { kind: 'Alive' },
  currentReplicas: 3,
  ...overrides,
});
const policy = { maxReplicas: 8, minReplicas: 2, resourceMetrics: 'Container' as const };
const none = { kind: 'None' as const };
const DAY = { name: 'day', start: '0 8 * * *', end: '0 18 * * *', timeZone: 'UTC' };

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

  it('refuses 0 CNs while the FE has no other alive BE or CN: keeps 1, records no suspension, emits no Suspended', () => {
    const refused = decideCapacity(input({ spec: spec({ suspend: true }), otherCompute: none }));
    assert.deepEqual([refused.replicas, refused.memory.suspended, refused.changes], [1, undefined, []]);
    assert.match(refused.refused ?? '', /no other alive BE or CN.*keeps 1 CN.*spec\.allowNoCompute: true/);
    const zero = decideCapacity(input({ spec: spec({ replicas: 0 }), otherCompute: none }));
    assert.equal(zero.replicas, 1);
    const consented = decideCapacity(
      input({ spec: spec({ suspend: true, allowNoCompute: true }), otherCompute: none }),
    );
    assert.deepEqual([consented.replicas, consented.refused], [0, undefined]);
  });

  it('never guesses: with the FE unread a group at 0 stays there (no refusal), a running one keeps 1', () => {
    const unknown = { kind: 'Unknown' as const, why: 'the FE was not read' };
    const atZero = decideCapacity(input({ spec: spec({ suspend: true }), otherCompute: unknown, currentReplicas: 0 }));
    assert.deepEqual([atZero.replicas, atZero.refused], [0, undefined]);
    const running = decideCapacity(input({ spec: spec({ suspend: true }), otherCompute: unknown, currentReplicas: 3 }));
    assert.equal(running.replicas, 1);
    assert.match(running.refused ?? '', /unknown \(the FE was not read\)/);
  });

  it('a schedule window sets replicas, or the HPA bounds, while open', () => {
    const fixed = decideCapacity(input({ spec: spec({ schedules: [{ ...DAY, replicas: 5 }] }) }));
    assert.deepEqual([fixed.replicas, fixed.windows.open], [5, ['day']]);
    const scaled = decideCapacity(
      input({ spec: spec({ autoScalingPolicy: policy, schedules: [{ ...DAY, minReplicas: 4, maxReplicas: 12 }] }) }),
    );
    assert.deepEqual([scaled.replicas, scaled.hpa], [4, { minReplicas: 4, maxReplicas: 12 }]);
    // A window minimum above the policy maximum raises the maximum with it.
    const raised = decideCapacity(
      input({ spec: spec({ autoScalingPolicy: policy, schedules: [{ ...DAY, minReplicas: 10 }] }) }),
    );
    assert.deepEqual(raised.hpa, { minReplicas: 10, maxReplicas: 10 });
    // replicas 0 set by hand wins over a window, as spec.suspend does.
    const byHand = decideCapacity(
      input({ spec: spec({ replicas: 0, autoScalingPolicy: policy, schedules: [{ ...DAY, minReplicas: 4 }] }) }),
    );
    assert.equal(byHand.replicas, 0);
  });

  it('reports windows that opened and closed since the last pass, and remembers the open ones', () => {
    const capacity = decideCapacity(
      input({ spec: spec({ schedules: [{ ...DAY, replicas: 5 }] }), memory: { openWindows: ['gone'] } }),
    );
    assert.deepEqual(capacity.changes, [
      { kind: 'WindowOpened', window: 'day' },
      { kind: 'WindowClosed', window: 'gone' },
    ]);
    assert.deepEqual(capacity.memory.openWindows, ['day']);
  });

  describe('autoSuspend', () => {
    const auto = { idleSeconds: 600, resume: 'OnWork' as const };
    const idleFor = (minutes: number) => ({ idleSince: minutesAgo(minutes) });
    const suspendedIdle = (quiet = true) => ({
      suspended: {
        by: 'Idle' as const,
        since: minutesAgo(30),
        generation: 4,
        ...(quiet ? { quietSince: minutesAgo(29) } : {}),
      },
    });
    const busy = (source: 'Group' | 'Queue' | 'Fe', why = 'work'): WorkSignal => ({ kind: 'Busy', why, source });

    it('counts idle time from the first idle pass and suspends once it reaches idleSeconds', () => {
      const first = decideCapacity(input({ spec: spec({ autoSuspend: auto }) }));
      assert.deepEqual([first.replicas, first.memory.idleSince], [3, NOW]);
      const early = decideCapacity(input({ spec: spec({ autoSuspend: auto }), memory: idleFor(9) }));
      assert.equal(early.replicas, 3);
      const due = decideCapacity(input({ spec: spec({ autoSuspend: auto }), memory: idleFor(10) }));
      assert.equal(due.replicas, 0);
      assert.equal(due.memory.suspended?.by, 'Idle');
      assert.match(due.changes[0]?.kind === 'Suspended' ? due.changes[0].detail : '', /no work for 600 s/);
    });

    it('starts over on work, and on a signal that cannot be read (the unseen time is not idle time)', () => {
      const working = decideCapacity(
        input({ spec: spec({ autoSuspend: auto }), memory: idleFor(60), work: busy('Group') }),
      );
      assert.deepEqual([working.replicas, working.memory.idleSince], [3, undefined]);
      const unknown: WorkSignal = { kind: 'Unknown', why: 'FE down' };
      const blind = decideCapacity(input({ spec: spec({ autoSuspend: auto }), memory: idleFor(60), work: unknown }));
      assert.deepEqual([blind.replicas, blind.memory.idleSince, blind.workUnknown], [3, undefined, 'FE down']);
      const after = decideCapacity(input({ spec: spec({ autoSuspend: auto }), memory: blind.memory }));
      assert.deepEqual([after.replicas, after.memory.idleSince], [3, NOW], 'the first readable idle pass starts it');
    });

    it('wakes on queued queries or work on its CNs, on a spec edit, or when a window asking for CNs opens', () => {
      const memory = suspendedIdle();
      const stays = decideCapacity(input({ spec: spec({ autoSuspend: auto }), memory }));
      assert.equal(stays.replicas, 0);
      const queued = decideCapacity(
        input({ spec: spec({ autoSuspend: auto }), memory, work: busy('Queue', '2 queries wait') }),
      );
      assert.deepEqual([queued.replicas, queued.changes], [3, [{ kind: 'Resumed', detail: '2 queries wait' }]]);
      const edited = decideCapacity(
        input({ spec: spec({ autoSuspend: { ...auto, resume: 'Manual' } }), memory, generation: 5 }),
      );
      assert.equal(edited.replicas, 3);
      const windowed = decideCapacity(
        input({ spec: spec({ autoSuspend: auto, schedules: [{ ...DAY, replicas: 2 }] }), memory }),
      );
      assert.deepEqual(
        [windowed.replicas, windowed.changes.at(-1)],
        [2, { kind: 'Resumed', detail: 'window day opened' }],
      );
    });

    it('resume: Manual stays suspended on work and on windows; only a spec change resumes', () => {
      const manual = spec({ autoSuspend: { ...auto, resume: 'Manual' }, schedules: [{ ...DAY, replicas: 2 }] });
      const capacity = decideCapacity(input({ spec: manual, memory: suspendedIdle(), work: busy('Queue') }));
      assert.equal(capacity.replicas, 0);
    });

    it('the FE busy wakes it only once the FE was seen quiet after the suspension (its own DROPs count as work)', () => {
      const justSuspended = decideCapacity(
        input({ spec: spec({ autoSuspend: auto }), memory: suspendedIdle(false), work: busy('Fe') }),
      );
      assert.deepEqual([justSuspended.replicas, justSuspended.memory.suspended?.quietSince], [0, undefined]);
      const quiet = decideCapacity(input({ spec: spec({ autoSuspend: auto }), memory: justSuspended.memory }));
      assert.deepEqual([quiet.replicas, quiet.memory.suspended?.quietSince], [0, NOW]);
      const woken = decideCapacity(
        input({
          spec: spec({ autoSuspend: auto }),
          memory: quiet.memory,
          work: busy('Fe', 'the FE reports running work'),
        }),
      );
      assert.deepEqual(
        [woken.replicas, woken.changes],
        [3, [{ kind: 'Resumed', detail: 'the FE reports running work' }]],
      );
    });

    it('does not idle-suspend inside an open window', () => {
      const capacity = decideCapacity(
        input({ spec: spec({ autoSuspend: auto, schedules: [{ ...DAY, replicas: 2 }] }), memory: idleFor(60) }),
      );
      assert.equal(capacity.replicas, 2);
    });

    it('stays suspended while the FE cannot be read (at 0 already: no guess either way)', () => {
      const unknown = { kind: 'Unknown' as const, why: 'the FE was not read' };
      const work: WorkSignal = { kind: 'Unknown', why: 'the FE was not read' };
      const capacity = decideCapacity(
        input({
          spec: spec({ autoSuspend: auto }),
          memory: suspendedIdle(),
          otherCompute: unknown,
          work,
          currentReplicas: 0,
        }),
      );
      assert.deepEqual([capacity.replicas, capacity.refused, capacity.memory.suspended?.by], [0, undefined, 'Idle']);
    });

    it('an idle suspension that would be refused leaves the group running as configured, and says so', () => {
      const capacity = decideCapacity(
        input({
          spec: spec({ autoSuspend: auto, autoScalingPolicy: policy }),
          memory: idleFor(60),
          otherCompute: none,
        }),
      );
      assert.deepEqual(
        [capacity.replicas, capacity.hpa, capacity.memory.suspended],
        [3, { minReplicas: 2, maxReplicas: 8 }, undefined],
      );
      assert.match(capacity.refused ?? '', /the group keeps running/);
      // Suspended at 0 when the last BE goes: the group comes back.
      const back = decideCapacity(
        input({ spec: spec({ autoSuspend: auto }), memory: suspendedIdle(), otherCompute: none }),
      );
      assert.equal(back.replicas, 3);
    });
  });
});
