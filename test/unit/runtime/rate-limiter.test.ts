import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ControllerRateLimiter, TokenBucket } from '../../../src/runtime/rate-limiter.js';
import { ManualClock } from './manual-clock.js';

describe('TokenBucket', () => {
  it('grants the burst at once, then one token per 1/qps seconds', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ qps: 10, burst: 100, clock });
    for (let i = 0; i < 100; i++) assert.equal(bucket.reserve(), 0);
    assert.equal(bucket.reserve(), 100);
    assert.equal(bucket.reserve(), 200);
    clock.advance(1000);
    // 10 tokens refilled, 2 were already promised: 8 free, the 9th waits.
    for (let i = 0; i < 8; i++) assert.equal(bucket.reserve(), 0);
    assert.equal(bucket.reserve(), 100);
  });

  it('never holds more than the burst after a long idle time', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ qps: 10, burst: 3, clock });
    clock.advance(3_600_000);
    assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 0, 100]);
  });

  it('rejects a configuration that could never grant a token', () => {
    assert.throws(() => new TokenBucket({ qps: 0 }), /qps > 0/);
  });
});

describe('ControllerRateLimiter', () => {
  it('returns the per-key delay while the bucket has tokens', () => {
    const limiter = new ControllerRateLimiter({ clock: new ManualClock() });
    assert.deepEqual([limiter.when('a'), limiter.when('a'), limiter.when('a')], [5, 10, 20]);
    assert.equal(limiter.retries('a'), 3);
    limiter.forget('a');
    assert.equal(limiter.when('a'), 5);
  });

  it('returns the bucket delay when many keys fail at once', () => {
    const limiter = new ControllerRateLimiter({ clock: new ManualClock() });
    for (let i = 0; i < 100; i++) limiter.when(`key-${i}`);
    assert.equal(limiter.when('key-100'), 100);
  });
});
