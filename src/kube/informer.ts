// A list-watch cache of one resource in one scope, robust where client-node's informer is not:
// - paginated LIST (limit/continue), then WATCH from the list's resourceVersion with allowWatchBookmarks and a
//   randomised timeoutSeconds (300-600) so replicas do not reconnect in step;
// - every error (list, watch refusal, broken stream, ERROR event) waits a jittered backoff of 1 s to 30 s, reset by
//   the first event of a healthy watch; a failed watch resumes from the last resourceVersion seen;
// - 410 Gone (resourceVersion compacted) relists at once;
// - a watchdog restarts a watch that stayed silent (no event, no bookmark) for too long (half-open connection);
// - the cache holds plain JSON objects without managedFields (parse them where you read them);
// - handlers are synchronous, must only enqueue keys, and a handler that throws is logged, never fatal;
// - an optional resync period calls the handlers with 'resync' for every cached object;
// - with a transform, an update that changes nothing the transform keeps (only the resourceVersion) is cached but
//   not passed to the handlers: a pod's status churns in fields its controller never reads, and each call would cost
//   a reconcile.
import { isDeepStrictEqual } from 'node:util';
import { ReconnectBackoff, type RandomSource } from '../runtime/backoff.js';
import { sleep, systemClock, type Clock, type TimerHandle } from '../runtime/clock.js';
import type { Logger } from '../runtime/logging.js';
import { describeError, isGone, KubeApiError, statusFromResponse } from './errors.js';
import type { ListWatchSource, WatchEventType } from './list-watch.js';
import { objectKey, toKubeObject, type KubeObject } from './objects.js';

export type InformerEventType = 'add' | 'update' | 'delete' | 'resync';

/**
 * Called for every change the cache sees. Must be synchronous and cheap: enqueue a key (for the object itself or
 * its owner) and return. Do not do I/O here; the reconcile does it. For an 'update', `previous` is the cached version
 * the new one replaced (client-go's OnUpdate(old, new)), for handlers that skip some kinds of change.
 */
export type InformerHandler = (type: InformerEventType, object: KubeObject, previous?: KubeObject) => void;

export interface InformerOptions {
  source: ListWatchSource;
  logger: Logger;
  clock?: Clock;
  random?: RandomSource;
  /** Page size of the LIST. Default 500. */
  pageSize?: number;
  /** Watch timeoutSeconds is drawn from [min, max). Default 300-600. */
  watchTimeoutSeconds?: { min: number; max: number };
  /** Restart a watch with no line for this long. Default 3 minutes (the API server bookmarks about every minute). */
  watchdogMs?: number;
  /** Call handlers with 'resync' for each object this often; 0 or absent: never. */
  resyncPeriodMs?: number;
  /** Reconnect backoff bounds. Default 1 s to 30 s. */
  backoff?: { initialDelayMs: number; maxDelayMs: number };
  /** Applied to every object on ingest: keep only what the readers of this cache use (see CacheTransform). */
  transform?: CacheTransform;
}

/**
 * Trims objects before they are cached, as controller-runtime's cache transforms do: a cache of pods that keeps only
 * the fields its controller reads holds a fraction of the bytes. `id` tells caches with different transforms apart.
 */
export interface CacheTransform {
  id: string;
  apply(object: KubeObject): KubeObject;
}

/** What ended one watch: the server closed it normally, it went silent, or the resourceVersion is gone. */
type WatchEnd = 'closed' | 'silent' | 'gone';

export class Informer {
  private readonly store = new Map<string, KubeObject>();
  private readonly handlers: InformerHandler[] = [];
  private readonly stopController = new AbortController();
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly backoff: ReconnectBackoff;
  private readonly logger: Logger;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;
  private resyncTimer: TimerHandle | undefined;
  private lastResourceVersion = '';
  /** Watches started since start(); for tests and metrics of reconnect behaviour. */
  watchesStarted = 0;
  /** Full LISTs done since start(). */
  listsDone = 0;
  /** Watches the watchdog stopped for silence. */
  silentRestarts = 0;

  constructor(private readonly options: InformerOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger.child({ informer: options.source.description });
    this.backoff = new ReconnectBackoff({ ...options.backoff, random: this.random });
  }

  /** The cached form of an object from the API server: plain JSON without managedFields, transformed. */
  private ingest(raw: unknown): KubeObject | undefined {
    const object = toKubeObject(raw);
    return object === undefined || this.options.transform === undefined ? object : this.options.transform.apply(object);
  }

