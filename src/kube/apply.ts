// Writes through server-side apply with one field manager, and no request at all when the object already matches.
//
// When is a write skipped? `applyObject` stamps the desired object with the annotation
// `starrocks.com/applied-config-hash` (a hash of the desired configuration) and skips the request only when the
// cached object (1) carries the same hash, so nothing was added to or removed from what we apply, and (2) still holds
// every desired field with the desired value, so nobody changed a field we own. Builders must therefore produce the
// forms the API server stores (canonical quantities such as "500m" and "1Gi", no explicit nulls); otherwise the
// comparison never matches and every reconcile sends an (idempotent) apply.
//
// A field the API server drops (its feature gate is off, or the server predates it) would make that comparison fail
// forever, and every reconcile would send an apply that changes nothing. So after each apply the answer is compared
// with what was sent; the fields missing from it are remembered for that object and that configuration hash, left
// out of later comparisons, and reported (WriteResult.dropped) so the caller can say the field has no effect.
//
// Status goes through the /status subresource only (apply or merge patch); it is skipped when the cached status is
// already equivalent. Objects come back as plain JSON without managedFields.
import type { Logger } from '../runtime/logging.js';
import type { Verb } from './access.js';
import {
  configHash,
  fieldPathText,
  isEquivalent,
  isSubset,
  missingFields,
  withoutFields,
  type FieldPath,
} from './compare.js';
import { isNotFound } from './errors.js';
import { objectPath, toKubeObject, type KubeObject, type ResourceRef } from './objects.js';
import type { KubeRest } from './rest.js';

export const FIELD_MANAGER = 'starrocks-cn-operator';
export const APPLIED_HASH_ANNOTATION = 'starrocks.com/applied-config-hash';

/**
 * The RBAC verbs of reading and applying one object: get for the read, patch for the apply, and create too, which the
 * API server also checks when an apply creates the object. An apply names its object, so a rule limited to that
 * name (resourceNames) covers the create as well.
 */
export const APPLY_VERBS: readonly Verb[] = ['get', 'create', 'patch'];

const APPLY_CONTENT_TYPE = 'application/apply-patch+yaml';
const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';
/** How long a dropped field is taken for granted before one apply checks again (the default resync period). */
export const DROPPED_FIELDS_RECHECK_MS = 10 * 60_000;

export interface WriteResult {
  /** False when the request was skipped because the object already matched. */
  written: boolean;
  /** The object after the write (server answer), or the cached object when skipped. */
  object: KubeObject;
  /** Fields of the desired object the API server dropped (dot-separated paths); empty when it kept them all. */
  dropped: string[];
}

/** The object to apply: apiVersion, kind, metadata.name (and namespace) and the fields this operator owns. */
export interface DesiredObject extends KubeObject {
  apiVersion: string;
  kind: string;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** Delete only if the object still has this uid (not a newer object of the same name). */
  uid?: string;
}

export class Applier {
  constructor(
    private readonly rest: Pick<KubeRest, 'request'>,
    private readonly logger?: Logger,
    readonly fieldManager: string = FIELD_MANAGER,
    private readonly now: () => number = Date.now,
  ) {}

  /** Desired object with the hash annotation added; pure, exported for tests and dry runs. */
  static stamp(desired: DesiredObject, hash: string = configHash(desired)): DesiredObject {
    const annotations = { ...desired.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash };
    return { ...desired, metadata: { ...desired.metadata, annotations } };
  }

  /**
   * True when applying `desired` onto `cached` would change nothing (see the file comment); `dropped` are fields the
   * API server is known to drop from this configuration, left out of the comparison.
   */
  static matches(
    desired: DesiredObject,
    cached: KubeObject | undefined,
    dropped: readonly FieldPath[] = [],
    hash: string = configHash(desired),
  ): boolean {
    if (!cached) return false;
    const hashMatches = cached.metadata.annotations?.[APPLIED_HASH_ANNOTATION] === hash;
    return hashMatches && isSubset(withoutFields(Applier.ownedFields(desired, hash), dropped), cached);
  }

  /** What an apply of `desired` sets: the stamped object without apiVersion and kind. */
  private static ownedFields(desired: DesiredObject, hash?: string): Record<string, unknown> {
    const { apiVersion: _apiVersion, kind: _kind, ...fields } = Applier.stamp(desired, hash);
    return fields;
  }

  /*
   * A caller that builds its desired objects once and freezes them (the reconciler does, per version of a group)
   * passes the same object at every pass, and the informer hands over the same cached object until it changes. For
   * such a pair both the hash and the comparison are remembered: a quiet pass costs two lookups, not a serialisation
   * and a walk of a StatefulSet. Unfrozen objects are compared every time, as they could have changed.
   */
  private readonly hashes = new WeakMap<DesiredObject, string>();
  private readonly matchedCached = new WeakMap<DesiredObject, WeakSet<KubeObject>>();

  private hashOf(desired: DesiredObject): string {
    const known = this.hashes.get(desired);
    if (known !== undefined) return known;
    const hash = configHash(desired);
    if (Object.isFrozen(desired)) this.hashes.set(desired, hash);
    return hash;
  }

