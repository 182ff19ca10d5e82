// The seed's install flow on a real kubelet: the operator from its own image under its shipped RBAC, then the
// seed's three example files with the CN emulator image. Only the FE address, the images, the replica count and
// the resources (this node has 2 CPUs) are changed from the seed's YAML.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubectl } from '@starrocks-cn-operator/testbed/control-plane';
import type { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { labelSelectorString } from '../../../src/builders/names.js';
import {
  applyObjects,
  CN_EMULATOR_IMAGE,
  exampleObjects,
  OPERATOR_IMAGE,
  startBridgeFe,
  waitForReadyPods,
} from '../../support/real-node/fixtures.js';
import { installOperator, leaseHolder, OPERATOR_NAMESPACE } from '../../support/real-node/operator.js';

const GROUP = { name: 'computenodegroup-sample', namespace: OPERATOR_NAMESPACE };
const SELECTOR = labelSelectorString({ metadata: GROUP });

describe('the seed install flow on a real node', () => {
  let fe: FeSimulator;
  before(async () => {
    fe = await startBridgeFe();
  });
  after(async () => {
    await kubectl([
      'delete',
      'computenodegroup',
      GROUP.name,
      '-n',
      GROUP.namespace,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=120s',
    ]);
    await fe.stop();
  });

  test('deploy/ in the seed order runs the operator from its image: 1/1 Running, leader elected', async () => {
    const pod = await installOperator();
    const listing = await kubectl(['get', 'pod', '-n', OPERATOR_NAMESPACE]);
    assert.match(listing.stdout, /^cn-controller-manager-\S+\s+1\/1\s+Running\s/m, listing.stdout);
    assert.equal(
      await leaseHolder().then((holder) => holder.startsWith(pod.name)),
      true,
      'the running pod holds the Lease',
    );
  });

  test('the seed examples: pods 2/2 Running, every CN registered, each Ready only after the FE reports it alive', async () => {
    const feAddress = fe.addresses[0];
    assert.ok(feAddress);
    const cn = await exampleObjects('cn.yaml', (object) => {
      const spec = object['spec'] as Record<string, unknown>;
      const podPolicy = spec['podPolicy'] as Record<string, unknown>;
      return {
        ...object,
        spec: {
          ...spec,
          feInfo: { ...(spec['feInfo'] as Record<string, unknown>), addresses: [feAddress] },
          images: { cnImage: CN_EMULATOR_IMAGE, componentsImage: OPERATOR_IMAGE },
          replicas: 2,
          podPolicy: {
            ...podPolicy,
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
          },
        },
      };
    });
    await applyObjects([
      ...(await exampleObjects('fe-account.yaml')),
      ...(await exampleObjects('cn-config.yaml')),
      ...cn,
    ]);

    const pods = await waitForReadyPods(GROUP.namespace, SELECTOR, 2, 240_000);
    const listing = await kubectl(['get', 'pod', '-n', GROUP.namespace, '-l', SELECTOR]);
    for (const pod of pods)
      assert.match(listing.stdout, new RegExp(`^${pod.name}\\s+2/2\\s+Running\\s`, 'm'), listing.stdout);

    const registered = fe.computeNodeAddresses().sort();
    assert.deepEqual(registered, pods.map((pod) => `${pod.ip}:9050`).sort(), 'the FE lists exactly the pods');
    for (const pod of pods) {
      const node = fe.findComputeNode(`${pod.ip}:9050`);
      assert.ok(node?.alive && node.lastStartTime, `${pod.name}: alive in the FE`);
      assert.ok(pod.readySince, `${pod.name}: Ready`);
      // The Ready transition has whole seconds: it may not be earlier than the second the FE first saw the CN alive.
      const aliveSecond = Math.floor(node.lastStartTime.getTime() / 1000) * 1000;
      assert.ok(
        Date.parse(pod.readySince) >= aliveSecond,
        `${pod.name} Ready at ${pod.readySince}, before the FE saw its CN alive at ${node.lastStartTime.toISOString()}`,
      );
    }
    await waitFor(
      async () => {
        const result = await kubectl([
          'get',
          'computenodegroup',
          GROUP.name,
          '-n',
          GROUP.namespace,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        return result.stdout.trim() === 'True';
      },
      { description: 'the group Ready', timeoutMs: 60_000, intervalMs: 500 },
    );
  });
});
