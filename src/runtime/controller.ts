// The worker loop that runs a reconciler over a work queue, after controller-runtime's controller.go:
// N workers each take a key, reconcile it, and tell the queue how it went. The queue guarantees one worker per key.
//
//   success                     -> forget (reset backoff)             result="success"
//   success with requeueAfterMs -> forget, addAfter(requeueAfterMs)   result="requeue_after"
//   error (rejection or throw)  -> addRateLimited (per-key backoff)   result="error", errors_total + 1, logged
//
// The reconciler gets a child logger carrying controller, namespace, name and reconcileID, and an AbortSignal that
// fires when the controller stops, so long waits inside a reconcile can end early.
import { randomUUID } from 'node:crypto';
import type { Logger } from './logging.js';
import type { OperatorMetrics, ReconcileResultLabel } from './metrics.js';
import { WorkQueue } from './queue.js';
import { ControllerRateLimiter } from './rate-limiter.js';
import { systemClock, type Clock } from './clock.js';

/** What a reconcile asks for besides success or failure. */
export interface ReconcileResult {
  /** Reconcile this key again after this many ms (periodic checks such as FE polling). */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  /** Child logger with controller, namespace, name and reconcileID bound. */
  logger: Logger;
  reconcileId: string;
  namespace: string;
  name: string;
  /** Aborted when the controller stops. */
  signal: AbortSignal;
}

/**
 * Brings the object named by `key` ("namespace/name", or "name" for cluster-scoped objects) to its desired state.
 * Must be idempotent and level-triggered: read the current state, act, return. Throw (or reject) to be retried
 * with backoff.
 */
export type Reconcile = (key: string, context: ReconcileContext) => Promise<ReconcileResult>;

export interface ControllerOptions {
  /** The controller label on logs and metrics, e.g. "computenodegroup". */
  name: string;
  reconcile: Reconcile;
  logger: Logger;
  /** Parallel workers (different keys only). Default 1. */
  maxConcurrentReconciles?: number;
  metrics?: OperatorMetrics;
  clock?: Clock;
  /** Defaults to a queue with controller-runtime's rate limiter, reporting to `metrics`. */
  queue?: WorkQueue;
}

/** Splits "namespace/name" (or "name") into its parts. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly reconcileFn: Reconcile;
  private readonly logger: Logger;
  private readonly workers: number;
  private readonly metrics: OperatorMetrics | undefined;
  private readonly clock: Clock;
  private readonly stopping = new AbortController();
  private running: Promise<void>[] = [];

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.reconcileFn = options.reconcile;
    this.logger = options.logger.child({ controller: options.name });
    this.workers = Math.max(1, options.maxConcurrentReconciles ?? 1);
    this.metrics = options.metrics;
    this.clock = options.clock ?? systemClock;
    this.queue = options.queue ?? this.createQueue();
  }

  /** Queues a key for reconciliation (deduplicated). Safe to call from informer handlers. */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Starts the workers; returns at once. */
  start(): void {
    if (this.running.length > 0) return;
    this.metrics?.controllerStarted(this.name, this.workers);
    this.logger.info({ workers: this.workers }, 'starting workers');
    this.running = Array.from({ length: this.workers }, () => this.runWorker());
  }

  /**
   * Stops taking keys, aborts the reconciles' signal and waits up to `timeoutMs` for running reconciles.
   * Resolves true when every worker finished in time.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopping.abort();
    const drained = await this.queue.shutDownWithDrain(timeoutMs);
    if (drained) await Promise.all(this.running);
    this.logger.info({ drained }, 'workers stopped');
    return drained;
  }

  private createQueue(): WorkQueue {
    const sink = this.metrics?.workQueueSink(this.name);
    const queue = new WorkQueue({
      clock: this.clock,
      rateLimiter: new ControllerRateLimiter({ clock: this.clock }),
      metrics: sink,
    });
    sink?.observeInFlight(() => queue.inFlight());
    return queue;
  }

  private async runWorker(): Promise<void> {
    while (await this.processNextWorkItem()) {
      // one key per turn; the loop ends when the queue shuts down
    }
  }

  private async processNextWorkItem(): Promise<boolean> {
    const key = await this.queue.get();
    if (key === undefined) return false;
    this.metrics?.activeWorkers.inc({ controller: this.name });
    try {
      await this.reconcileHandler(key);
    } finally {
      this.metrics?.activeWorkers.dec({ controller: this.name });
      this.queue.done(key);
    }
    return true;
  }

  private async reconcileHandler(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const reconcileId = randomUUID();
    const logger = this.logger.child({ namespace, name, reconcileID: reconcileId });
    const startedAt = this.clock.now();
    let outcome: ReconcileResultLabel;
    try {
      const result = await this.reconcileFn(key, {
        logger,
        reconcileId,
        namespace,
        name,
        signal: this.stopping.signal,
      });
      outcome = this.onSuccess(key, result);
    } catch (error: unknown) {
      outcome = this.onError(key, error, logger);
    }
    this.metrics?.reconcileTime.observe({ controller: this.name }, (this.clock.now() - startedAt) / 1000);
    this.metrics?.reconcileTotal.inc({ controller: this.name, result: outcome });
  }

  private onSuccess(key: string, result: ReconcileResult): ReconcileResultLabel {
    this.queue.forget(key);
    const after = result.requeueAfterMs;
    if (after !== undefined && after > 0) {
      this.queue.addAfter(key, after);
      return 'requeue_after';
    }
    return 'success';
  }

  private onError(key: string, error: unknown, logger: Logger): ReconcileResultLabel {
    this.metrics?.reconcileErrors.inc({ controller: this.name });
    logger.error({ err: error, retries: this.queue.numRequeues(key) }, 'reconciler error');
    this.queue.addRateLimited(key);
    return 'error';
  }
}
