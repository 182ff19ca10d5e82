import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { fenceCluster, fenceFe, NotLeadingError } from '../../../src/controllers/computenodegroup/fence.js';
import type { ClusterPort, EventSink, FePort } from '../../../src/controllers/computenodegroup/ports.js';

/** Records every call that reaches the wrapped ports. */
function recordingPorts(): { calls: string[]; cluster: ClusterPort & EventSink; fe: FePort } {
  const calls: string[] = [];
  const cluster: ClusterPort & EventSink = {
    group: () => (calls.push('group'), {}),
    secret: () => (calls.push('secret'), Promise.resolve({})),
    configMap: () => (calls.push('configMap'), Promise.resolve({})),
    child: () => (calls.push('child'), undefined),
    pods: () => (calls.push('pods'), []),
    apply: () => (calls.push('apply'), Promise.resolve({ written: true, dropped: [] })),
    deleteChild: () => (calls.push('deleteChild'), Promise.resolve()),
    setPodCondition: () => (calls.push('setPodCondition'), Promise.resolve()),
    scaleStatefulSet: () => (calls.push('scaleStatefulSet'), Promise.resolve()),
    writeStatus: () => (calls.push('writeStatus'), Promise.resolve()),
    setFinalizers: () => (calls.push('setFinalizers'), Promise.resolve()),
    record: () => {
      calls.push('record');
    },
  };
  const fe: FePort = {
    session: () => ({
      computeNodes: () => {
        calls.push('computeNodes');
        return Promise.resolve({
          nodes: [],
          queue: { kind: 'Failed', message: 'not read' },
          feAddress: 'fe:9030',
          fetchedAt: 0,
        });
      },
      add: () => (calls.push('add'), Promise.resolve()),
      drop: () => (calls.push('drop'), Promise.resolve()),
      invalidate: () => {
        calls.push('invalidate');
      },
    }),
  };
  return { calls, cluster, fe };
}

const group = { metadata: { name: 'g', namespace: 'n' } };

async function exercise(cluster: ClusterPort & EventSink, fe: FePort): Promise<unknown[]> {
  const session = fe.session(['fe:9030'], { user: 'root', password: '' });
  const settled = await Promise.allSettled([
    cluster.secret('n', 's'),
    cluster.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'g', namespace: 'n' } } as never),
    cluster.deleteChild('Service', 'n', 'g'),
    cluster.setPodCondition('n', 'g-0', { type: 'x', status: 'True', reason: 'CNAlive', message: '' }),
    cluster.scaleStatefulSet('n', 'g', 0),
    cluster.writeStatus('n', 'g', {}),
    cluster.setFinalizers('n', 'g', [], '1'),
    session.computeNodes(),
    session.add(['10.0.0.1:9050']),
    session.drop(['10.0.0.1:9050']),
  ]);
  cluster.group('n', 'g');
  cluster.pods('n', 'g');
  cluster.record(group, 'Normal', 'CNAdded', 'm');
  session.invalidate();
  return settled.map((result): unknown => (result.status === 'rejected' ? (result.reason as unknown) : 'ok'));
}

describe('the write fence', () => {
  it('passes every call while the replica may act', async () => {
    const { calls, cluster, fe } = recordingPorts();
    const outcomes = await exercise(
      fenceCluster(cluster, () => true),
      fenceFe(fe, () => true),
    );
    assert.ok(outcomes.every((outcome) => outcome === 'ok'));
    assert.deepEqual([...calls].sort(), [
      'add',
      'apply',
      'computeNodes',
      'deleteChild',
      'drop',
      'group',
      'invalidate',
      'pods',
      'record',
      'scaleStatefulSet',
      'secret',
      'setFinalizers',
      'setPodCondition',
      'writeStatus',
    ]);
  });

  it('refuses every write and drops Events once it may not, while reads go on', async () => {
    const { calls, cluster, fe } = recordingPorts();
    const outcomes = await exercise(
      fenceCluster(cluster, () => false),
      fenceFe(fe, () => false),
    );
    assert.deepEqual([...calls].sort(), ['computeNodes', 'group', 'invalidate', 'pods', 'secret']);
    const refused = outcomes.filter((outcome) => outcome instanceof NotLeadingError);
    assert.equal(refused.length, 8, 'apply, delete, pod condition, scale, status, finalizers, FE add and drop');
  });

  it('asks at the moment of each write, not when the port was made', async () => {
    const { calls, fe } = recordingPorts();
    let leading = true;
    const session = fenceFe(fe, () => leading).session(['fe:9030'], { user: 'root', password: '' });
    await session.add(['10.0.0.1:9050']);
    leading = false;
    await assert.rejects(session.drop(['10.0.0.1:9050']), NotLeadingError);
    assert.deepEqual(calls, ['add']);
  });
});
