// Classification of Kubernetes API errors. The REST client throws KubeApiError (an HTTP code and the Status body);
// any other error carrying a numeric `code` and a Status `body` is read the same way. Callers decide on
// `reason`/`code`, never on message text.
import { isRecord } from '../util/guards.js';

/** The fields of a metav1.Status the operator uses. */
export interface KubeStatus {
  code: number;
  reason: string;
  message: string;
  details?: {
    name?: string;
    kind?: string;
    retryAfterSeconds?: number;
    causes?: { field?: string; message?: string }[];
  };
}

/** Thrown by the raw REST client for a non-2xx answer. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly status: KubeStatus;

  constructor(method: string, path: string, status: KubeStatus) {
    super(`${method} ${path}: ${status.code} ${status.reason}: ${status.message}`);
    this.name = 'KubeApiError';
    this.code = status.code;
    this.status = status;
  }
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (isRecord(body)) return body;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Builds a Status from an HTTP code and a response body (JSON text or object); tolerant of non-Status bodies. */
export function statusFromResponse(code: number, body: unknown): KubeStatus {
  const parsed = parseBody(body);
  const reason = typeof parsed?.['reason'] === 'string' ? parsed['reason'] : reasonForCode(code);
  const fallback = typeof body === 'string' && body !== '' ? body.slice(0, 500) : `HTTP ${code}`;
  const message = typeof parsed?.['message'] === 'string' ? parsed['message'] : fallback;
  const details = isRecord(parsed?.['details']) ? (parsed['details'] as KubeStatus['details']) : undefined;
  return details ? { code, reason, message, details } : { code, reason, message };
}

/** The Status of an error thrown by an API call, or undefined for errors without an HTTP answer (network). */
export function statusOf(error: unknown): KubeStatus | undefined {
  if (error instanceof KubeApiError) return error.status;
  if (!isRecord(error)) return undefined;
  const code = typeof error['code'] === 'number' ? error['code'] : error['statusCode'];
  if (typeof code !== 'number' || code < 100 || code > 599) return undefined;
  return statusFromResponse(code, error['body']);
}

function reasonForCode(code: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Expired',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[code] ?? 'Unknown';
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error)?.code === 404;
}

/** A write lost an optimistic-concurrency race (resourceVersion changed) or an apply conflict. */
export function isConflict(error: unknown): boolean {
  const status = statusOf(error);
  return status?.code === 409 && status.reason !== 'AlreadyExists';
}

export function isAlreadyExists(error: unknown): boolean {
  const status = statusOf(error);
  return status?.code === 409 && status.reason === 'AlreadyExists';
}

/** The resourceVersion is too old (compacted): relist instead of resuming the watch. */
export function isGone(error: unknown): boolean {
  const status = statusOf(error);
  return status?.code === 410 || status?.reason === 'Expired' || status?.reason === 'Gone';
}

const RETRYABLE_CODES = new Set([408, 429, 500, 502, 503, 504]);
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Worth retrying unchanged after a pause: throttling, server-side trouble, timeouts and network failures.
 * Validation, permission and not-found errors are not: retrying them only repeats the failure.
 */
export function isRetryable(error: unknown): boolean {
  const status = statusOf(error);
  if (status && isSchemaMismatch(status)) return false;
  if (status) return RETRYABLE_CODES.has(status.code) || status.reason === 'ServerTimeout';
  if (!isRecord(error)) return false;
  if (error['name'] === 'AbortError' || error['name'] === 'TimeoutError') return true;
  const code = error['code'];
  return typeof code === 'string' && RETRYABLE_NETWORK.has(code);
}

/**
 * Server-side apply answers 500 when the object does not fit the type's schema (a field no version declares, e.g.
 * from a user's free-form pod field): the same object fails the same way every time, so it is a refusal.
 */
function isSchemaMismatch(status: KubeStatus): boolean {
  return (
    status.code === 500 && /failed to create typed patch object|field not declared in schema/i.test(status.message)
  );
}

/** A short description for logs and conditions: the Status message, or the error message. */
export function describeError(error: unknown): string {
  const status = statusOf(error);
  if (status) return `${status.reason} (${status.code}): ${status.message}`;
  return error instanceof Error ? error.message : String(error);
}
