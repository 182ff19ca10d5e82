// Plain-JSON Kubernetes objects as the caches hold them, and the resource coordinates used to address them.
import { isRecord } from '../util/guards.js';

/** Where a kind lives in the API. */
export interface ResourceRef {
  /** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
  apiPath: string;
  /** Lowercase plural, e.g. `pods`, `computenodegroups`. */
  plural: string;
  namespaced: boolean;
  /** For logs and apply bodies, e.g. `Pod`. */
  kind: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: unknown[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** Any object with metadata. Everything else stays `unknown` until the caller parses it (zod or guards). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** `/api/v1` or `/apis/<group>/<version>` from an apiVersion such as `apps/v1`. */
export function apiPathOf(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Collection path, in one namespace or (namespace undefined) across all. */
export function collectionPath(resource: ResourceRef, namespace?: string): string {
  if (resource.namespaced && namespace !== undefined && namespace !== '') {
    return `${resource.apiPath}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`;
  }
  return `${resource.apiPath}/${resource.plural}`;
}

export function objectPath(resource: ResourceRef, namespace: string | undefined, name: string): string {
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}

/** The cache and work-queue key: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(object: { metadata: { name: string; namespace?: string } }): string {
  const namespace = object.metadata.namespace;
  return namespace !== undefined && namespace !== '' ? `${namespace}/${object.metadata.name}` : object.metadata.name;
}

/** Validates the minimum shape (metadata.name) and returns the object without managedFields, or undefined. */
export function toKubeObject(value: unknown): KubeObject | undefined {
  if (!isRecord(value) || !isRecord(value['metadata'])) return undefined;
  const metadata = value['metadata'];
  if (typeof metadata['name'] !== 'string') return undefined;
  // managedFields are large and only the API server needs them; caching them multiplies memory use.
  const { managedFields: _dropped, ...rest } = metadata;
  return { ...value, metadata: rest as ObjectMeta };
}
