import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PerKeyExponentialBackoff, ReconnectBackoff, exponentialDelay } from '../../../src/runtime/backoff.js';

describe('PerKeyExponentialBackoff', () => {
  it('doubles from 5 ms per failure of the same key and caps at 1000 s', () => {
    const backoff = new PerKeyExponentialBackoff();
    const delays = Array.from({ length: 5 }, () => backoff.when('ns/a'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80]);
    for (let i = 0; i < 40; i++) backoff.when('ns/a');
    assert.equal(backoff.when('ns/a'), 1_000_000);
  });

  it('tracks keys independently and restarts from the base delay after forget', () => {
    const backoff = new PerKeyExponentialBackoff();
    backoff.when('ns/a');
    backoff.when('ns/a');
    assert.equal(backoff.when('ns/b'), 5);
    assert.equal(backoff.retries('ns/a'), 2);
    backoff.forget('ns/a');
    assert.equal(backoff.retries('ns/a'), 0);
    assert.equal(backoff.when('ns/a'), 5);
  });

  it('never overflows for huge failure counts', () => {
    assert.equal(exponentialDelay(5, 1000, 5000), 1000);
  });
});

describe('ReconnectBackoff', () => {
  it('grows from 1 s to a 30 s ceiling with the jitter factor applied', () => {
    const backoff = new ReconnectBackoff({ random: () => 0.5 });
    const delays = Array.from({ length: 8 }, () => backoff.next());
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('spreads delays by the random source but stays within [1 s, 30 s]', () => {
    const low = new ReconnectBackoff({ random: () => 0 });
    const high = new ReconnectBackoff({ random: () => 0.9 });
    assert.equal(low.next(), 1000);
    assert.equal(low.next(), 1500);
    assert.equal(high.next(), 1200);
    for (let i = 0; i < 10; i++) assert.ok(high.next() <= 30_000);
  });

  it('starts over after reset', () => {
    const backoff = new ReconnectBackoff({ random: () => 0.5 });
    backoff.next();
    backoff.next();
    assert.equal(backoff.failures, 2);
    backoff.reset();
    assert.equal(backoff.next(), 1000);
  });
});
