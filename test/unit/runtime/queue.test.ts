import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { WorkQueue, type WorkQueueMetricsSink } from '../../../src/runtime/queue.js';
import { ControllerRateLimiter } from '../../../src/runtime/rate-limiter.js';
import { ManualClock, flush } from './manual-clock.js';

function newQueue(clock = new ManualClock(), metrics?: WorkQueueMetricsSink): { queue: WorkQueue; clock: ManualClock } {
  return { queue: new WorkQueue({ clock, metrics, rateLimiter: new ControllerRateLimiter({ clock }) }), clock };
}

describe('WorkQueue', () => {
  it('hands out keys in order and stores a queued key only once', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    assert.equal(queue.len(), 2);
    assert.equal(await queue.get(), 'ns/a');
    assert.equal(await queue.get(), 'ns/b');
    assert.equal(queue.len(), 0);
  });

  it('never hands a key to a second worker while the first holds it; re-adds it after done', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    const first = await queue.get();
    assert.equal(first, 'ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    assert.equal(queue.len(), 0, 'a key being processed is marked dirty, not queued');
    let second: string | undefined;
    void queue.get().then((key) => (second = key));
    await flush();
    assert.equal(second, undefined, 'the second worker must wait');
    queue.done('ns/a');
    await flush();
    assert.equal(second, 'ns/a', 'the dirty key is processed once more after done');
    queue.done('ns/a');
    assert.equal(queue.len(), 0, 'and only once');
  });

  it('does not re-queue a key that was not re-added while processed', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.done((await queue.get()) ?? '');
    assert.equal(queue.len(), 0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const { queue } = newQueue();
    const pending = queue.get();
    queue.add('ns/a');
    assert.equal(await pending, 'ns/a');
  });

  it('adds a delayed key when its time comes and keeps the earliest deadline', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('ns/a', 5000);
    queue.addAfter('ns/a', 1000);
    queue.addAfter('ns/a', 9000);
    clock.advance(999);
    assert.equal(queue.len(), 0);
    clock.advance(1);
    assert.equal(queue.len(), 1);
    clock.advance(10_000);
    assert.equal(queue.len(), 1, 'the later deadlines were dropped, not kept as extra adds');
    assert.equal(await queue.get(), 'ns/a');
  });

  it('backs off a failing key exponentially and resets after forget', () => {
    const { queue, clock } = newQueue();
    queue.addRateLimited('ns/a');
    clock.advance(4);
    assert.equal(queue.len(), 0);
    clock.advance(1);
    assert.equal(queue.len(), 1);
    assert.equal(queue.numRequeues('ns/a'), 1);
    queue.addRateLimited('ns/b');
    queue.addRateLimited('ns/b');
    assert.equal(queue.numRequeues('ns/b'), 2);
    queue.forget('ns/b');
    assert.equal(queue.numRequeues('ns/b'), 0);
  });

  it('on shutdown releases waiting workers, drops queued and delayed keys and refuses new ones', async () => {
    const { queue, clock } = newQueue();
    const waiting = queue.get();
    queue.shutDown();
    assert.equal(await waiting, undefined);
    queue.add('ns/a');
    queue.addAfter('ns/b', 10);
    clock.advance(100);
    assert.equal(queue.len(), 0);
    assert.equal(await queue.get(), undefined);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('drain waits for keys in progress, and is bounded in time', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    const a = (await queue.get()) ?? '';
    let drained: boolean | undefined;
    void queue.shutDownWithDrain(30_000).then((result) => (drained = result));
    await flush();
    assert.equal(drained, undefined);
    queue.done(a);
    await flush();
    assert.equal(drained, true);
    assert.equal(queue.len(), 0, 'ns/b was dropped, not processed during shutdown');

    const other = newQueue();
    other.queue.add('ns/c');
    await other.queue.get();
    const result = other.queue.shutDownWithDrain(1000);
    other.clock.advance(1000);
    assert.equal(await result, false);
  });

  it('reports depth, adds, queue and work durations, retries and in-flight time', async () => {
    const seen = { depth: [] as number[], adds: 0, queued: [] as number[], worked: [] as number[], retries: 0 };
    const sink: WorkQueueMetricsSink = {
      depthChanged: (depth) => seen.depth.push(depth),
      added: () => (seen.adds += 1),
      queued: (seconds) => seen.queued.push(seconds),
      worked: (seconds) => seen.worked.push(seconds),
      retried: () => (seen.retries += 1),
    };
    const { queue, clock } = newQueue(new ManualClock(), sink);
    queue.add('ns/a');
    queue.add('ns/a');
    clock.advance(2000);
    const key = (await queue.get()) ?? '';
    clock.advance(3000);
    assert.deepEqual(queue.inFlight(), { unfinishedSeconds: 3, longestRunningSeconds: 3 });
    queue.done(key);
    queue.addRateLimited('ns/a');
    assert.equal(seen.adds, 1);
    assert.deepEqual(seen.queued, [2]);
    assert.deepEqual(seen.worked, [3]);
    assert.equal(seen.retries, 1);
    assert.deepEqual(seen.depth, [1, 0]);
  });
});
