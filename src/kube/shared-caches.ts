// The manager's caches: one list-watch cache per resource (and selector and mode), created on first request and
// shared by every controller that asks for the same one, started together and synced before any controller works.
import type { Logger } from '../runtime/logging.js';
import type { CacheTransform } from './informer.js';
import type { ResourceRef } from './objects.js';
import type { KubeRest } from './rest.js';
import { ScopedInformers } from './scoped-informers.js';

export interface CacheRequest {
  labelSelector?: string;
  /** Only metadata is cached (see ListWatchScope.metadataOnly). */
  metadataOnly?: boolean;
  /** Handlers get 'resync' for every object this often. */
  resyncPeriodMs?: number;
  /** Trim objects on ingest to what the readers use. */
  transform?: CacheTransform;
}

export interface SharedCachesOptions {
  rest: KubeRest;
  /** Empty: all namespaces. */
  namespaces: readonly string[];
  logger: Logger;
}

export class SharedCaches {
  private readonly caches = new Map<string, ScopedInformers>();
  private started = false;

  constructor(private readonly options: SharedCachesOptions) {}

  /** The cache of `resource` with these options; the same instance for the same request. */
  informer(resource: ResourceRef, request: CacheRequest = {}): ScopedInformers {
    const key = JSON.stringify([
      resource.apiPath,
      resource.plural,
      request.labelSelector ?? '',
      request.metadataOnly === true,
      request.resyncPeriodMs ?? 0,
      request.transform?.id ?? '',
    ]);
    const existing = this.caches.get(key);
    if (existing !== undefined) return existing;
    if (this.started) throw new Error(`cache of ${resource.plural} requested after the caches started`);
    const created = new ScopedInformers({
      rest: this.options.rest,
      resource,
      namespaces: this.options.namespaces,
      logger: this.options.logger,
      ...request,
    });
    this.caches.set(key, created);
    return created;
  }

  /** How many distinct caches exist (for logs and tests). */
  get size(): number {
    return this.caches.size;
  }

  start(): void {
    this.started = true;
    for (const cache of this.caches.values()) cache.start();
  }

  hasSynced(): boolean {
    return [...this.caches.values()].every((cache) => cache.hasSynced());
  }

  async waitForSync(timeoutMs: number): Promise<boolean> {
    const results = await Promise.all([...this.caches.values()].map((cache) => cache.waitForSync(timeoutMs)));
    return results.every(Boolean);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.caches.values()].map((cache) => cache.stop()));
  }
}
