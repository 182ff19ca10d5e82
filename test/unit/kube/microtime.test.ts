import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { formatMicroTime, formatTime, parseKubeTime } from '../../../src/kube/microtime.js';

describe('MicroTime', () => {
  it('has exactly six fraction digits, as the API server requires for Lease and Event times', () => {
    const text = formatMicroTime(new Date(Date.UTC(2026, 10, 24, 21, 1, 10, 123)));
    assert.equal(text, '2026-11-24T21:01:10.123000Z');
    assert.match(formatMicroTime(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('formats metav1.Time in whole seconds and parses both forms', () => {
    const date = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 999));
    assert.equal(formatTime(date), '2026-01-02T03:04:05Z');
    assert.equal(parseKubeTime('2026-01-02T03:04:05.999000Z'), date.getTime());
    assert.equal(parseKubeTime('yesterday'), undefined);
    assert.equal(parseKubeTime(undefined), undefined);
  });
});
