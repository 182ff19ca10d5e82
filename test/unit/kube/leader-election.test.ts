import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { KubeApiError, statusFromResponse } from '../../../src/kube/errors.js';
import { LeaderElector } from '../../../src/kube/leader-election.js';
import { decideLease, leaseRecordOf, nextLeaseRecord, type LeaseRecord } from '../../../src/kube/lease-decision.js';
import type { KubeRequest } from '../../../src/kube/rest.js';
import { createLogger } from '../../../src/runtime/logging.js';
import { OperatorMetrics } from '../../../src/runtime/metrics.js';
import { ManualClock, flush } from '../runtime/manual-clock.js';

const held = (holder: string): LeaseRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: '2026-11-24T21:00:00.000000Z',
  renewTime: '2026-11-24T21:00:10.000000Z',
  leaseTransitions: 2,
});

describe('decideLease', () => {
  it('acquires a missing or released lease, renews its own, waits for a live foreign one', () => {
    assert.equal(decideLease(undefined, 0, 0, 'me'), 'acquire');
    assert.equal(decideLease({ ...held(''), leaseDurationSeconds: 1 }, 0, 0, 'me'), 'acquire');
    assert.equal(decideLease(held('me'), 0, 0, 'me'), 'renew');
    assert.equal(decideLease(held('other'), 1000, 15_999, 'me'), 'wait');
    assert.equal(decideLease(held('other'), 1000, 16_000, 'me'), 'acquire');
  });

  it('counts a transition only when the holder changes and writes six-digit MicroTimes', () => {
    const now = '2026-11-24T21:00:30.123000Z';
    assert.deepEqual(nextLeaseRecord(held('other'), 'acquire', 'me', 15, now), {
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 3,
    });
    const renewed = nextLeaseRecord(held('me'), 'renew', 'me', 15, now);
    assert.equal(renewed.acquireTime, '2026-11-24T21:00:00.000000Z');
    assert.equal(renewed.leaseTransitions, 2);
    assert.equal(nextLeaseRecord(undefined, 'acquire', 'me', 15, now).leaseTransitions, 0);
    assert.match(renewed.renewTime ?? '', /\.\d{6}Z$/);
  });

  it('reads a Lease object', () => {
    assert.deepEqual(leaseRecordOf({ spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } }), {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: undefined,
      renewTime: undefined,
      leaseTransitions: 0,
    });
    assert.equal(leaseRecordOf({}), undefined);
  });
});

/** One Lease with optimistic concurrency, as the API server keeps it; `down` makes every request fail. */
class LeaseStore {
  lease: { metadata: { resourceVersion: string }; spec: LeaseRecord } | undefined;
  version = 0;
  down = new Set<string>();

  client(identity: string): { request(request: KubeRequest): Promise<unknown> } {
    return {
      request: (request) => {
        if (this.down.has(identity)) return Promise.reject(new Error('connect ECONNREFUSED'));
        return Promise.resolve(this.handle(request));
      },
    };
  }

  private handle(request: KubeRequest): unknown {
    const fail = (code: number, reason: string): never => {
      throw new KubeApiError(request.method, request.path, statusFromResponse(code, { reason, message: reason }));
    };
    if (request.method === 'GET') return this.lease ?? fail(404, 'NotFound');
    const body = request.body as { metadata: { resourceVersion?: string }; spec: LeaseRecord };
    if (request.method === 'POST' && this.lease) fail(409, 'AlreadyExists');
    if (request.method === 'PUT' && body.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
      fail(409, 'Conflict');
    }
    this.version += 1;
    this.lease = { metadata: { resourceVersion: String(this.version) }, spec: structuredClone(body.spec) };
    return this.lease;
  }
}

function elector(store: LeaseStore, clock: ManualClock, identity: string, metrics?: OperatorMetrics) {
  const state = { started: 0, stopped: 0, reasons: [] as string[] };
  const instance = new LeaderElector({
    rest: store.client(identity),
    namespace: 'ops',
    name: 'cn-operator',
    identity,
    clock,
    random: () => 0,
    metrics,
    logger: createLogger({ name: 'test', level: 'silent' }),
    onStartedLeading: () => (state.started += 1),
    onStoppedLeading: (reason) => {
      state.stopped += 1;
      state.reasons.push(reason);
    },
  });
  return { instance, state, done: instance.run() };
}

