// The register sidecar's decisions, one per tick, as pure functions of (what it observed, its previous state).
// The loop (loop.ts) only observes, calls these, performs the action and sleeps for the delay they return.
import type { FeErrorKind } from '../../fe/index.js';

export type Phase = 'waiting-for-cn' | 'registering' | 'registered';

export interface RegisterState {
  phase: Phase;
  /** This process has seen its address in the FE (or added it) at least once. */
  seenListed: boolean;
  /** Consecutive checks that found the address missing after it had been listed. */
  missingStreak: number;
  /** Consecutive FE failures; drives the backoff. */
  errorStreak: number;
  /** Consecutive checks where the FE listed the CN but not alive; drives the re-check interval. */
  notAliveStreak: number;
  /** ADDs the FE accepted since SHOW COMPUTE NODES last listed this address. */
  unconfirmedAdds: number;
  /** When the FE last reported this CN alive (ms since epoch), or null. */
  lastAliveAt: number | null;
  ready: boolean;
}

export const initialState: RegisterState = {
  phase: 'waiting-for-cn',
  seenListed: false,
  missingStreak: 0,
  errorStreak: 0,
  notAliveStreak: 0,
  unconfirmedAdds: 0,
  lastAliveAt: null,
  ready: false,
};

export type FeObservation =
  { kind: 'listed'; alive: boolean } | { kind: 'missing' } | { kind: 'error'; error: FeErrorKind; message: string };

export interface TickInput {
  now: number;
  /** The CN's /api/health answered 200. */
  cnHealthy: boolean;
  /** The FE's view of this CN; null when the FE was not asked (the CN is not up). */
  fe: FeObservation | null;
  /** A number in [0, 1) for jitter; injected so the decision stays pure. */
  random: number;
}

