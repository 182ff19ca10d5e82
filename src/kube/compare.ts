// Pure comparisons behind "no write when nothing changed", and the stable hash of an applied configuration.
import { createHash } from 'node:crypto';
import { sameQuantity } from './quantity.js';
import { isRecord } from '../util/guards.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isRecord(value);
}

/** Absent, null, {} and [] all mean "nothing here": the API server drops empty values we send. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.values(value).every(isEmpty);
}

/**
 * True when every field set in `desired` has the same value in `actual` (which may hold more: defaults, fields of
 * other managers). Arrays must have the same length and match element by element, each element as a subset.
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (desired === undefined) return true;
  if (desired === null) return isEmpty(actual);
  if (Array.isArray(desired)) {
    if (desired.length === 0) return isEmpty(actual);
    return Array.isArray(actual) && actual.length === desired.length && desired.every((d, i) => isSubset(d, actual[i]));
  }
  if (isPlainObject(desired)) {
    // An absent map on the server equals an empty one we sent.
    const target = actual ?? {};
    if (!isPlainObject(target)) return false;
    return Object.entries(desired).every(([key, value]) => isSubset(value, target[key]));
  }
  // Fields with omitempty come back without their zero value.
  if (actual === undefined && isZero(desired)) return true;
  // The API server rewrites quantities into its canonical spelling ("4000m" is stored as "4").
  if (typeof desired === 'string' && typeof actual === 'string')
    return desired === actual || sameQuantity(desired, actual);
  return desired === actual;
}

/** A field's place in an object: its keys from the top (kept apart: label keys hold dots). */
export type FieldPath = readonly string[];

/**
 * The fields of `desired` that `actual` lacks altogether: after an apply, the fields the API server dropped (a field
 * of a feature gate that is off, a field newer than the server). A field the answer holds with another value (a
 * webhook's change, a normalisation) is not one of them: that stays a difference, applied again. Objects are followed
 * key by key; an array or a value is one field.
 */
export function missingFields(desired: unknown, actual: unknown, at: FieldPath = []): FieldPath[] {
  if (isEmpty(desired)) return [];
  if (isPlainObject(desired)) {
    if (actual === undefined && at.length > 0) return [at];
    const target = isPlainObject(actual) ? actual : {};
    return Object.entries(desired).flatMap(([key, value]) => missingFields(value, target[key], [...at, key]));
  }
  return actual === undefined && !isZero(desired) ? [at] : [];
}

/** The values Kubernetes leaves out of an answer (`omitempty`): absent and zero mean the same there. */
function isZero(value: unknown): boolean {
  return value === 0 || value === false || value === '';
}

/** `value` without the fields at `paths`; pure. */
export function withoutFields(value: unknown, paths: readonly FieldPath[]): unknown {
  if (paths.length === 0 || !isPlainObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const below = paths.filter((path) => path[0] === key);
    if (below.some((path) => path.length === 1)) continue;
    result[key] = withoutFields(
      child,
      below.map((path) => path.slice(1)),
    );
  }
  return result;
}

/** How a path reads in messages: `spec.updateStrategy.rollingUpdate.maxUnavailable`. */
export function fieldPathText(path: FieldPath): string {
  return path.join('.');
}

/** Deep equality where absent, null and empty values are the same. */
export function isEquivalent(a: unknown, b: unknown): boolean {
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => isEquivalent(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => isEquivalent(a[key], b[key]));
  }
  return a === b;
}

/** JSON with object keys sorted, so equal configurations serialise identically. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const entries = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  const text = JSON.stringify(value) as string | undefined;
  return text ?? 'null';
}

/** A short stable hash of a configuration. */
export function configHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}
