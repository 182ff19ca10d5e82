// The work queue's retry limiter: the larger of a per-key exponential backoff and an overall token bucket, as in
// controller-runtime's default (5 ms..1000 s per key; 10 requeues per second with bursts of 100 overall), so one
// broken object backs off alone while a storm of failures cannot flood the API server.
import { PerKeyExponentialBackoff, type PerKeyBackoffOptions } from './backoff.js';
import { systemClock, type Clock } from './clock.js';

export interface RateLimiter {
  /** Records a retry of `key`; returns the delay in ms before it may be processed again. */
  when(key: string): number;
  /** Retries recorded for `key` since it was last forgotten. */
  retries(key: string): number;
  /** Stops tracking `key` (it succeeded). */
  forget(key: string): void;
}

export interface TokenBucketOptions {
  /** Tokens added per second. Default 10. */
  qps?: number;
  /** Bucket size. Default 100. */
  burst?: number;
  clock?: Clock;
}

/**
 * A token bucket that hands out reservations: each call takes a token, even one not yet refilled, and returns how
 * long until that token exists. Callers that honour the delay never exceed `qps` after the first `burst`.
 */
export class TokenBucket {
  private tokens: number;
  private lastRefill: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;

  constructor(options: TokenBucketOptions = {}) {
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    this.clock = options.clock ?? systemClock;
    if (!(this.qps > 0) || !(this.burst >= 1)) {
      throw new Error(`token bucket needs qps > 0 and burst >= 1, got qps=${this.qps} burst=${this.burst}`);
    }
    this.tokens = this.burst;
    this.lastRefill = this.clock.now();
  }

  /** Takes one token; returns the wait in ms until it is available (0 when one was in the bucket). */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsedSeconds = Math.max(0, now - this.lastRefill) / 1000;
    this.lastRefill = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsedSeconds * this.qps);
  }
}

export interface ControllerRateLimiterOptions extends PerKeyBackoffOptions, TokenBucketOptions {}

/** controller-runtime's default limiter: max(per-key exponential, overall token bucket). */
export class ControllerRateLimiter implements RateLimiter {
  private readonly perKey: PerKeyExponentialBackoff;
  private readonly bucket: TokenBucket;

  constructor(options: ControllerRateLimiterOptions = {}) {
    this.perKey = new PerKeyExponentialBackoff(options);
    this.bucket = new TokenBucket(options);
  }

  when(key: string): number {
    // Both are consulted every time so the bucket accounts for every retry, as client-go's MaxOf limiter does.
    const perKeyDelay = this.perKey.when(key);
    const bucketDelay = this.bucket.reserve();
    return Math.max(perKeyDelay, bucketDelay);
  }

  retries(key: string): number {
    return this.perKey.retries(key);
  }

  forget(key: string): void {
    this.perKey.forget(key);
  }
}
