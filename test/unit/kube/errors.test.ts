import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import {
  KubeApiError,
  describeError,
  isAlreadyExists,
  isConflict,
  isGone,
  isNotFound,
  isRetryable,
  statusFromResponse,
  statusOf,
} from '../../../src/kube/errors.js';

function apiException(code: number, body: unknown): ApiException<unknown> {
  return new ApiException(code, 'HTTP error', typeof body === 'string' ? body : JSON.stringify(body), {});
}

describe('error classification', () => {
  it("reads client-node's ApiException raw JSON body into a Status", () => {
    const error = apiException(404, {
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      message: 'computenodegroups.starrocks.com "cn" not found',
      code: 404,
      details: { name: 'cn', kind: 'computenodegroups' },
    });
    assert.deepEqual(statusOf(error), {
      code: 404,
      reason: 'NotFound',
      message: 'computenodegroups.starrocks.com "cn" not found',
      details: { name: 'cn', kind: 'computenodegroups' },
    });
    assert.equal(isNotFound(error), true);
    assert.equal(isConflict(error), false);
  });

  it('tells a conflict from already-exists', () => {
    const conflict = new KubeApiError(
      'PUT',
      '/x',
      statusFromResponse(409, { reason: 'Conflict', message: 'modified' }),
    );
    const exists = new KubeApiError('POST', '/x', statusFromResponse(409, { reason: 'AlreadyExists', message: 'x' }));
    assert.equal(isConflict(conflict), true);
    assert.equal(isAlreadyExists(conflict), false);
    assert.equal(isConflict(exists), false);
    assert.equal(isAlreadyExists(exists), true);
  });

  it('recognises 410 Gone and an Expired reason', () => {
    assert.equal(isGone(apiException(410, '')), true);
    assert.equal(isGone({ code: 500, body: { reason: 'Expired', message: 'too old resource version' } }), true);
    assert.equal(isGone(apiException(404, '')), false);
  });

  it('retries throttling, server errors, timeouts and network failures, not client errors', () => {
    for (const code of [429, 500, 503, 504]) assert.equal(isRetryable(apiException(code, '')), true, `${code}`);
    for (const code of [400, 403, 404, 409, 422]) assert.equal(isRetryable(apiException(code, '')), false, `${code}`);
    assert.equal(isRetryable(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), true);
    assert.equal(isRetryable(Object.assign(new Error('t'), { name: 'TimeoutError' })), true);
    assert.equal(isRetryable(new Error('bad input')), false);
    // Server-side apply of an object its schema does not declare: a 500 that repeats forever, so not retried.
    const undeclared = apiException(500, {
      kind: 'Status',
      status: 'Failure',
      reason: 'InternalError',
      code: 500,
      message:
        'failed to create typed patch object (ns/g; apps/v1, Kind=StatefulSet): .spec.template.spec.containers[name="cn"].env[name="A"].valueFrom.l39: field not declared in schema',
    });
    assert.equal(isRetryable(undeclared), false);
    assert.equal(isRetryable(undefined), false);
  });

  it('keeps a non-JSON body as the message and names the reason from the code', () => {
    assert.deepEqual(statusOf(apiException(503, 'upstream connect error')), {
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'upstream connect error',
    });
    assert.equal(statusOf(new Error('plain')), undefined);
    assert.equal(describeError(apiException(403, { reason: 'Forbidden', message: 'no' })), 'Forbidden (403): no');
  });
});
