// A CN-only group on a shared-data FE (the simulator's 3.5 profile with run_mode = shared_data, no BE), installed from
// examples/cn/shared-data.yaml on the real control plane: each CN joins default_warehouse and becomes a StarOS worker
// at its first heartbeat; a scale-in drops the leaving CN (which removes its worker) and keeps its cache claim; the
// example's query policy scales the group out while queries queue and back to 1; and the group never leaves the FE
// without compute: a suspension is refused (ZeroComputeRefused) until allowNoCompute says otherwise.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  freshNamespace,
  kubectl,
  kubectlCreate,
  yamlObjects,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { REPO_ROOT, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { setUpCustomMetrics, waitForCustomMetricsApi, type CustomMetricsSetup } from '../support/custom-metrics.js';
import { installCrd } from '../support/e2e.js';
import {
  condition,
  createOperatorIdentity,
  FAST_TEST_BEHAVIOR,
  groupPods,
  removeOperatorIdentity,
  SMALL_RESOURCES,
  startOperator,
  waitForCondition,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';
import { manualStorageClass, VOLUME_NAMESPACE_LABEL, volumeFor } from '../support/volumes.js';

const GROUP = 'shared-cn';
/** Claims for ordinals 0..4: the test never runs more CNs than that. */
const ORDINALS = [0, 1, 2, 3, 4];

async function kubectlOk(args: readonly string[], input?: string): Promise<string> {
  const result = await kubectl(args, input === undefined ? {} : { input });
  assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The example as a user applies it, in `namespace`, pointed at the simulator, small enough for KWOK. */
async function exampleObjects(namespace: string, feAddresses: readonly string[]): Promise<Record<string, unknown>[]> {
  const text = await readFile(path.join(REPO_ROOT, 'examples/cn/shared-data.yaml'), 'utf8');
  const objects = yamlObjects(text, namespace);
  const group = objects.find((object) => object['kind'] === 'ComputeNodeGroup');
  assert.ok(group, 'examples/cn/shared-data.yaml holds a ComputeNodeGroup');
  const spec = group['spec'] as Record<string, Record<string, unknown>>;
  assert.ok(spec['feInfo'] && spec['podPolicy'] && spec['storage']);
  spec['feInfo']['addresses'] = [...feAddresses];
  spec['podPolicy']['resources'] = SMALL_RESOURCES;
  // The only changes to the storage: a class whose pre-bound volumes exist here, and a size they can hold.
  spec['storage']['cache'] = {
    persistentVolumeClaim: { size: '1Gi', storageClassName: manualStorageClass(namespace) },
  };
  const account = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cn-fe-account', namespace },
    stringData: { FE_USR: 'root', FE_PWD: '' },
  };
  return [account, ...objects];
}

describe('operator: a CN-only group on a shared-data FE', { timeout: 600_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let identity: OperatorIdentity | undefined;
  let operator: RunningOperator | undefined;
  let customMetrics: CustomMetricsSetup | undefined;
  const fe = new FeSimulator({ version: '3.5', sharedData: true, heartbeatPeriodMs: 500 });
  fe.liveness.defaultOutcome = { ok: true };

  /** The FE's CNs with their StarOS worker, by address. */
  const workers = (): Map<string, number> =>
    new Map(fe.catalog.computeNodes.map((node) => [`${node.host}:${node.heartbeatPort}`, node.workerId]));

  before(async () => {
    await installCrd();
    await fe.start();
    testNamespace = await freshNamespace('shared-data');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    customMetrics = await setUpCustomMetrics(namespace);
    operator = await startOperator({
      identity,
      watchNamespaces: [namespace],
      label: 'shared-data',
      feSyncPeriod: '1s',
      extraArgs: customMetrics.args,
    });
    await waitForCustomMetricsApi();
    const volumes = ORDINALS.map((ordinal) =>
      volumeFor(namespace, `cache-${GROUP}-${ordinal}`, `${namespace}-cache-${ordinal}`),
    );
    const made = await kubectlCreate(volumes);
    assert.equal(made.code, 0, made.stderr);
  });

  after(async () => {
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    await operator?.stop();
    await fe.stop();
    await customMetrics?.cleanup();
    await kubectl(['delete', 'pv', '-l', `${VOLUME_NAMESPACE_LABEL}=${namespace}`, '--wait=false']).catch(
      () => undefined,
    );
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
  });

  const patchSpec = async (spec: Record<string, unknown>): Promise<void> => {
    await kubectlOk(['patch', 'cng', GROUP, '-n', namespace, '--type=merge', '-p', JSON.stringify({ spec })]);
  };

  it('installs from the example: the CN joins default_warehouse as a StarOS worker, its cache on its claim', async () => {
    const created = await kubectlCreate(await exampleObjects(namespace, fe.addresses));
    assert.equal(created.code, 0, created.stderr);
    const [pod] = await waitForMembers(namespace, GROUP, 1, () => fe.computeNodeAddresses());
    const node = fe.catalog.computeNodes.find((candidate) => candidate.host === pod?.ip);
    assert.ok(node, 'the FE lists the CN');
    await waitFor(() => Promise.resolve(node.workerId >= 0), {
      description: 'a StarOS worker for the CN',
      timeoutMs: 30_000,
    });
    assert.equal(node.warehouse, 'default_warehouse');
    // The pod opens the starlet port the example's cn.conf names (9070).
    const ports = await kubectlOk([
      'get',
      'pod',
      `${GROUP}-0`,
      '-n',
      namespace,
      '-o',
      'jsonpath={.spec.containers[?(@.name=="cn")].ports[?(@.name=="starlet")].containerPort}',
    ]);
    assert.equal(ports.trim(), '9070');
    // The example's storage_root_path lies inside the cache volume.
    const group = await waitForCondition(namespace, GROUP, 'StorageConfigured', 'True', 60_000);
    assert.match(condition(group, 'StorageConfigured')?.message ?? '', /cache at \/opt\/starrocks\/cn\/storage/);
    assert.equal(
      (await kubectlOk(['get', 'pvc', `cache-${GROUP}-0`, '-n', namespace, '-o', 'jsonpath={.status.phase}'])).trim(),
      'Bound',
    );
  });

  it('scales out and in by hand: a leaving CN is dropped, its worker removed, its claim kept', async () => {
    await patchSpec({ autoScalingPolicy: null });
    await waitFor(async () => (await kubectl(['get', 'hpa', GROUP, '-n', namespace])).code !== 0, {
      description: 'the HPA removed',
      timeoutMs: 60_000,
    });
    await kubectlOk(['scale', `cng/${GROUP}`, '-n', namespace, '--replicas=3']);
    const three = await waitForMembers(namespace, GROUP, 3, () => fe.computeNodeAddresses());
    await waitFor(() => Promise.resolve([...workers().values()].every((id) => id >= 0)), {
      description: 'a StarOS worker for each CN',
      timeoutMs: 30_000,
    });
    assert.equal(new Set(workers().values()).size, 3, 'one worker each');

    const leaving = three.find((pod) => pod.ordinal === 2);
    assert.ok(leaving?.ip !== undefined);
    const leavingWorker = workers().get(`${leaving.ip}:9050`);
    await kubectlOk(['scale', `cng/${GROUP}`, '-n', namespace, '--replicas=2']);
    await waitForMembers(namespace, GROUP, 2, () => fe.computeNodeAddresses());
    assert.ok(
      fe.catalog.starosLog.some((entry) => entry.action === 'removeWorker' && entry.workerId === leavingWorker),
      'the DROP removed the leaving CN as a StarOS worker',
    );
    assert.equal(fe.catalog.starosWorkers.size, 2, 'the two CNs that stay keep their workers');
    // whenScaled: Retain: the cache claim stays for the next scale-out.
    assert.equal(
      (await kubectlOk(['get', 'pvc', `cache-${GROUP}-2`, '-n', namespace, '-o', 'jsonpath={.status.phase}'])).trim(),
      'Bound',
    );
  });

  it("the example's query policy: out while queries queue, back to 1 when they are done", async () => {
    const text = await readFile(path.join(REPO_ROOT, 'examples/cn/shared-data.yaml'), 'utf8');
    const example = yamlObjects(text).find((object) => object['kind'] === 'ComputeNodeGroup');
    const policy = (example?.['spec'] as Record<string, unknown> | undefined)?.['autoScalingPolicy'];
    assert.ok(typeof policy === 'object' && policy !== null);
    await patchSpec({
      autoScalingPolicy: {
        ...policy,
        // Only the pace changes, for the test's time: the figures that decide are the example's.
        hpaPolicy: {
          behavior: FAST_TEST_BEHAVIOR,
        },
      },
    });
    // Idle, the HPA brings the group to its minimum of 1.
    await waitForMembers(namespace, GROUP, 1, () => fe.computeNodeAddresses());
    // 12 queries wait in the FE's queue, 4 per CN wanted: 3 CNs.
    fe.setLoad({ runningPerNode: 0, running: 0, pending: 12 });
    await waitForMembers(namespace, GROUP, 3, () => fe.computeNodeAddresses());
    // A CN becomes a StarOS worker on the FE's first heartbeat after its ADD, a moment after it joined the list.
    await waitFor(() => Promise.resolve(fe.catalog.starosWorkers.size === 3), {
      description: 'a StarOS worker for each of the 3 CNs',
      timeoutMs: 30_000,
    });
    fe.setLoad({ runningPerNode: 0, running: 0, pending: 0 });
    await waitForMembers(namespace, GROUP, 1, () => fe.computeNodeAddresses());
    assert.equal(fe.catalog.starosWorkers.size, 1, 'the CNs that left are no StarOS workers any more');
  });

  it('keeps 1 CN: with no BE, a suspension is refused until allowNoCompute', async () => {
    await patchSpec({ suspend: true });
    const refused = await waitFor(
      async () => {
        const view = await waitForCondition(namespace, GROUP, 'Suspended', 'False', 60_000);
        return condition(view, 'Suspended')?.reason === 'ZeroComputeRefused' ? view : undefined;
      },
      { description: 'Suspended=False ZeroComputeRefused', timeoutMs: 60_000 },
    );
    assert.match(condition(refused, 'Suspended')?.message ?? '', /allowNoCompute/);
    assert.equal(fe.catalog.computeNodes.filter((node) => node.alive).length, 1, 'the FE keeps its one CN');
    assert.equal((await groupPods(namespace, GROUP)).length, 1);

    await patchSpec({ allowNoCompute: true });
    await waitFor(
      () => Promise.resolve(fe.computeNodeAddresses().length === 0 && fe.catalog.starosWorkers.size === 0),
      {
        description: 'no CN and no worker left in the FE',
        timeoutMs: 120_000,
      },
    );
    await waitForCondition(namespace, GROUP, 'Suspended', 'True', 120_000);
  });
});
