// A deduplicating, delaying, rate-limited work queue with client-go/controller-runtime semantics.
//
// Guarantees the reconciler relies on:
// - A key is handed to at most one worker at a time. Adding a key while it is being processed marks it dirty; it
//   is queued again when the worker calls done(key), so the change is never lost and never processed concurrently.
// - A key waiting in the queue is stored once, however often it is added (level-triggered: one reconcile sees the
//   latest state).
// - addAfter keeps the earliest pending deadline per key; addRateLimited delays by the rate limiter's answer.
// - shutDown stops intake, cancels delayed adds, drops keys not yet started and lets workers finish their current
//   key; drain() resolves when every started key is done (or the time bound passes).
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { ControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/** Observations the queue reports; metrics.ts turns them into the workqueue_* series. All times in seconds. */
export interface WorkQueueMetricsSink {
  depthChanged(depth: number): void;
  added(): void;
  /** Time a key waited in the queue before a worker took it. */
  queued(seconds: number): void;
  /** Time a worker spent on a key (get to done). */
  worked(seconds: number): void;
  retried(): void;
}

export interface InFlightSnapshot {
  /** Sum of the running time of keys being processed now. */
  unfinishedSeconds: number;
  /** Running time of the oldest key being processed now. */
  longestRunningSeconds: number;
}

export interface WorkQueueOptions {
  clock?: Clock;
  rateLimiter?: RateLimiter;
  metrics?: WorkQueueMetricsSink;
}

export class WorkQueue {
  private readonly order: string[] = [];
  /** Keys that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<string>();
  /** Keys handed to a worker and not yet done, with the time they were handed out. */
  private readonly processing = new Map<string, number>();
  /** First time each queued key was added, for the queue-duration metric. */
  private readonly addedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { readyAt: number; timer: TimerHandle }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly metrics: WorkQueueMetricsSink | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.limiter = options.rateLimiter ?? new ControllerRateLimiter({ clock: this.clock });
    this.metrics = options.metrics;
  }

  /** Queues `key` unless it is already queued; a key being processed is queued again after done(key). */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics?.added();
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending deadline for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    pending?.timer.cancel();
    const timer = this.clock.setTimer(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { readyAt, timer });
  }

  /** Adds `key` after the rate limiter's delay (per-key exponential backoff and the overall bucket). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.metrics?.retried();
    this.addAfter(key, this.limiter.when(key));
  }

  /** Resets the key's backoff; call after it was processed successfully. Does not remove it from the queue. */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiter.retries(key);
  }

  /**
   * Waits for the next key and marks it as being processed. Resolves `undefined` once the queue shuts down: the
   * worker must then exit. Every key received must be passed to done() exactly once.
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.order.shift();
    if (key !== undefined) return Promise.resolve(this.startProcessing(key));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker finished `key`; if it was re-added meanwhile it is queued again now. */
  done(key: string): void {
    const startedAt = this.processing.get(key);
    if (startedAt === undefined) return;
    this.processing.delete(key);
    this.metrics?.worked((this.clock.now() - startedAt) / 1000);
    if (this.processing.size === 0)
      this.drainWaiters.splice(0).forEach((wake) => {
        wake();
      });
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
  }

  /** Keys waiting (not delayed, not being processed). */
  len(): number {
    return this.order.length;
  }

  /** Keys a worker holds now. */
  processingCount(): number {
    return this.processing.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  inFlight(): InFlightSnapshot {
    const now = this.clock.now();
    let unfinished = 0;
    let longest = 0;
    for (const startedAt of this.processing.values()) {
      const running = (now - startedAt) / 1000;
      unfinished += running;
      longest = Math.max(longest, running);
    }
    return { unfinishedSeconds: unfinished, longestRunningSeconds: longest };
  }

  /** Stops intake, cancels delayed adds, drops queued keys and releases waiting workers. Idempotent. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    this.order.length = 0;
    this.addedAt.clear();
    this.metrics?.depthChanged(0);
    this.waiters.splice(0).forEach((wake) => {
      wake(undefined);
    });
  }

  /**
   * Shuts down and resolves once every key handed out is done, or after `timeoutMs`. Resolves true when drained.
   * Queued keys are dropped, not processed: reconciles are level-triggered, the next start (or leader) relists.
   */
  shutDownWithDrain(timeoutMs: number): Promise<boolean> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(() => {
        resolve(false);
      }, timeoutMs);
      this.drainWaiters.push(() => {
        timer.cancel();
        resolve(true);
      });
    });
  }

  private enqueue(key: string): void {
    if (!this.addedAt.has(key)) this.addedAt.set(key, this.clock.now());
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(this.startProcessing(key));
      return;
    }
    this.order.push(key);
    this.metrics?.depthChanged(this.order.length);
  }

  private startProcessing(key: string): string {
    const now = this.clock.now();
    const addedAt = this.addedAt.get(key) ?? now;
    this.addedAt.delete(key);
    this.metrics?.queued((now - addedAt) / 1000);
    this.metrics?.depthChanged(this.order.length);
    this.processing.set(key, now);
    this.dirty.delete(key);
    return key;
  }
}