async function advance(clock: ManualClock, ms: number, step = 500): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await flush();
  }
}

describe('LeaderElector', () => {
  it('elects exactly one of two replicas and reports it in leader_election_master_status', async () => {
    const store = new LeaseStore();
    const clock = new ManualClock();
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const a = elector(store, clock, 'a', metrics);
    await flush();
    const b = elector(store, clock, 'b');
    await advance(clock, 30_000);
    assert.equal(a.instance.isLeader(), true);
    assert.equal(b.instance.isLeader(), false);
    const lease = store.lease;
    assert.equal(lease?.spec.holderIdentity, 'a');
    assert.match(lease.spec.renewTime ?? '', /\.\d{6}Z$/);
    const gauge = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'leader_election_master_status');
    assert.equal(gauge?.values[0]?.value, 1);
    await a.instance.stop();
    await b.instance.stop();
  });

  it('hands over within one retry period when the leader stops and releases', async () => {
    const store = new LeaseStore();
    const clock = new ManualClock();
    const a = elector(store, clock, 'a');
    await flush();
    const b = elector(store, clock, 'b');
    await advance(clock, 4000);
    await a.instance.stop();
    await a.done;
    assert.deepEqual(a.state.reasons, ['released']);
    await advance(clock, 3000);
    assert.equal(b.instance.isLeader(), true);
    assert.equal(store.lease?.spec.leaseTransitions, 1);
    await b.instance.stop();
  });

  it('a leader cut off from the API server steps down before a follower can take over', async () => {
    const store = new LeaseStore();
    const clock = new ManualClock();
    const a = elector(store, clock, 'a');
    await flush();
    const b = elector(store, clock, 'b');
    await advance(clock, 4000);
    assert.equal(a.instance.isLeader(), true);
    store.down.add('a');
    let overlap = false;
    for (let t = 0; t < 30_000; t += 250) {
      clock.advance(250);
      await flush();
      if (a.instance.isLeader() && b.instance.isLeader()) overlap = true;
    }
    assert.equal(overlap, false, 'never two leaders');
    assert.equal(a.instance.isLeader(), false);
    assert.deepEqual(a.state.reasons, ['lost'], 'the old leader was told it lost the lease');
    assert.equal(b.instance.isLeader(), true, 'the follower took over');
    await b.instance.stop();
  });

  it('a leader paused past its renew deadline may not write until a round renews the lease', async () => {
    const store = new LeaseStore();
    const clock = new ManualClock();
    const a = elector(store, clock, 'a');
    await advance(clock, 4000);
    assert.equal(a.instance.mayAct(), true);
    // A pause (SIGSTOP, a frozen VM): the clock jumps, the due timers fire, but no round has answered yet.
    clock.advance(10_000);
    assert.equal(a.instance.isLeader(), true, 'the renew loop has not noticed yet');
    assert.equal(a.instance.mayAct(), false, 'writes are refused before the loop notices');
    await flush();
    assert.equal(a.instance.mayAct(), true, 'nobody took over: the next round renewed and writes go through again');

    // The same pause while another replica took the lease: it never may write again in this term.
    const b = elector(store, clock, 'b');
    store.down.add('a');
    await advance(clock, 20_000);
    assert.equal(b.instance.isLeader(), true);
    assert.equal(a.instance.mayAct(), false);
    store.down.delete('a');
    await advance(clock, 4000);
    assert.equal(a.instance.isLeader(), false);
    assert.equal(a.instance.mayAct(), false);
    assert.equal(b.instance.mayAct(), true);
    await b.instance.stop();
  });

  it('refuses timings that cannot be safe', () => {
    const store = new LeaseStore();
    assert.throws(
      () =>
        new LeaderElector({
          rest: store.client('x'),
          namespace: 'ops',
          name: 'l',
          logger: createLogger({ name: 'test', level: 'silent' }),
          renewDeadlineMs: 20_000,
          onStartedLeading: () => undefined,
          onStoppedLeading: () => undefined,
        }),
      /retryPeriod < renewDeadline < leaseDuration/,
    );
  });
});
