import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  isLabelValue,
  LEADER_POD_LABEL,
  LeaderPodMarker,
  type LeaderPodMarkerOptions,
  leaderMarkChanges,
  markedPodNames,
  markPatch,
} from '../../../src/kube/leader-pod.js';
import type { KubeRequest } from '../../../src/kube/rest.js';
import { createLogger } from '../../../src/runtime/logging.js';

describe('leaderMarkChanges', () => {
  it('the leader marks its own pod and unmarks every other one', () => {
    assert.deepEqual(leaderMarkChanges('a', true, []), [{ pod: 'a', mark: true }]);
    assert.deepEqual(leaderMarkChanges('a', true, ['a']), []);
    assert.deepEqual(leaderMarkChanges('a', true, ['b', 'a', 'c']), [
      { pod: 'b', mark: false },
      { pod: 'c', mark: false },
    ]);
    assert.deepEqual(leaderMarkChanges('a', true, ['b']), [
      { pod: 'a', mark: true },
      { pod: 'b', mark: false },
    ]);
  });

  it("a follower unmarks only its own pod: the others are the leader's to sweep", () => {
    assert.deepEqual(leaderMarkChanges('a', false, ['a', 'b']), [{ pod: 'a', mark: false }]);
    assert.deepEqual(leaderMarkChanges('a', false, ['b']), []);
    assert.deepEqual(leaderMarkChanges('a', false, []), []);
  });
});

describe('the label patch and the list', () => {
  it("sets the label to the Lease's name and removes it with null (a merge patch)", () => {
    assert.deepEqual(markPatch(true, 'lease-a'), { metadata: { labels: { [LEADER_POD_LABEL]: 'lease-a' } } });
    assert.deepEqual(markPatch(false, 'lease-a'), { metadata: { labels: { [LEADER_POD_LABEL]: null } } });
  });

  it('takes a Lease name as the value only when it is a valid label value', () => {
    assert.ok(isLabelValue('cn-operator.starrocks.com'));
    assert.ok(!isLabelValue('-leading-dash'));
    assert.ok(!isLabelValue('a'.repeat(64)));
    assert.ok(isLabelValue('a'.repeat(63)));
  });

  it('reads the names of a metadata-only list, empty when the server sends items: null', () => {
    assert.deepEqual(markedPodNames({ items: [{ metadata: { name: 'm-1' } }, { metadata: { name: 'm-2' } }] }), [
      'm-1',
      'm-2',
    ]);
    assert.deepEqual(markedPodNames({ items: null }), []);
    assert.throws(() => markedPodNames({ kind: 'Status' }));
  });
});

/** The pods of one namespace and their leader label (pod -> value), answering the marker's list and merge patches. */
class PodLabels {
  readonly labels = new Map<string, string>();
  readonly writes: string[] = [];
  failing: Error | undefined;

  /** The pods labelled with `value`, sorted. */
  marked(value = LEASE): string[] {
    return [...this.labels]
      .filter(([, v]) => v === value)
      .map(([pod]) => pod)
      .sort();
  }

  request = (request: KubeRequest): Promise<unknown> => {
    if (this.failing !== undefined) return Promise.reject(this.failing);
    if (request.method === 'GET') {
      const [key, value] = String(request.query?.['labelSelector']).split('=');
      assert.equal(key, LEADER_POD_LABEL);
      return Promise.resolve({ items: this.marked(value).map((name) => ({ metadata: { name } })) });
    }
    assert.equal(request.method, 'PATCH');
    assert.equal(request.contentType, 'application/merge-patch+json');
    const pod = request.path.split('/').at(-1) ?? '';
    const value = (request.body as ReturnType<typeof markPatch>).metadata.labels[LEADER_POD_LABEL];
    if (value === null || value === undefined) this.labels.delete(pod);
    else this.labels.set(pod, value);
    this.writes.push(`${value === null ? 'unmark' : 'mark'} ${pod}`);
    return Promise.resolve({});
  };
}

const LEASE = 'cn-operator.starrocks.com';

/** The marker of pod `me` in namespace `ops`, for the Lease LEASE, on `pods`. */
function markerFor(
  pods: PodLabels,
  options: Pick<LeaderPodMarkerOptions, 'leading' | 'mayAct' | 'periodMs'>,
): LeaderPodMarker {
  return new LeaderPodMarker({ rest: pods, logger, namespace: 'ops', pod: 'me', leaseName: LEASE, ...options });
}

const logger = createLogger({ name: 'test', level: 'silent' });

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('LeaderPodMarker', () => {
  it('follows leadership: marks on leading, sweeps a stale mark, unmarks on stepping down and on shutdown', async () => {
    const pods = new PodLabels();
    pods.labels.set('old-leader', LEASE);
    let leading = false;
    const marker = markerFor(pods, { leading: () => leading, mayAct: () => true, periodMs: 60_000 });
    marker.start();
    await settle();
    assert.deepEqual(pods.writes, [], 'a follower leaves the other pods alone');
    pods.labels.set('other-install', 'another-lease');
    leading = true;
    marker.nudge();
    await settle();
    assert.deepEqual(pods.marked(), ['me']);
    assert.deepEqual(pods.writes, ['mark me', 'unmark old-leader']);
    leading = false;
    marker.nudge();
    await settle();
    assert.deepEqual(pods.marked(), []);
    leading = true;
    marker.nudge();
    await settle();
    assert.deepEqual(pods.marked(), ['me']);
    await marker.stop();
    assert.deepEqual(pods.marked(), [], 'shutdown takes the label off');
    marker.nudge();
    await settle();
    assert.deepEqual(pods.marked(), [], 'nothing after stop');
    assert.deepEqual(pods.marked('another-lease'), ['other-install'], "another install's leader is not swept");
  });

  it('the leader writes nothing while the fence refuses (a lease it may no longer hold)', async () => {
    const pods = new PodLabels();
    pods.labels.set('new-leader', LEASE);
    const marker = markerFor(pods, { leading: () => true, mayAct: () => false, periodMs: 60_000 });
    marker.start();
    await settle();
    assert.deepEqual(pods.writes, []);
    assert.deepEqual(pods.marked(), ['new-leader']);
    await marker.stop();
  });

  it('a failed round is retried on the next one', async () => {
    const pods = new PodLabels();
    pods.failing = new Error('connect ECONNREFUSED');
    const marker = markerFor(pods, { leading: () => true, mayAct: () => true, periodMs: 20 });
    marker.start();
    await settle();
    assert.deepEqual(pods.marked(), []);
    pods.failing = undefined;
    await new Promise((resolve) => setTimeout(resolve, 60));
    await settle();
    assert.deepEqual(pods.marked(), ['me']);
    await marker.stop();
  });
});
