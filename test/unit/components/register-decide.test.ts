import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  decideAfterAdd,
  decideTick,
  errorDelay,
  initialState,
  MISSING_CHECKS_BEFORE_READD,
  type DecisionTiming,
  type FeObservation,
  type RegisterState,
} from '../../../src/components/register/decide.js';

const timing: DecisionTiming = {
  periodMs: 10_000,
  healthPollMs: 250,
  errorRetryMaxMs: 30_000,
  configErrorRetryMs: 300_000,
};
const registered: RegisterState = {
  ...initialState,
  phase: 'registered',
  seenListed: true,
  ready: true,
  lastAliveAt: 1_000,
};

function tick(state: RegisterState, cnHealthy: boolean, fe: FeObservation | null, now = 2_000, random = 0.5) {
  return decideTick(state, { now, cnHealthy, fe, random }, timing);
}

describe('decideTick', () => {
  it('waits for the CN and polls its health quickly while it is down', () => {
    const d = tick(initialState, false, null);
    assert.equal(d.action, 'none');
    assert.equal(d.delayMs, timing.healthPollMs);
    assert.equal(d.state.phase, 'waiting-for-cn');
    assert.equal(d.state.ready, false);
  });

  it('adds at once when the CN is healthy and the FE does not list it (first registration)', () => {
    const d = tick(initialState, true, { kind: 'missing' });
    assert.equal(d.action, 'add');
    assert.equal(d.state.phase, 'registering');
    assert.ok(d.delayMs <= 1000, 'looks again soon to report readiness');
  });

  it('does not add when the FE already lists it, and is ready only when alive', () => {
    const notAlive = tick(initialState, true, { kind: 'listed', alive: false });
    assert.equal(notAlive.action, 'none');
    assert.equal(notAlive.state.ready, false);
    assert.equal(notAlive.state.phase, 'registered');
    const alive = tick(notAlive.state, true, { kind: 'listed', alive: true }, 3_000);
    assert.equal(alive.state.ready, true);
    assert.equal(alive.state.lastAliveAt, 3_000);
    assert.equal(alive.delayMs, timing.periodMs);
    assert.equal(alive.log.event, 'alive');
  });

  it('re-checks a listed-but-not-alive CN quickly for about 20 s, then every period', () => {
    let state = initialState;
    const delays: number[] = [];
    for (let i = 0; i < 23; i++) {
      const d = tick(state, true, { kind: 'listed', alive: false });
      delays.push(d.delayMs);
      state = d.state;
    }
    assert.deepEqual(delays, [250, 500, ...Array<number>(18).fill(1000), 10_000, 10_000, 10_000]);
  });

  it(`re-adds a vanished address only after ${MISSING_CHECKS_BEFORE_READD} checks in a row find it missing`, () => {
    const first = tick(registered, true, { kind: 'missing' });
    assert.equal(first.action, 'none');
    assert.equal(first.state.ready, false);
    assert.equal(first.delayMs, timing.periodMs);
    const second = tick(first.state, true, { kind: 'missing' });
    assert.equal(second.action, 'add');
    assert.equal(second.log.event, 're-adding');
  });

  it('resets the missing count when the address shows up again', () => {
    const first = tick(registered, true, { kind: 'missing' });
    const back = tick(first.state, true, { kind: 'listed', alive: true });
    const again = tick(back.state, true, { kind: 'missing' });
    assert.equal(again.action, 'none');
  });

  it('becomes unready as soon as the CN is unhealthy, without touching the FE', () => {
    const d = tick(registered, false, null);
    assert.equal(d.state.ready, false);
    assert.equal(d.action, 'none');
    assert.equal(d.state.phase, 'registered');
  });

  it('backs off exponentially on an unreachable FE, never adds, and is bounded', () => {
    let state = initialState;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const d = tick(state, true, { kind: 'error', error: 'Unreachable', message: 'no FE answered' }, 2_000, 0.5);
      assert.equal(d.action, 'none');
      delays.push(d.delayMs);
      state = d.state;
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('applies ±20% jitter', () => {
    assert.equal(errorDelay('Timeout', 1, timing, 0), 800);
    assert.equal(errorDelay('Timeout', 1, timing, 0.999999), 1200);
  });

  for (const kind of ['AuthenticationFailed', 'MissingPrivilege', 'InvalidAddress'] as const) {
    it(`waits the long config-error period after ${kind} and logs an error with advice`, () => {
      const d = tick(initialState, true, { kind: 'error', error: kind, message: 'denied' });
      assert.equal(d.delayMs, timing.configErrorRetryMs);
      assert.equal(d.log.level, 'error');
      assert.match(d.log.reason, new RegExp(kind));
    });
  }

  it('keeps readiness through a short FE outage, then drops it after three periods', () => {
    const short = tick(
      registered,
      true,
      { kind: 'error', error: 'Unreachable', message: 'x' },
      1_000 + 3 * timing.periodMs,
    );
    assert.equal(short.state.ready, true);
    const long = tick(
      registered,
      true,
      { kind: 'error', error: 'Unreachable', message: 'x' },
      1_001 + 3 * timing.periodMs,
    );
    assert.equal(long.state.ready, false);
  });

  it('is never ready after an FE error when it was not ready before', () => {
    const d = tick({ ...registered, ready: false }, true, { kind: 'error', error: 'Timeout', message: 'x' });
    assert.equal(d.state.ready, false);
  });
});

describe('decideAfterAdd', () => {
  const adding = tick(initialState, true, { kind: 'missing' }).state;

  it('marks the address registered and looks again soon', () => {
    const d = decideAfterAdd(adding, { ok: true }, { now: 1, random: 0.5 }, timing);
    assert.equal(d.state.seenListed, true);
    assert.equal(d.state.phase, 'registered');
    assert.equal(d.state.ready, false, 'ready only once the FE reports it alive');
    assert.ok(d.delayMs <= 1000);
  });

  it('backs off on a failed ADD (missing privilege: long wait)', () => {
    const d = decideAfterAdd(
      adding,
      { ok: false, error: 'MissingPrivilege', message: 'NODE' },
      { now: 1, random: 0.5 },
      timing,
    );
    assert.equal(d.state.seenListed, false);
    assert.equal(d.delayMs, timing.configErrorRetryMs);
    assert.match(d.log.reason, /NODE/);
  });
});

describe('an FE that accepts ADD but never lists the address', () => {
  it('stops adding after two unconfirmed ADDs, says why, and waits the long period', () => {
    let state = initialState;
    const events: string[] = [];
    for (let i = 0; i < 8 && events.length < 8; i++) {
      const d = tick(state, true, { kind: 'missing' });
      events.push(d.log.event);
      state = d.state;
      if (d.action === 'add') {
        const after = decideAfterAdd(state, { ok: true }, { now: 1, random: 0.5 }, timing);
        events.push(after.log.event);
        state = after.state;
      }
      if (d.log.event === 'stored-under-another-address') {
        assert.equal(d.delayMs, timing.configErrorRetryMs);
        assert.equal(d.log.level, 'error');
        break;
      }
    }
    assert.deepEqual(events, ['adding', 'added', 'missing', 're-adding', 'added', 'stored-under-another-address']);
  });

  it('forgets unconfirmed ADDs once the FE lists the address', () => {
    const added = decideAfterAdd(initialState, { ok: true }, { now: 1, random: 0.5 }, timing).state;
    assert.equal(added.unconfirmedAdds, 1);
    assert.equal(tick(added, true, { kind: 'listed', alive: false }).state.unconfirmedAdds, 0);
  });
});
