// The I/O edge of an informer: one paginated LIST page and one WATCH stream of a resource in one scope (a namespace
// or all), over the raw REST client. Kept behind an interface so the informer's loop is unit-tested with a fake.
import { KubeApiError, statusFromResponse } from './errors.js';
import { collectionPath, type ResourceRef } from './objects.js';
import { isRecord } from '../util/guards.js';
import type { KubeRest, LineStream } from './rest.js';

export interface ListPage {
  items: unknown[];
  resourceVersion: string;
  /** Token for the next page; undefined on the last. */
  continue: string | undefined;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchOptions {
  resourceVersion: string;
  timeoutSeconds: number;
}

export interface ListWatchSource {
  /** A short description for logs, e.g. `pods in ns-a (app=x)`. */
  readonly description: string;
  list(options: { limit: number; continue: string | undefined }): Promise<ListPage>;
  /** Opens a watch; `onEvent` gets each decoded event. Rejects when the server refuses (e.g. 410). */
  watch(options: WatchOptions, onEvent: (type: WatchEventType, object: unknown) => void): Promise<LineStream>;
}

export interface ListWatchScope {
  /** undefined: all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Only the objects' metadata (PartialObjectMetadata): for kinds whose content is read rarely and fetched on demand,
   * so the cache does not hold every Secret's data to find the few the groups name.
   */
  metadataOnly?: boolean;
}

// What client-go's metadata client asks for; an API server without the conversion answers with full objects, which
// the cache reads just as well.
const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const METADATA_WATCH_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

const EVENT_TYPES = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** A ListWatchSource over the API server. */
export function restListWatch(rest: KubeRest, resource: ResourceRef, scope: ListWatchScope = {}): ListWatchSource {
  const path = collectionPath(resource, scope.namespace);
  const selectors = { labelSelector: scope.labelSelector, fieldSelector: scope.fieldSelector };
  const where = scope.namespace !== undefined ? `in ${scope.namespace}` : 'in all namespaces';
  const mode = scope.metadataOnly === true ? ' metadata' : '';
  const description = `${resource.plural}${mode} ${where}${scope.labelSelector ? ` (${scope.labelSelector})` : ''}`;
  const accept = (metadataAccept: string): { accept?: string } =>
    scope.metadataOnly === true ? { accept: metadataAccept } : {};
  return {
    description,
    async list({ limit, continue: token }) {
      const body = await rest.request({
        method: 'GET',
        path,
        query: { ...selectors, limit, continue: token },
        ...accept(METADATA_LIST_ACCEPT),
      });
      return parseListPage(body, path);
    },
    watch({ resourceVersion, timeoutSeconds }, onEvent) {
      const query = { ...selectors, watch: true, allowWatchBookmarks: true, resourceVersion, timeoutSeconds };
      return rest.openLineStream({ method: 'GET', path, query, ...accept(METADATA_WATCH_ACCEPT) }, (line) => {
        const event = parseWatchLine(line);
        if (event) onEvent(event.type, event.object);
      });
    },
  };
}

export function parseListPage(body: unknown, path: string): ListPage {
  // An empty PartialObjectMetadataList carries `items: null` (a nil Go slice); a full list always has an array.
  const items = isRecord(body) && body['items'] === null ? [] : isRecord(body) ? body['items'] : undefined;
  if (!isRecord(body) || !Array.isArray(items) || !isRecord(body['metadata'])) {
    throw new KubeApiError('GET', path, statusFromResponse(500, 'the list response has no items or metadata'));
  }
  const metadata = body['metadata'];
  const resourceVersion = typeof metadata['resourceVersion'] === 'string' ? metadata['resourceVersion'] : '';
  const token =
    typeof metadata['continue'] === 'string' && metadata['continue'] !== '' ? metadata['continue'] : undefined;
  return { items: items as unknown[], resourceVersion, continue: token };
}

/** Decodes one watch line; undefined for lines that are not a watch event (ignored). */
export function parseWatchLine(line: string): { type: WatchEventType; object: unknown } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || typeof parsed['type'] !== 'string' || !EVENT_TYPES.has(parsed['type'])) return undefined;
  return { type: parsed['type'] as WatchEventType, object: parsed['object'] };
}