export interface DecisionTiming {
  periodMs: number;
  healthPollMs: number;
  errorRetryMaxMs: number;
  configErrorRetryMs: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Decision {
  state: RegisterState;
  action: 'none' | 'add';
  /** Time until the next tick. */
  delayMs: number;
  /** A log line: what happened and why. */
  log: { level: LogLevel; event: string; reason: string };
}

/** First retry after an FE failure; doubles up to errorRetryMaxMs. */
const FIRST_RETRY_MS = 1000;
/** First re-check after an ADD. */
const FIRST_RECHECK_MS = 250;
/** Fast re-checks while the FE has not yet heartbeated a listed CN (real FEs heartbeat every 5 s). */
const FAST_RECHECKS = 20;

/**
 * 250 ms, 500 ms, then every second for about 20 s, then the period: readiness follows the FE's first good
 * heartbeat within a second, and a CN the FE cannot reach does not cost the FE a SHOW per second forever.
 */
export function notAliveDelay(streak: number, periodMs: number): number {
  if (streak <= 2) return Math.min(periodMs, FIRST_RECHECK_MS * 2 ** Math.max(streak - 1, 0));
  return streak <= FAST_RECHECKS ? Math.min(periodMs, 1000) : periodMs;
}
/** Checks that must find the address missing before it is re-added (see docs/components.md: scale-in race). */
export const MISSING_CHECKS_BEFORE_READD = 2;

/** Errors no retry can fix: a person must change the Secret, the FE grants or the address. */
export function isConfigError(kind: FeErrorKind): boolean {
  return kind === 'AuthenticationFailed' || kind === 'MissingPrivilege' || kind === 'InvalidAddress';
}

/** ±20% so that many sidecars restarted together do not hit the FE in step. */
export function withJitter(ms: number, random: number): number {
  return Math.round(ms * (0.8 + 0.4 * Math.min(Math.max(random, 0), 1)));
}

function doubling(first: number, streak: number, max: number): number {
  return Math.min(max, first * 2 ** Math.min(Math.max(streak - 1, 0), 20));
}

export function errorDelay(kind: FeErrorKind, streak: number, timing: DecisionTiming, random: number): number {
  if (isConfigError(kind)) return withJitter(timing.configErrorRetryMs, random);
  return withJitter(doubling(FIRST_RETRY_MS, streak, timing.errorRetryMaxMs), random);
}

/**
 * Readiness survives a short FE outage: the CN keeps serving queries while the FE cannot be asked, so a blip of
 * the FE must not take every CN out of rotation. Only the last answer, up to three periods old, counts.
 */
function stillReady(state: RegisterState, now: number, timing: DecisionTiming): boolean {
  return state.ready && state.lastAliveAt !== null && now - state.lastAliveAt <= 3 * timing.periodMs;
}

export function decideTick(state: RegisterState, input: TickInput, timing: DecisionTiming): Decision {
  if (!input.cnHealthy) {
    return {
      state: { ...state, ready: false, notAliveStreak: 0, phase: state.seenListed ? state.phase : 'waiting-for-cn' },
      action: 'none',
      delayMs: timing.healthPollMs,
      log: { level: 'debug', event: 'cn-not-healthy', reason: 'the CN /api/health did not answer 200; waiting' },
    };
  }
  if (input.fe === null) {
    return {
      state,
      action: 'none',
      delayMs: timing.healthPollMs,
      log: { level: 'debug', event: 'fe-not-asked', reason: 'no FE view this tick' },
    };
  }
  switch (input.fe.kind) {
    case 'error':
      return failure(state, input.fe.error, input.fe.message, input, timing, 'fe-check-failed');
    case 'listed':
      return listed(state, input.fe.alive, input.now, timing);
    case 'missing':
      return missing(state, timing);
  }
}

function listed(state: RegisterState, alive: boolean, now: number, timing: DecisionTiming): Decision {
  const notAliveStreak = alive ? 0 : state.notAliveStreak + 1;
  const next: RegisterState = {
    phase: 'registered',
    seenListed: true,
    missingStreak: 0,
    errorStreak: 0,
    notAliveStreak,
    unconfirmedAdds: 0,
    lastAliveAt: alive ? now : state.lastAliveAt,
    ready: alive,
  };
  const becameReady = alive && !state.ready;
  const becameUnready = !alive && state.ready;
  return {
    state: next,
    action: 'none',
    // Until the FE has heartbeated the CN, look again soon so that readiness follows within about a second.
    delayMs: alive ? timing.periodMs : notAliveDelay(notAliveStreak, timing.periodMs),
    log: {
      level: becameReady || becameUnready ? 'info' : 'debug',
      event: alive ? (becameReady ? 'alive' : 'listed') : becameUnready ? 'not-alive' : 'listed-not-alive',
      reason: alive
        ? 'the FE lists this CN as alive'
        : 'the FE lists this CN but has not heartbeated it successfully (yet)',
    },
  };
}

function missing(state: RegisterState, timing: DecisionTiming): Decision {
  if (!state.seenListed) {
    return {
      state: { ...state, phase: 'registering', ready: false, notAliveStreak: 0 },
      action: 'add',
      delayMs: FIRST_RECHECK_MS,
      log: { level: 'info', event: 'adding', reason: 'the CN is healthy and the FE does not list it' },
    };
  }
  if (state.unconfirmedAdds >= MISSING_CHECKS_BEFORE_READD) {
    // The FE accepts the ADD ("already exists" counts as accepted) yet never lists the address: it stores this CN
    // under another host string. Adding again cannot help; say so and wait like for any error a person must fix.
    return {
      state: { ...state, missingStreak: 0, unconfirmedAdds: 0, ready: false, notAliveStreak: 0 },
      action: 'none',
      delayMs: timing.configErrorRetryMs,
      log: {
        level: 'error',
        event: 'stored-under-another-address',
        reason:
          'the FE accepts ADD for this CN but never lists this address: it stores the CN under another host ' +
          '(an FE in IP mode stores the resolved IP of a host name; use addressType IP, or run the FE in FQDN mode). ' +
          `Next try in ${Math.round(timing.configErrorRetryMs / 1000)} s.`,
      },
    };
  }
  const missingStreak = state.missingStreak + 1;
  const readd = missingStreak >= MISSING_CHECKS_BEFORE_READD;
  return {
    state: { ...state, missingStreak, ready: false, notAliveStreak: 0 },
    action: readd ? 'add' : 'none',
    delayMs: readd ? FIRST_RECHECK_MS : timing.periodMs,
    log: readd
      ? {
          level: 'warn',
          event: 're-adding',
          reason: `the FE stopped listing this CN (${missingStreak} checks in a row); adding it again`,
        }
      : {
          level: 'warn',
          event: 'missing',
          reason: 'the FE no longer lists this CN; it is re-added if still missing at the next check',
        },
  };
}

export type AddOutcome = { ok: true } | { ok: false; error: FeErrorKind; message: string };

/** The decision after an ADD: look again soon on success; back off on failure. */
export function decideAfterAdd(
  state: RegisterState,
  outcome: AddOutcome,
  input: { now: number; random: number },
  timing: DecisionTiming,
): Decision {
  if (outcome.ok) {
    return {
      state: {
        ...state,
        phase: 'registered',
        seenListed: true,
        missingStreak: 0,
        errorStreak: 0,
        unconfirmedAdds: state.unconfirmedAdds + 1,
      },
      action: 'none',
      delayMs: FIRST_RECHECK_MS,
      log: { level: 'info', event: 'added', reason: 'the FE accepted the ADD (or already had this CN)' },
    };
  }
  return failure(state, outcome.error, outcome.message, input, timing, 'add-failed');
}

function failure(
  state: RegisterState,
  kind: FeErrorKind,
  message: string,
  input: { now: number; random: number },
  timing: DecisionTiming,
  event: string,
): Decision {
  const errorStreak = state.errorStreak + 1;
  const delayMs = errorDelay(kind, errorStreak, timing, input.random);
  const next: RegisterState = { ...state, errorStreak, ready: stillReady(state, input.now, timing) };
  return {
    state: next,
    action: 'none',
    delayMs,
    log: {
      level: isConfigError(kind) ? 'error' : 'warn',
      event,
      reason: `${kind}: ${message}; ${advice(kind)} Next try in ${Math.round(delayMs / 1000)} s.`,
    },
  };
}

function advice(kind: FeErrorKind): string {
  switch (kind) {
    case 'AuthenticationFailed':
      return 'check FE_USR/FE_PWD in the account Secret.';
    case 'MissingPrivilege':
      return 'grant the FE user the NODE privilege (2.4: NODE_PRIV, e.g. role operator; 3.x: SYSTEM NODE, e.g. role cluster_admin).';
    case 'InvalidAddress':
      return 'the FE refused this CN address; check CN_HOST and the FE mode (IP or FQDN).';
    case 'Unreachable':
      return 'check FE_ADDRS and the network path to the FE.';
    case 'Timeout':
      return 'the FE did not answer in time.';
    case 'Unknown':
      return 'unexpected FE answer.';
  }
}