  /** Registers a handler; it first receives 'add' for objects already cached. */
  addHandler(handler: InformerHandler): void {
    this.handlers.push(handler);
    for (const object of this.store.values()) this.emit(handler, 'add', object);
  }

  /** Starts the list-watch loop in the background. */
  start(): void {
    this.running ??= this.run();
    this.scheduleResync();
  }

  /** Stops the loop and closes the watch; resolves when it has ended. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.resyncTimer?.cancel();
    this.syncWaiters.splice(0).forEach((wake) => {
      wake();
    });
    await this.running;
  }

  /** True once the first full LIST is in the cache. Reconcile nothing before every informer it reads has synced. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false when `timeoutMs` passes or the informer stops first. */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return true;
    let timer: TimerHandle | undefined;
    await new Promise<void>((resolve) => {
      this.syncWaiters.push(resolve);
      timer = this.clock.setTimer(resolve, timeoutMs);
    });
    // A pending timer would keep the process alive after everything else stopped.
    timer?.cancel();
    return this.synced;
  }

  /** The cached object for `namespace/name` (or `name`); a shared object: never mutate it. */
  get(key: string): KubeObject | undefined {
    return this.store.get(key);
  }

  /** Cached objects, optionally of one namespace. Shared objects: never mutate them. */
  list(namespace?: string): KubeObject[] {
    const all = [...this.store.values()];
    return namespace === undefined ? all : all.filter((object) => object.metadata.namespace === namespace);
  }

  /** The resourceVersion the next watch resumes from. */
  resourceVersion(): string {
    return this.lastResourceVersion;
  }

  private isStopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.isStopped()) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const end = await this.watchOnce();
        if (end === 'gone') {
          this.logger.info({ resourceVersion: this.lastResourceVersion }, 'resourceVersion expired; relisting');
          needList = true;
        } else if (end === 'silent') {
          this.silentRestarts += 1;
          this.logger.warn({ watchdogMs: this.watchdogMs }, 'watch silent too long; restarting it');
        }
      } catch (error: unknown) {
        if (this.isStopped()) break;
        if (isGone(error)) {
          needList = true;
          continue;
        }
        const delayMs = this.backoff.next();
        this.logger.warn(
          { err: describeError(error), retryInMs: delayMs, failures: this.backoff.failures },
          needList ? 'list failed' : 'watch failed',
        );
        await sleep(this.clock, delayMs, this.stopController.signal);
      }
    }
  }

  private get watchdogMs(): number {
    return this.options.watchdogMs ?? 180_000;
  }

  /** Reads every page, replaces the cache and emits the differences. */
  private async relist(): Promise<void> {
    const fresh = new Map<string, KubeObject>();
    let token: string | undefined;
    let resourceVersion: string;
    do {
      const page = await this.options.source.list({ limit: this.options.pageSize ?? 500, continue: token });
      for (const item of page.items) {
        const object = this.ingest(item);
        if (object) fresh.set(objectKey(object), object);
      }
      token = page.continue;
      resourceVersion = page.resourceVersion;
    } while (token !== undefined && !this.isStopped());
    this.replaceStore(fresh);
    this.lastResourceVersion = resourceVersion;
    this.listsDone += 1;
    this.markSynced();
    this.logger.debug({ objects: fresh.size, resourceVersion }, 'listed');
  }

  private replaceStore(fresh: Map<string, KubeObject>): void {
    for (const [key, old] of this.store) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        this.emitAll('delete', old);
      }
    }
    for (const [key, object] of fresh) {
      const old = this.store.get(key);
      this.store.set(key, object);
      if (!old) this.emitAll('add', object);
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion && this.changedForReaders(old, object))
        this.emitAll('update', object, old);
    }
  }

  /** Runs one watch until it ends; throws on errors other than 410. */
  private async watchOnce(): Promise<WatchEnd> {
    const range = this.options.watchTimeoutSeconds ?? { min: 300, max: 600 };
    const timeoutSeconds = Math.floor(range.min + this.random() * (range.max - range.min));
    const openedAt = this.clock.now();
    let lines = 0;
    let lastLineAt = openedAt;
    // Filled by the event callback, which may run before `stream` below is assigned.
    const outcome: { gone: boolean; error: Error | undefined; stopRequested: boolean } = {
      gone: false,
      error: undefined,
      stopRequested: false,
    };
    let stopStream = (): void => {
      outcome.stopRequested = true;
    };
    this.watchesStarted += 1;
    const stream = await this.options.source.watch(
      { resourceVersion: this.lastResourceVersion, timeoutSeconds },
      (type, object) => {
        lines += 1;
        lastLineAt = this.clock.now();
        try {
          this.applyEvent(type, object);
        } catch (error: unknown) {
          if (isGone(error)) outcome.gone = true;
          else outcome.error = error instanceof Error ? error : new Error(String(error));
          stopStream();
        }
      },
    );
    stopStream = () => {
      stream.stop();
    };
    if (outcome.stopRequested) stream.stop();
    const silent = this.watchdog(() => lastLineAt, stopStream);
    this.stopController.signal.addEventListener('abort', stopStream, { once: true });
    const streamError = await stream.done;
    this.stopController.signal.removeEventListener('abort', stopStream);
    silent.cancel();
    if (outcome.gone) return 'gone';
    if (outcome.error) throw outcome.error;
    if (silent.fired()) return 'silent';
    if (streamError && !this.isStopped()) throw streamError;
    // A watch closed at once without a single line is a failure in disguise (a proxy or a server in trouble):
    // treat it as an error so it backs off instead of reconnecting in a tight loop.
    if (lines === 0 && this.clock.now() - openedAt < 1000 && !this.isStopped()) {
      throw new Error('the watch closed immediately without any event');
    }
    return 'closed';
  }

  /** Checks for silence periodically; stops the stream when no line arrived for watchdogMs. */
  private watchdog(lastLineAt: () => number, stop: () => void): { cancel(): void; fired(): boolean } {
    let fired = false;
    let timer: TimerHandle | undefined;
    const check = (): void => {
      const silentFor = this.clock.now() - lastLineAt();
      if (silentFor >= this.watchdogMs) {
        fired = true;
        stop();
        return;
      }
      timer = this.clock.setTimer(check, this.watchdogMs - silentFor);
    };
    timer = this.clock.setTimer(check, this.watchdogMs);
    return { cancel: () => timer?.cancel(), fired: () => fired };
  }

  private applyEvent(type: WatchEventType, raw: unknown): void {
    if (type === 'ERROR') {
      const code = typeof raw === 'object' && raw !== null && 'code' in raw ? Number(raw.code) : 500;
      throw new KubeApiError('WATCH', this.options.source.description, statusFromResponse(code, raw));
    }
    const object = this.ingest(raw);
    if (!object) return;
    // The first event proves the connection healthy: the next failure starts from the shortest delay again.
    this.backoff.reset();
    if (object.metadata.resourceVersion !== undefined) this.lastResourceVersion = object.metadata.resourceVersion;
    if (type === 'BOOKMARK') return;
    const key = objectKey(object);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.emitAll('delete', object);
      return;
    }
    const previous = this.store.get(key);
    this.store.set(key, object);
    if (previous === undefined) this.emitAll('add', object);
    else if (this.changedForReaders(previous, object)) this.emitAll('update', object, previous);
  }

  /** Whether a new version differs in what the readers see: always without a transform, else beyond its version. */
  private changedForReaders(previous: KubeObject, next: KubeObject): boolean {
    if (this.options.transform === undefined) return true;
    const unversioned = (object: KubeObject): KubeObject => ({
      ...object,
      metadata: { ...object.metadata, resourceVersion: '' },
    });
    return !isDeepStrictEqual(unversioned(previous), unversioned(next));
  }

  private scheduleResync(): void {
    const period = this.options.resyncPeriodMs ?? 0;
    if (period <= 0 || this.isStopped()) return;
    this.resyncTimer = this.clock.setTimer(() => {
      if (this.synced) for (const object of this.store.values()) this.emitAll('resync', object);
      this.scheduleResync();
    }, period);
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.syncWaiters.splice(0).forEach((wake) => {
      wake();
    });
  }

  private emitAll(type: InformerEventType, object: KubeObject, previous?: KubeObject): void {
    for (const handler of this.handlers) this.emit(handler, type, object, previous);
  }

  private emit(handler: InformerHandler, type: InformerEventType, object: KubeObject, previous?: KubeObject): void {
    try {
      handler(type, object, previous);
    } catch (error: unknown) {
      // A handler bug must not kill the cache (client-node crashes the process on async handler rejections).
      this.logger.error({ err: error, type, key: objectKey(object) }, 'informer handler threw');
    }
  }
}
