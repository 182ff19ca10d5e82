import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { Controller, splitKey, type ReconcileResult } from '../../../src/runtime/controller.js';
import { createLogger } from '../../../src/runtime/logging.js';
import { OperatorMetrics } from '../../../src/runtime/metrics.js';
import { ManualClock, flush } from './manual-clock.js';

interface Deferred {
  promise: Promise<ReconcileResult>;
  resolve: (result: ReconcileResult) => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve!: (result: ReconcileResult) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<ReconcileResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function settle(pending: { done: Deferred }[], index: number): Deferred {
  const entry = pending[index];
  if (!entry) throw new Error(`no reconcile #${index} is running`);
  return entry.done;
}

/** A controller whose reconciles block until the test settles them, recording what ran concurrently. */
function harness(workers: number) {
  const clock = new ManualClock();
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const logStream = new PassThrough();
  const logLines: Record<string, unknown>[] = [];
  logStream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n'))
      if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const pending: { key: string; done: Deferred }[] = [];
  let inFlight = new Map<string, number>();
  let maxSameKey = 0;
  let maxParallel = 0;
  const controller = new Controller({
    name: 'test',
    maxConcurrentReconciles: workers,
    clock,
    metrics,
    logger: createLogger({ name: 'test', level: 'info', destination: logStream }),
    reconcile: async (key) => {
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      maxSameKey = Math.max(maxSameKey, ...inFlight.values());
      maxParallel = Math.max(
        maxParallel,
        [...inFlight.values()].reduce((a, b) => a + b, 0),
      );
      const done = deferred();
      pending.push({ key, done });
      try {
        return await done.promise;
      } finally {
        inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
        inFlight = new Map([...inFlight].filter(([, count]) => count > 0));
      }
    },
  });
  return {
    clock,
    metrics,
    controller,
    pending,
    logLines,
    stats: () => ({ maxSameKey, maxParallel }),
    async metricValue(name: string, labels: Record<string, string>): Promise<number | undefined> {
      const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
      const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
      return value?.value;
    },
  };
}

describe('Controller', () => {
  it('never reconciles one key twice at once, and reconciles it again after a change during processing', async () => {
    const h = harness(4);
    h.controller.start();
    h.controller.enqueue('ns/a');
    await flush();
    assert.equal(h.pending.length, 1);
    h.controller.enqueue('ns/a');
    h.controller.enqueue('ns/a');
    await flush();
    assert.equal(h.pending.length, 1, 'the re-added key waits for the running reconcile');
    settle(h.pending, 0).resolve({});
    await flush();
    assert.equal(h.pending.length, 2, 'then runs exactly once more');
    settle(h.pending, 1).resolve({});
    await flush();
    assert.equal(h.pending.length, 2);
    assert.equal(h.stats().maxSameKey, 1);
    await h.controller.stop(1000);
  });

  it('reconciles different keys in parallel up to the worker count', async () => {
    const h = harness(2);
    h.controller.start();
    for (const key of ['ns/a', 'ns/b', 'ns/c']) h.controller.enqueue(key);
    await flush();
    assert.deepEqual(
      h.pending.map((p) => p.key),
      ['ns/a', 'ns/b'],
    );
    assert.equal(await h.metricValue('controller_runtime_active_workers', { controller: 'test' }), 2);
    assert.equal(await h.metricValue('controller_runtime_max_concurrent_reconciles', { controller: 'test' }), 2);
    settle(h.pending, 0).resolve({});
    await flush();
    assert.equal(h.pending[2]?.key, 'ns/c');
    settle(h.pending, 1).resolve({});
    settle(h.pending, 2).resolve({});
    await h.controller.stop(1000);
    assert.equal(h.stats().maxParallel, 2);
  });

  it('retries a failing key with growing backoff, counts and logs the error with the reconcile context', async () => {
    const h = harness(1);
    h.controller.start();
    h.controller.enqueue('ns/a');
    await flush();
    settle(h.pending, 0).reject(new Error('fe unreachable'));
    await flush();
    assert.equal(h.pending.length, 1, 'not retried before the backoff passes');
    h.clock.advance(5);
    await flush();
    assert.equal(h.pending.length, 2, 'retried after 5 ms');
    settle(h.pending, 1).reject(new Error('fe unreachable'));
    await flush();
    h.clock.advance(9);
    await flush();
    assert.equal(h.pending.length, 2, 'second retry waits 10 ms');
    h.clock.advance(1);
    await flush();
    assert.equal(h.pending.length, 3);
    settle(h.pending, 2).resolve({});
    await flush();
    assert.equal(h.controller.queue.numRequeues('ns/a'), 0, 'success forgets the backoff');
    assert.equal(await h.metricValue('controller_runtime_reconcile_errors_total', { controller: 'test' }), 2);
    assert.equal(await h.metricValue('controller_runtime_reconcile_total', { controller: 'test', result: 'error' }), 2);
    assert.equal(
      await h.metricValue('controller_runtime_reconcile_total', { controller: 'test', result: 'success' }),
      1,
    );
    assert.equal(await h.metricValue('workqueue_retries_total', { name: 'test' }), 2);
    const errorLine = h.logLines.find((line) => line['msg'] === 'reconciler error');
    assert.ok(errorLine, 'the error is logged');
    assert.equal(errorLine['controller'], 'test');
    assert.equal(errorLine['namespace'], 'ns');
    assert.equal(errorLine['name'], 'a');
    assert.match(String(errorLine['reconcileID']), /^[0-9a-f-]{36}$/);
    await h.controller.stop(1000);
  });

  it('exports its counters at 0 from the start, as controller-runtime and client-go do, so a rate reads 0', async () => {
    const h = harness(1);
    h.controller.start();
    assert.equal(await h.metricValue('controller_runtime_reconcile_errors_total', { controller: 'test' }), 0);
    for (const result of ['success', 'error', 'requeue_after']) {
      assert.equal(await h.metricValue('controller_runtime_reconcile_total', { controller: 'test', result }), 0);
    }
    assert.equal(await h.metricValue('workqueue_retries_total', { name: 'test' }), 0);
    assert.equal(await h.metricValue('workqueue_adds_total', { name: 'test' }), 0);
    await h.controller.stop(1000);
  });

  it('requeues after the requested delay on success', async () => {
    const h = harness(1);
    h.controller.start();
    h.controller.enqueue('ns/a');
    await flush();
    settle(h.pending, 0).resolve({ requeueAfterMs: 30_000 });
    await flush();
    h.clock.advance(29_999);
    await flush();
    assert.equal(h.pending.length, 1);
    h.clock.advance(1);
    await flush();
    assert.equal(h.pending.length, 2);
    assert.equal(
      await h.metricValue('controller_runtime_reconcile_total', { controller: 'test', result: 'requeue_after' }),
      1,
    );
    settle(h.pending, 1).resolve({});
    await h.controller.stop(1000);
  });

  it('stop waits for the running reconcile and aborts its signal', async () => {
    const h = harness(1);
    let signal: AbortSignal | undefined;
    const blocker = deferred();
    const controller = new Controller({
      name: 'stopper',
      logger: createLogger({ name: 'test', level: 'silent' }),
      clock: h.clock,
      reconcile: (_key, context) => {
        signal = context.signal;
        return blocker.promise;
      },
    });
    controller.start();
    controller.enqueue('ns/a');
    await flush();
    let stopped: boolean | undefined;
    void controller.stop(5000).then((result) => (stopped = result));
    await flush();
    assert.equal(signal?.aborted, true);
    assert.equal(stopped, undefined, 'still waiting for the reconcile');
    blocker.resolve({});
    await flush();
    assert.equal(stopped, true);
  });
});

describe('splitKey', () => {
  it('splits namespaced and cluster-scoped keys', () => {
    assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
    assert.deepEqual(splitKey('node-1'), { namespace: '', name: 'node-1' });
  });
});
