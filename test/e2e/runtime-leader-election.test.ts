// Lease leader election against the real API server, with the real timings (lease 15 s, renew deadline 10 s,
// retry 2 s): exactly one of two electors leads; when the leader dies (its connection to the API server is gone)
// the other takes over within about 20 s and they never lead at the same time; an orderly stop hands over at once.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { freshNamespace, type TestNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { LeaderElector } from '../../src/kube/leader-election.js';
import { KubeRest } from '../../src/kube/rest.js';
import { createLogger } from '../../src/runtime/logging.js';
import { OperatorMetrics } from '../../src/runtime/metrics.js';
import { kubeConnection } from '../support/e2e.js';
import { proxiedConnection, type TcpProxy } from './runtime-tcp-proxy.js';

const logger = createLogger({ name: 'e2e-leader', level: 'silent' });

interface Candidate {
  elector: LeaderElector;
  metrics: OperatorMetrics;
  proxy: TcpProxy;
  rest: KubeRest;
  stoppedLeadingAt: number | undefined;
  run: Promise<void>;
}

async function candidate(namespace: string, leaseName: string, identity: string): Promise<Candidate> {
  const { proxy, connection } = await proxiedConnection(await kubeConnection());
  const rest = new KubeRest(connection, { requestTimeoutMs: 5000 });
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const self: Partial<Candidate> = { proxy, rest, metrics, stoppedLeadingAt: undefined };
  self.elector = new LeaderElector({
    rest,
    namespace,
    name: leaseName,
    identity,
    logger,
    metrics,
    onStartedLeading: () => undefined,
    onStoppedLeading: () => {
      self.stoppedLeadingAt = Date.now();
    },
  });
  self.run = self.elector.run();
  return self as Candidate;
}

async function masterStatus(metrics: OperatorMetrics): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'leader_election_master_status');
  return metric?.values[0]?.value;
}

describe('leader election on a real Lease', () => {
  let testNamespace: TestNamespace;
  const candidates: Candidate[] = [];

  before(async () => {
    testNamespace = await freshNamespace('runtime-leader');
  });

  after(async () => {
    for (const c of candidates) {
      await c.elector.stop();
      c.rest.close();
      await c.proxy.stop();
    }
    await testNamespace.delete();
  });

  it('one of two replicas leads; when it dies the other takes over within about 20 s, never both', async () => {
    const namespace = testNamespace.name;
    const a = await candidate(namespace, 'crash-test', 'replica-a');
    candidates.push(a);
    await waitFor(() => Promise.resolve(a.elector.isLeader()), { description: 'replica-a leads', timeoutMs: 15_000 });
    const b = await candidate(namespace, 'crash-test', 'replica-b');
    candidates.push(b);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.equal(b.elector.isLeader(), false, 'the second replica waits while the first renews');
    assert.equal(await masterStatus(a.metrics), 1);
    assert.equal(await masterStatus(b.metrics), 0);

    // The leader "dies": its API server connection is gone for good (a crashed process renews nothing).
    const diedAt = Date.now();
    a.proxy.setRefusing(true);
    a.proxy.cutAll();
    let overlap = false;
    const takeover = await waitFor(
      () => {
        if (a.elector.isLeader() && b.elector.isLeader()) overlap = true;
        return Promise.resolve(b.elector.isLeader() ? Date.now() : undefined);
      },
      { description: 'replica-b takes over', timeoutMs: 30_000, intervalMs: 100 },
    );
    const handoverSeconds = (takeover - diedAt) / 1000;
    assert.equal(overlap, false, 'never two leaders');
    assert.ok(a.stoppedLeadingAt !== undefined && a.stoppedLeadingAt <= takeover, 'the old leader stepped down first');
    assert.ok(handoverSeconds <= 22, `handover took ${handoverSeconds} s`);
    console.log(`# leader handover after the leader died: ${handoverSeconds.toFixed(1)} s`);
    assert.equal(await masterStatus(a.metrics), 0);
    assert.equal(await masterStatus(b.metrics), 1);
  });

  it('an orderly stop releases the lease and the other replica leads within a few seconds', async () => {
    const namespace = testNamespace.name;
    const a = await candidate(namespace, 'release-test', 'replica-a');
    candidates.push(a);
    await waitFor(() => Promise.resolve(a.elector.isLeader()), { description: 'replica-a leads', timeoutMs: 15_000 });
    const b = await candidate(namespace, 'release-test', 'replica-b');
    candidates.push(b);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const stoppedAt = Date.now();
    await a.elector.stop();
    await a.run;
    const takeover = await waitFor(() => Promise.resolve(b.elector.isLeader() ? Date.now() : undefined), {
      description: 'replica-b takes over the released lease',
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    const seconds = (takeover - stoppedAt) / 1000;
    console.log(`# leader handover after an orderly stop: ${seconds.toFixed(1)} s`);
    assert.ok(seconds <= 5, `handover took ${seconds} s`);
  });
});
