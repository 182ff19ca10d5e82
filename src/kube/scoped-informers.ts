// One logical cache over the namespaces the manager watches (--watch-namespace): a single all-namespaces informer
// when the list is empty, otherwise one informer per namespace (RBAC may grant only those). Same read interface as
// Informer, so reconcilers do not care which.
import type { Logger } from '../runtime/logging.js';
import { Informer, type InformerHandler, type InformerOptions } from './informer.js';
import { restListWatch } from './list-watch.js';
import type { KubeObject, ResourceRef } from './objects.js';
import type { KubeRest } from './rest.js';

export interface ScopedInformersOptions extends Omit<InformerOptions, 'source' | 'logger'> {
  rest: KubeRest;
  resource: ResourceRef;
  /** Empty: all namespaces. */
  namespaces: readonly string[];
  labelSelector?: string;
  /** Cache only metadata (see ListWatchScope.metadataOnly). */
  metadataOnly?: boolean;
  logger: Logger;
}

export class ScopedInformers {
  private readonly byNamespace = new Map<string | undefined, Informer>();

  constructor(options: ScopedInformersOptions) {
    const { rest, resource, namespaces, labelSelector, metadataOnly, ...informerOptions } = options;
    const scopes: (string | undefined)[] =
      namespaces.length === 0 || !resource.namespaced ? [undefined] : [...namespaces];
    for (const namespace of scopes) {
      const source = restListWatch(rest, resource, {
        namespace,
        ...(labelSelector === undefined ? {} : { labelSelector }),
        ...(metadataOnly === undefined ? {} : { metadataOnly }),
      });
      this.byNamespace.set(namespace, new Informer({ ...informerOptions, source }));
    }
  }

  addHandler(handler: InformerHandler): void {
    for (const informer of this.byNamespace.values()) informer.addHandler(handler);
  }

  start(): void {
    for (const informer of this.byNamespace.values()) informer.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.byNamespace.values()].map((informer) => informer.stop()));
  }

  hasSynced(): boolean {
    return [...this.byNamespace.values()].every((informer) => informer.hasSynced());
  }

  async waitForSync(timeoutMs: number): Promise<boolean> {
    const results = await Promise.all(
      [...this.byNamespace.values()].map((informer) => informer.waitForSync(timeoutMs)),
    );
    return results.every(Boolean);
  }

  /** The cached object for `namespace/name` (or `name`); never mutate it. */
  get(key: string): KubeObject | undefined {
    const slash = key.indexOf('/');
    const namespace = slash < 0 ? undefined : key.slice(0, slash);
    const direct = this.byNamespace.get(namespace) ?? this.byNamespace.get(undefined);
    return direct?.get(key);
  }

  /** Cached objects, optionally of one namespace; never mutate them. */
  list(namespace?: string): KubeObject[] {
    return [...this.byNamespace.values()].flatMap((informer) => informer.list(namespace));
  }
}
