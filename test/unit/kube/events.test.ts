import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { EventAggregator, type EventInput } from '../../../src/kube/event-aggregator.js';
import { EventRecorder, newEventBody } from '../../../src/kube/events.js';
import type { KubeRequest } from '../../../src/kube/rest.js';
import { createLogger } from '../../../src/runtime/logging.js';

const input: EventInput = {
  subject: { apiVersion: 'starrocks.com/v1alpha1', kind: 'ComputeNodeGroup', name: 'cn', namespace: 'ns', uid: 'u-1' },
  type: 'Warning',
  reason: 'FEUnreachable',
  action: 'ShowComputeNodes',
  note: 'connect ETIMEDOUT 10.0.0.1:9030',
};

describe('EventAggregator', () => {
  it('creates one Event, then counts repeats into its series at most every 30 s', () => {
    const aggregator = new EventAggregator();
    const t0 = 1_000_000;
    const first = aggregator.observe(input, t0);
    assert.equal(first.kind, 'create');
    aggregator.created(first.key, 'cn.abc');
    assert.deepEqual(aggregator.observe(input, t0 + 1000), { kind: 'defer', key: first.key, retryInMs: 29_000 });
    assert.equal(aggregator.observe(input, t0 + 2000).kind, 'defer');
    assert.deepEqual(aggregator.flush(first.key, t0 + 30_000), {
      kind: 'update',
      key: first.key,
      eventName: 'cn.abc',
      count: 3,
      lastObserved: t0 + 2000,
    });
    aggregator.updated(first.key, 3, t0 + 30_000);
    assert.equal(aggregator.flush(first.key, t0 + 90_000), undefined, 'nothing new to write');
    assert.deepEqual(aggregator.observe(input, t0 + 61_000), {
      kind: 'update',
      key: first.key,
      eventName: 'cn.abc',
      count: 4,
      lastObserved: t0 + 61_000,
    });
  });

  it('never creates a second Event while the first create is in flight', () => {
    const aggregator = new EventAggregator();
    assert.equal(aggregator.observe(input, 0).kind, 'create');
    assert.equal(aggregator.observe(input, 1).kind, 'defer');
  });

  it('starts a new Event for another reason, message or object, and after the window', () => {
    const aggregator = new EventAggregator({ windowMs: 600_000 });
    const first = aggregator.observe(input, 0);
    aggregator.created(first.key, 'cn.1');
    assert.equal(aggregator.observe({ ...input, note: 'other message' }, 1).kind, 'create');
    assert.equal(aggregator.observe({ ...input, reason: 'Other' }, 1).kind, 'create');
    assert.equal(aggregator.observe({ ...input, subject: { ...input.subject, uid: 'u-2' } }, 1).kind, 'create');
    assert.equal(aggregator.observe(input, 600_001).kind, 'create');
  });

  it('retries a create that failed on the next occurrence', () => {
    const aggregator = new EventAggregator();
    const first = aggregator.observe(input, 0);
    aggregator.failed(first.key);
    assert.equal(aggregator.observe(input, 1).kind, 'create');
  });

  it('forgets the oldest series beyond its size limit', () => {
    const aggregator = new EventAggregator({ maxSeries: 2 });
    for (const note of ['a', 'b', 'c']) {
      const decision = aggregator.observe({ ...input, note }, 0);
      aggregator.created(decision.key, note);
    }
    assert.equal(aggregator.observe({ ...input, note: 'a' }, 1).kind, 'create');
    assert.equal(aggregator.observe({ ...input, note: 'c' }, 1).kind, 'defer');
  });
});

describe('newEventBody', () => {
  it('builds an events.k8s.io/v1 Event with a six-digit MicroTime and a bounded note', () => {
    const body = newEventBody(
      { ...input, note: 'x'.repeat(2000) },
      'cn.1',
      new Date(Date.UTC(2026, 10, 24, 21, 0, 0, 5)),
      'starrocks.com/cn-operator',
      'manager-0',
    ) as Record<string, unknown>;
    assert.equal(body['eventTime'], '2026-11-24T21:00:00.005000Z');
    assert.equal(body['apiVersion'], 'events.k8s.io/v1');
    assert.deepEqual(body['regarding'], {
      apiVersion: 'starrocks.com/v1alpha1',
      kind: 'ComputeNodeGroup',
      name: 'cn',
      namespace: 'ns',
      uid: 'u-1',
    });
    assert.equal(Buffer.byteLength(String(body['note'])), 1024);
    assert.match(String(body['note']), /\.\.\.$/);
  });
});

describe('EventRecorder', () => {
  it('creates once, then writes series counts in order, one write at a time', async () => {
    const writes: string[] = [];
    let open = 0;
    let maxOpen = 0;
    const rest = {
      async request(request: KubeRequest): Promise<unknown> {
        open += 1;
        maxOpen = Math.max(maxOpen, open);
        await new Promise((resolve) => setTimeout(resolve, 5));
        open -= 1;
        const body = request.body as { series?: { count: number } };
        writes.push(request.method === 'POST' ? 'create' : `count ${body.series?.count ?? '?'}`);
        return {};
      },
    };
    const recorder = new EventRecorder({
      rest,
      logger: createLogger({ name: 'test', level: 'silent' }),
      controller: 'c',
      instance: 'i',
      minUpdateIntervalMs: 0,
    });
    for (let i = 0; i < 4; i++) recorder.record(input);
    await recorder.flush();
    recorder.record(input);
    await recorder.flush();
    assert.equal(maxOpen, 1);
    assert.deepEqual(writes, ['create', 'count 4', 'count 5']);
  });
});