  private matchesCached(
    desired: DesiredObject,
    hash: string,
    cached: KubeObject,
    dropped: readonly FieldPath[],
  ): boolean {
    if (dropped.length === 0 && this.matchedCached.get(desired)?.has(cached) === true) return true;
    const matches = Applier.matches(desired, cached, dropped, hash);
    if (matches && dropped.length === 0 && Object.isFrozen(desired)) {
      const seen = this.matchedCached.get(desired) ?? new WeakSet<KubeObject>();
      seen.add(cached);
      this.matchedCached.set(desired, seen);
    }
    return matches;
  }

  /**
   * Fields the API server dropped at the last apply of each object, for the configuration hash applied then. Kept
   * for DROPPED_FIELDS_RECHECK_MS: then one apply asks again, so a feature gate turned on is noticed.
   */
  private readonly droppedByObject = new Map<string, { hash: string; paths: FieldPath[]; learnedAt: number }>();

  /**
   * Server-side applies `desired` (force, strict field validation) unless `cached` (the informer's copy) already
   * matches. Creates the object when absent.
   */
  async applyObject(resource: ResourceRef, desired: DesiredObject, cached?: KubeObject): Promise<WriteResult> {
    const { namespace, name } = desired.metadata;
    const key = objectKey(resource, namespace, name);
    const hash = this.hashOf(desired);
    const known = this.droppedByObject.get(key);
    const current = known?.hash === hash && this.now() - known.learnedAt < DROPPED_FIELDS_RECHECK_MS;
    const dropped = current ? known.paths : [];
    if (cached && this.matchesCached(desired, hash, cached, dropped)) {
      return { written: false, object: cached, dropped: dropped.map(fieldPathText) };
    }
    const body = Applier.stamp(desired, hash);
    const object = await this.send(resource, namespace, name, '', APPLY_CONTENT_TYPE, body, true);
    const missing = missingFields(Applier.ownedFields(desired, hash), object);
    if (missing.length === 0) {
      this.droppedByObject.delete(key);
      this.logger?.info({ kind: desired.kind, namespace, name }, 'applied');
    } else {
      this.droppedByObject.set(key, { hash, paths: missing, learnedAt: this.now() });
      this.logger?.warn(
        { kind: desired.kind, namespace, name, dropped: missing.map(fieldPathText) },
        'applied; the API server dropped fields',
      );
    }
    return { written: true, object, dropped: missing.map(fieldPathText) };
  }

  /**
   * Applies the status through /status, unless the cached status is equivalent. `desired` holds apiVersion, kind,
   * metadata.name/namespace and the complete status this operator owns.
   */
  async applyStatus(resource: ResourceRef, desired: DesiredObject, cached?: KubeObject): Promise<WriteResult> {
    if (cached && isEquivalent(desired['status'], cached['status'])) {
      return { written: false, object: cached, dropped: [] };
    }
    const { namespace, name } = desired.metadata;
    const body = {
      apiVersion: desired.apiVersion,
      kind: desired.kind,
      metadata: { name, namespace },
      status: desired['status'],
    };
    const object = await this.send(resource, namespace, name, '/status', APPLY_CONTENT_TYPE, body, true);
    return { written: true, object, dropped: [] };
  }

  /**
   * Sets metadata.finalizers to `finalizers` with optimistic concurrency: fails with a conflict (409) when the object
   * changed since `object` was read, so another controller's finalizer is never overwritten.
   */
  async setFinalizers(resource: ResourceRef, object: KubeObject, finalizers: string[]): Promise<KubeObject> {
    const { namespace, name, resourceVersion } = object.metadata;
    const patch = { metadata: { finalizers, resourceVersion } };
    return this.send(resource, namespace, name, '', MERGE_PATCH_CONTENT_TYPE, patch, false);
  }

  /** Deletes the object; resolves false when it was already gone. */
  async deleteObject(
    resource: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<boolean> {
    const body = {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: options.propagationPolicy ?? 'Background',
      ...(options.uid !== undefined ? { preconditions: { uid: options.uid } } : {}),
    };
    try {
      await this.rest.request({ method: 'DELETE', path: objectPath(resource, namespace, name), body });
      this.droppedByObject.delete(objectKey(resource, namespace, name));
      this.logger?.info({ kind: resource.kind, namespace, name }, 'deleted');
      return true;
    } catch (error: unknown) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Reads one object straight from the API server (not the cache); undefined when absent. */
  async getObject(resource: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return toKubeObject(await this.rest.request({ method: 'GET', path: objectPath(resource, namespace, name) }));
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async send(
    resource: ResourceRef,
    namespace: string | undefined,
    name: string,
    subresource: '' | '/status',
    contentType: string,
    body: unknown,
    apply: boolean,
  ): Promise<KubeObject> {
    const query = apply
      ? { fieldManager: this.fieldManager, force: true, fieldValidation: 'Strict' }
      : { fieldManager: this.fieldManager, fieldValidation: 'Strict' };
    const answer = await this.rest.request({
      method: 'PATCH',
      path: objectPath(resource, namespace, name) + subresource,
      query,
      body,
      contentType,
    });
    const object = toKubeObject(answer);
    if (!object) throw new Error(`the API server answered the write of ${resource.kind} ${name} without an object`);
    return object;
  }
}

function objectKey(resource: ResourceRef, namespace: string | undefined, name: string): string {
  return `${resource.kind}/${namespace ?? ''}/${name}`;
}
