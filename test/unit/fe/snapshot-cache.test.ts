import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FeError,
  FeSnapshotCache,
  UNSUPPORTED_RECHECK_MS,
  feCacheKey,
  type ComputeNodeRecord,
  type QueryQueue,
  type SnapshotSource,
} from '../../../src/fe/index.js';

interface TestSource extends SnapshotSource {
  calls: number;
  queueCalls: number;
  queueAnswer: QueryQueue | Error;
  release: () => void;
  fail: boolean;
}

const EMPTY_QUEUE: QueryQueue = { running: 0, pending: 0, slots: { running: 0, pending: 0 } };

function source(key = 'fe|root'): TestSource {
  let release: () => void = () => undefined;
  const state: TestSource = {
    cacheKey: key,
    calls: 0,
    queueCalls: 0,
    queueAnswer: EMPTY_QUEUE,
    fail: false,
    release: () => {
      release();
    },
    showComputeNodes: async (): Promise<ComputeNodeRecord[]> => {
      state.calls += 1;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      if (state.fail) throw new Error('FE down');
      return [];
    },
    showRunningQueries: (): Promise<QueryQueue> => {
      state.queueCalls += 1;
      return state.queueAnswer instanceof Error
        ? Promise.reject(state.queueAnswer)
        : Promise.resolve(state.queueAnswer);
    },
  };
  return state;
}

describe('FeSnapshotCache', () => {
  it('two callers at once share one query', async () => {
    const cache = new FeSnapshotCache({ periodMs: 1000 });
    const fe = source();
    const first = cache.get(fe);
    const second = cache.get(fe);
    await Promise.resolve();
    fe.release();
    assert.equal(await first, await second);
    assert.equal(fe.calls, 1);
  });

  it('reuses a snapshot within the period and refreshes after it', async () => {
    let now = 0;
    const cache = new FeSnapshotCache({ periodMs: 1000, now: () => now });
    const fe = source();
    const load = async (): Promise<void> => {
      const pending = cache.get(fe);
      await Promise.resolve();
      fe.release();
      await pending;
    };
    await load();
    now = 999;
    await cache.get(fe);
    assert.equal(fe.calls, 1);
    now = 1000;
    await load();
    assert.equal(fe.calls, 2);
  });

  it('serves callers who need a fresher view at most one read per maxAgeMs, whatever their number', async () => {
    let now = 0;
    const cache = new FeSnapshotCache({ periodMs: 15_000, now: () => now });
    const fe = source();
    const load = async (maxAgeMs?: number): Promise<void> => {
      const pending = cache.get(fe, maxAgeMs);
      await Promise.resolve();
      fe.release();
      await pending;
    };
    await load();
    now = 999;
    for (let caller = 0; caller < 5; caller++) await cache.get(fe, 1000);
    assert.equal(fe.calls, 1, 'a 999 ms old snapshot is fresh enough for maxAgeMs 1000');
    now = 1000;
    await load(1000);
    assert.equal(fe.calls, 2);
    now = 5000;
    await cache.get(fe);
    assert.equal(fe.calls, 2, 'an ordinary caller still takes a snapshot within the period');
  });

  it('does not cache failures', async () => {
    const cache = new FeSnapshotCache({ periodMs: 1000 });
    const fe = source();
    fe.fail = true;
    const failing = cache.get(fe);
    await Promise.resolve();
    fe.release();
    await assert.rejects(failing, /FE down/);
    fe.fail = false;
    const next = cache.get(fe);
    await Promise.resolve();
    fe.release();
    await next;
    assert.equal(fe.calls, 2);
  });

  it('invalidate forces the next read to query', async () => {
    const cache = new FeSnapshotCache({ periodMs: 60_000 });
    const fe = source();
    const first = cache.get(fe);
    await Promise.resolve();
    fe.release();
    await first;
    cache.invalidate(fe.cacheKey);
    const second = cache.get(fe);
    await Promise.resolve();
    fe.release();
    await second;
    assert.equal(fe.calls, 2);
  });

  it('keys by sorted FE addresses and user', () => {
    assert.equal(feCacheKey(['b:1', 'a:1'], 'root'), feCacheKey(['a:1', 'b:1'], 'root'));
    assert.notEqual(feCacheKey(['a:1'], 'root'), feCacheKey(['a:1'], 'other'));
  });

  it('refuses a negative period', () => {
    assert.throws(() => new FeSnapshotCache({ periodMs: -1 }), /periodMs/);
  });

  it('reads the queue once per snapshot, beside the nodes', async () => {
    let now = 0;
    const cache = new FeSnapshotCache({ periodMs: 1000, now: () => now });
    const fe = source();
    fe.queueAnswer = { running: 2, pending: 5, slots: { running: 2, pending: 5 } };
    const read = cache.get(fe);
    await Promise.resolve();
    fe.release();
    const snapshot = await read;
    assert.deepEqual(snapshot.queue, { kind: 'Read', queue: fe.queueAnswer });
    now = 500;
    await cache.get(fe);
    assert.equal(fe.queueCalls, 1);
  });

  it('remembers an FE that refuses SHOW RUNNING QUERIES, and asks again after a while', async () => {
    let now = 0;
    const cache = new FeSnapshotCache({ periodMs: 1000, now: () => now });
    const fe = source();
    const refusal = "Getting syntax error at line 1, column 5. Detail message: Unexpected input 'RUNNING'";
    fe.queueAnswer = new FeError('Unknown', 'refused', { feMessage: refusal, feAddress: 'fe:9030' });
    const load = async (): Promise<void> => {
      const pending = cache.get(fe);
      await Promise.resolve();
      fe.release();
      const snapshot = await pending;
      assert.deepEqual(snapshot.queue, { kind: 'Unsupported', message: refusal });
    };
    await load();
    now = 2000;
    await load();
    assert.equal(fe.queueCalls, 1, 'not asked again within the recheck time');
    now = 2000 + UNSUPPORTED_RECHECK_MS;
    await load();
    assert.equal(fe.queueCalls, 2);
  });

  it('an FE error other than a syntax error is this read failing, not an old version', async () => {
    const cache = new FeSnapshotCache({ periodMs: 1000 });
    const fe = source();
    fe.queueAnswer = new FeError('Unknown', 'refused', { feMessage: 'Too many connections', feAddress: 'fe:9030' });
    const read = cache.get(fe);
    await Promise.resolve();
    fe.release();
    assert.equal((await read).queue.kind, 'Failed');
  });

  it('a queue read without an answer fails alone: the nodes are kept', async () => {
    const cache = new FeSnapshotCache({ periodMs: 1000 });
    const fe = source();
    fe.queueAnswer = new FeError('Timeout', 'FE fe:9030: timed out (ETIMEDOUT)');
    const read = cache.get(fe);
    await Promise.resolve();
    fe.release();
    const snapshot = await read;
    assert.deepEqual(snapshot.nodes, []);
    assert.equal(snapshot.queue.kind, 'Failed');
  });
});
