import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CHILD_KINDS, type ChildKind } from '../../../src/builders/index.js';
import {
  KubeCluster,
  type ClusterCaches,
  type ObjectCache,
} from '../../../src/controllers/computenodegroup/cluster.js';
import { FeClient } from '../../../src/fe/client.js';
import { isReadStatement, SHOW_COMPUTE_NODES } from '../../../src/fe/sql.js';
import { SHOW_RUNNING_QUERIES } from '../../../src/fe/running-queries.js';
import { fenceWrites } from '../../../src/kube/fenced-rest.js';
import type { KubeRequest } from '../../../src/kube/rest.js';
import { createLogger } from '../../../src/runtime/logging.js';
import { NotLeadingError } from '../../../src/runtime/write-fence.js';

/** A REST client that records the verb and path of every request that reaches it. */
function recordingRest(): { seen: string[]; request(request: KubeRequest): Promise<unknown> } {
  const seen: string[] = [];
  return {
    seen,
    request: (request) => {
      seen.push(`${request.method} ${request.path}`);
      return Promise.resolve({});
    },
  };
}

const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

async function sendEveryVerb(rest: { request(request: KubeRequest): Promise<unknown> }): Promise<unknown[]> {
  const settled = await Promise.allSettled(VERBS.map((method) => rest.request({ method, path: `/${method}` })));
  return settled.map((result): unknown => (result.status === 'rejected' ? (result.reason as unknown) : 'ok'));
}

const emptyCache: ObjectCache = { get: () => undefined, list: () => [] };
const caches: ClusterCaches = {
  groups: emptyCache,
  pods: emptyCache,
  secrets: { get: () => Promise.resolve(undefined) },
  configMaps: { get: () => Promise.resolve(undefined) },
  children: Object.fromEntries(CHILD_KINDS.map((kind) => [kind.kind, emptyCache])) as Record<ChildKind, ObjectCache>,
};

describe('the write fence of the REST view', () => {
  it('passes every verb while the replica may act', async () => {
    const rest = recordingRest();
    const outcomes = await sendEveryVerb(fenceWrites(rest, () => true));
    assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'ok', 'ok']);
    assert.deepEqual(rest.seen, ['GET /GET', 'POST /POST', 'PUT /PUT', 'PATCH /PATCH', 'DELETE /DELETE']);
  });

  it('refuses every verb but GET once it may not, and nothing refused reaches the server', async () => {
    const rest = recordingRest();
    const outcomes = await sendEveryVerb(fenceWrites(rest, () => false));
    assert.equal(outcomes[0], 'ok');
    assert.ok(outcomes.slice(1).every((outcome) => outcome instanceof NotLeadingError));
    assert.deepEqual(rest.seen, ['GET /GET']);
  });

  it('asks at the moment of each write, not when the view was made', async () => {
    const rest = recordingRest();
    let leading = true;
    const view = fenceWrites(rest, () => leading);
    await view.request({ method: 'PATCH', path: '/a' });
    leading = false;
    await assert.rejects(view.request({ method: 'PATCH', path: '/b' }), NotLeadingError);
    assert.deepEqual(rest.seen, ['PATCH /a']);
  });
});

describe('the write fence of the cluster port', () => {
  it('sends each kind of write through the fenced view, and drops Events while it says no', async () => {
    for (const leading of [true, false]) {
      const rest = recordingRest();
      const events: string[] = [];
      const cluster = new KubeCluster({
        caches,
        rest,
        recorder: { record: (event) => events.push(event.reason) },
        logger: createLogger({ name: 'test', level: 'silent' }),
        mayAct: () => leading,
      });
      const settled = await Promise.allSettled([
        cluster.scaleStatefulSet('n', 'g', 0),
        cluster.setPodCondition('n', 'g-0', { type: 'x', status: 'True', reason: 'CNAlive', message: '' }),
        cluster.setFinalizers('n', 'g', [], '1'),
      ]);
      cluster.record({ metadata: { name: 'g', namespace: 'n' } }, 'Normal', 'CNAdded', 'm');
      const refused = settled.filter(
        (result) => result.status === 'rejected' && result.reason instanceof NotLeadingError,
      );
      assert.equal(refused.length, leading ? 0 : 3);
      assert.equal(rest.seen.length, leading ? 3 : 0);
      assert.deepEqual(events, leading ? ['CNAdded'] : []);
    }
  });
});

describe('the write fence of the FE client', () => {
  it('tells the statements that only read from the ones that change the FE', () => {
    assert.ok(isReadStatement(SHOW_COMPUTE_NODES));
    assert.ok(isReadStatement(SHOW_RUNNING_QUERIES));
    assert.ok(isReadStatement('  select 1'));
    assert.ok(!isReadStatement("ALTER SYSTEM DROP COMPUTE NODE '10.0.0.1:9050'"));
    assert.ok(!isReadStatement('KILL QUERY 1'));
    assert.ok(!isReadStatement('SHOWX'));
  });

  it('refuses an ADD and a DROP before any connection once it may not', async () => {
    // Port 1 on loopback: any statement that got past the fence would fail as Unreachable, not NotLeadingError.
    const client = new FeClient({ addresses: ['127.0.0.1:1'], user: 'root', password: '', mayAct: () => false });
    try {
      await assert.rejects(client.addComputeNodes(['10.0.0.1:9050']), NotLeadingError);
      await assert.rejects(client.dropComputeNodes(['10.0.0.1:9050']), NotLeadingError);
      await assert.rejects(client.showComputeNodes(), (error: unknown) => !(error instanceof NotLeadingError));
    } finally {
      await client.close();
    }
  });
});
