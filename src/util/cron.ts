// How a schedule window's cron expressions are read: five fields (minutes), the predefined @daily-style forms, in an
// IANA time zone, day of month OR day of week as in Vixie cron. The one place that configures the cron library
// (croner), so the schema's validation and the windows' evaluation can never read an expression differently.
//
// Daylight saving, as croner does it (pinned by test/unit/capacity/windows.test.ts): a time the clock skips (02:30
// on a spring-forward night) fires at the first valid minute after the gap; a time that happens twice (02:30 on a
// fall-back night) fires once, at its first occurrence.
import { Cron } from 'croner';

export interface CronTimes {
  /** The first time strictly after `after`, or null when there is none. */
  next(after: Date): Date | null;
  /** The last time strictly before `before`, or null when there is none. */
  previous(before: Date): Date | null;
}

export function cronTimes(expression: string, timeZone: string): CronTimes {
  const cron = new Cron(expression, { timezone: timeZone, mode: '5-part' });
  return {
    next: (after) => cron.nextRun(after),
    previous: (before) => cron.previousRuns(1, before)[0] ?? null,
  };
}

/** Every date pattern recurs within 8 years (the 29th of February at most every 8, across a skipped leap year). */
const RECURRENCE_HORIZON_MS = 8 * 366 * 86_400_000;

/** False for an expression that cannot be read or that matches no date (the 31st of February). */
export function cronMatchesSomeDate(expression: string): boolean {
  try {
    const from = new Date(Date.UTC(2000, 0, 1));
    const next = cronTimes(expression, 'UTC').next(from);
    return next !== null && next.getTime() - from.getTime() <= RECURRENCE_HORIZON_MS;
  } catch {
    return false;
  }
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
