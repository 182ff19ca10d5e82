// Backoff policies. Two shapes, both pure state machines over an injectable random source:
// - PerKeyExponentialBackoff: controller-runtime's per-item failure limiter (5 ms doubling to 1000 s), so a key that
//   keeps failing is retried ever more slowly while other keys are unaffected.
// - ReconnectBackoff: for watch and lease loops (1 s doubling to 30 s with jitter, reset on success), so many
//   replicas or informers that lost the API server at the same moment do not reconnect in lockstep.

export type RandomSource = () => number;

export interface PerKeyBackoffOptions {
  /** Delay after the first failure. Default 5 ms. */
  baseDelayMs?: number;
  /** Ceiling of the delay. Default 1000 s. */
  maxDelayMs?: number;
}

export class PerKeyExponentialBackoff {
  private readonly failures = new Map<string, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: PerKeyBackoffOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1_000_000;
  }

  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  when(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    return exponentialDelay(this.baseDelayMs, this.maxDelayMs, failures);
  }

  /** Failures recorded since the last forget. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The key succeeded: its next failure starts from the base delay again. */
  forget(key: string): void {
    this.failures.delete(key);
  }
}

/** base * 2^exponent, capped, without overflowing to Infinity for large exponents. */
export function exponentialDelay(baseMs: number, maxMs: number, exponent: number): number {
  if (exponent >= 63) return maxMs;
  return Math.min(maxMs, baseMs * 2 ** exponent);
}

export interface ReconnectBackoffOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  random?: RandomSource;
}

/**
 * Delay before the next reconnect attempt: 1 s, 2 s, 4 s ... up to 30 s, each multiplied by a random factor in
 * [0.75, 1.25) and clamped to [initial, max]. Call `reset()` once a connection proved healthy (first event).
 */
export class ReconnectBackoff {
  private attempts = 0;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: RandomSource;

  constructor(options: ReconnectBackoffOptions = {}) {
    this.initialDelayMs = options.initialDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  next(): number {
    const base = exponentialDelay(this.initialDelayMs, this.maxDelayMs, this.attempts);
    this.attempts += 1;
    const jittered = base * (0.75 + 0.5 * this.random());
    return Math.round(Math.min(this.maxDelayMs, Math.max(this.initialDelayMs, jittered)));
  }

  /** Attempts since the last reset. */
  get failures(): number {
    return this.attempts;
  }

  reset(): void {
    this.attempts = 0;
  }
}
