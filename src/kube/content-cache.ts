// Objects whose content the operator needs only for the few that are referenced by name (a group's FE account
// Secret and cn.conf ConfigMap), read on demand and kept while their resourceVersion holds. The watch behind it is
// metadata-only: every Secret of every watched namespace costs a few hundred bytes of metadata instead of its data,
// and its changes still trigger the groups that name it.
import { isNotFound } from './errors.js';
import { objectPath, toKubeObject, type KubeObject, type ResourceRef } from './objects.js';
import type { KubeRest } from './rest.js';

/** Read access to a metadata-only cache (a ScopedInformers of the same resource). */
export interface MetadataCache {
  get(key: string): KubeObject | undefined;
}

interface Entry {
  object: KubeObject;
  lastRead: number;
}

export interface ContentCacheOptions {
  rest: Pick<KubeRest, 'request'>;
  resource: ResourceRef;
  metadata: MetadataCache;
  /** Bound on each GET. Default 10 s. */
  timeoutMs?: number;
  /** Content not read for this long is forgotten. Default 10 minutes. */
  idleMs?: number;
  now?: () => number;
}

export class ContentCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly idleMs: number;

  constructor(private readonly options: ContentCacheOptions) {
    this.now = options.now ?? Date.now;
    this.idleMs = options.idleMs ?? 10 * 60_000;
  }

  /**
   * The full object `namespace/name`, or undefined when the metadata cache does not list it. Costs a GET only when
   * the cached content is missing or older than the metadata's resourceVersion.
   */
  async get(namespace: string, name: string): Promise<KubeObject | undefined> {
    const key = `${namespace}/${name}`;
    this.forgetIdle();
    const meta = this.options.metadata.get(key);
    if (meta === undefined) {
      this.entries.delete(key);
      return undefined;
    }
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.object.metadata.resourceVersion === meta.metadata.resourceVersion) {
      entry.lastRead = this.now();
      return entry.object;
    }
    const object = await this.fetch(namespace, name);
    if (object === undefined) this.entries.delete(key);
    else this.entries.set(key, { object, lastRead: this.now() });
    return object;
  }

  /** How many objects' content is held (for tests and measurements). */
  get size(): number {
    return this.entries.size;
  }

  private async fetch(namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      const body = await this.options.rest.request({
        method: 'GET',
        path: objectPath(this.options.resource, namespace, name),
        timeoutMs: this.options.timeoutMs ?? 10_000,
      });
      return toKubeObject(body);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private forgetIdle(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [key, entry] of this.entries) if (entry.lastRead < cutoff) this.entries.delete(key);
  }
}
