import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { windowDemand, windowState, type ScheduleWindow } from '../../../src/capacity/windows.js';

const at = (iso: string): Date => new Date(iso);
const office: ScheduleWindow = {
  name: 'office',
  start: '0 8 * * 1-5',
  end: '0 20 * * 1-5',
  timeZone: 'Asia/Shanghai',
  replicas: 4,
};

describe('windowState', () => {
  it('is open from a start until the first end after it, in the window time zone', () => {
    // Monday 2026-12-07 08:00 in Shanghai is 00:00 UTC.
    assert.deepEqual(windowState(office, at('2026-12-06T23:59:59Z')), {
      name: 'office',
      open: false,
      opensAt: at('2026-12-07T00:00:00Z'),
    });
    assert.deepEqual(windowState(office, at('2026-12-07T00:00:00Z')), {
      name: 'office',
      open: true,
      openedAt: at('2026-12-07T00:00:00Z'),
      closesAt: at('2026-12-07T12:00:00Z'),
    });
    const closed = windowState(office, at('2026-12-07T12:00:00Z'));
    assert.deepEqual(closed, { name: 'office', open: false, opensAt: at('2026-12-08T00:00:00Z') });
  });

  it('stays open over midnight and over a weekend when the end says so', () => {
    const nights: ScheduleWindow = {
      name: 'nights',
      start: '0 22 * * *',
      end: '0 6 * * *',
      timeZone: 'UTC',
      suspend: true,
    };
    const state = windowState(nights, at('2026-12-08T03:00:00Z'));
    assert.deepEqual(state, {
      name: 'nights',
      open: true,
      openedAt: at('2026-12-07T22:00:00Z'),
      closesAt: at('2026-12-08T06:00:00Z'),
    });
    const weekend: ScheduleWindow = {
      name: 'weekend',
      start: '0 18 * * 5',
      end: '0 8 * * 1',
      timeZone: 'UTC',
      replicas: 0,
    };
    // Friday 2026-12-11 18:00 to Monday 2026-12-14 08:00.
    const sunday = windowState(weekend, at('2026-12-13T12:00:00Z'));
    assert.equal(sunday.open && sunday.closesAt?.toISOString(), '2026-12-14T08:00:00.000Z');
  });

  it('keeps wall-clock hours across daylight saving changes (Europe/Berlin)', () => {
    const day: ScheduleWindow = {
      name: 'day',
      start: '0 8 * * *',
      end: '0 18 * * *',
      timeZone: 'Europe/Berlin',
      replicas: 2,
    };
    // 2026-03-29: clocks go from 02:00 CET to 03:00 CEST. 08:00 CEST is 06:00 UTC, the day before 08:00 CET was 07:00.
    const before = windowState(day, at('2026-03-28T12:00:00Z'));
    const after = windowState(day, at('2026-03-29T12:00:00Z'));
    assert.equal(before.open && before.openedAt.toISOString(), '2026-03-28T07:00:00.000Z');
    assert.equal(after.open && after.openedAt.toISOString(), '2026-03-29T06:00:00.000Z');
    assert.equal(after.open && after.closesAt?.toISOString(), '2026-03-29T16:00:00.000Z');
    // 2026-10-25: back from 03:00 CEST to 02:00 CET; 18:00 CET is 17:00 UTC.
    const autumn = windowState(day, at('2026-10-25T12:00:00Z'));
    assert.equal(autumn.open && autumn.closesAt?.toISOString(), '2026-10-25T17:00:00.000Z');
  });

  it('opens a skipped time at the first minute after the gap, and a repeated time once', () => {
    const early: ScheduleWindow = {
      name: 'early',
      start: '30 2 * * *',
      end: '0 5 * * *',
      timeZone: 'Europe/Berlin',
      replicas: 1,
    };
    // 02:30 does not exist on 2026-03-29: the window opens at 03:00 CEST (01:00 UTC).
    const spring = windowState(early, at('2026-03-29T00:59:00Z'));
    assert.deepEqual(spring, { name: 'early', open: false, opensAt: at('2026-03-29T01:00:00Z') });
    // 02:30 happens twice on 2026-10-25: the window opens at the first one (02:30 CEST, 00:30 UTC) only.
    const autumn = windowState(early, at('2026-10-25T01:45:00Z'));
    assert.equal(autumn.open && autumn.openedAt.toISOString(), '2026-10-25T00:30:00.000Z');
  });

  it('finds a leap-day window four years ahead, and open on the day itself', () => {
    const leap: ScheduleWindow = { name: 'leap', start: '0 0 29 2 *', end: '0 0 1 3 *', timeZone: 'UTC', replicas: 9 };
    assert.deepEqual(windowState(leap, at('2026-12-06T00:00:00Z')), {
      name: 'leap',
      open: false,
      opensAt: at('2028-02-29T00:00:00Z'),
    });
    const onTheDay = windowState(leap, at('2028-02-29T13:00:00Z'));
    assert.equal(onTheDay.open && onTheDay.closesAt?.toISOString(), '2028-03-01T00:00:00.000Z');
  });
});

describe('windowDemand', () => {
  const evening: ScheduleWindow = {
    name: 'evening',
    start: '0 18 * * *',
    end: '0 23 * * *',
    timeZone: 'UTC',
    replicas: 6,
  };
  const nights: ScheduleWindow = {
    name: 'nights',
    start: '0 20 * * *',
    end: '0 6 * * *',
    timeZone: 'UTC',
    suspend: true,
  };

  it('takes the largest figure of the open windows, in the spec order', () => {
    const small: ScheduleWindow = { ...evening, name: 'small', replicas: 2 };
    const demand = windowDemand([small, evening], at('2026-12-07T19:00:00Z'));
    assert.deepEqual(demand.open, ['small', 'evening']);
    assert.equal(demand.replicas, 6);
    assert.equal(demand.suspend, false);
  });

  it('suspends only while no open window asks for CNs', () => {
    const both = windowDemand([evening, nights], at('2026-12-07T21:00:00Z'));
    assert.deepEqual([both.suspend, both.asksForCns], [false, true]);
    const late = windowDemand([evening, nights], at('2026-12-07T23:30:00Z'));
    assert.deepEqual([late.open, late.suspend], [['nights'], true]);
  });

  it('names the soonest change, opening or closing', () => {
    const demand = windowDemand([evening, nights], at('2026-12-07T19:00:00Z'));
    assert.deepEqual(demand.nextChange, { at: at('2026-12-07T20:00:00Z'), window: 'nights', opens: true });
    const later = windowDemand([evening, nights], at('2026-12-07T22:00:00Z'));
    assert.deepEqual(later.nextChange, { at: at('2026-12-07T23:00:00Z'), window: 'evening', opens: false });
  });

  it('asks for nothing without windows', () => {
    assert.deepEqual(windowDemand([], at('2026-12-07T19:00:00Z')), { open: [], suspend: false, asksForCns: false });
  });
});
