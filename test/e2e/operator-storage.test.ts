// spec.storage on the real control plane: the StatefulSet the operator applies carries the claim templates and the
// retention policy and the API server accepts them (the StatefulSet controller creates one labelled claim per CN);
// cn.conf is checked against the volumes (StorageConfigured and an Event), and fixing cn.conf clears it.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  freshNamespace,
  kubectl,
  kubectlCreate,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';
import {
  condition,
  createOperatorIdentity,
  waitForMembers,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForCondition,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';
import { manualStorageClass, VOLUME_NAMESPACE_LABEL, volumeFor } from '../support/volumes.js';

const GROUP = 'computenodegroup-sample';

async function claimUid(namespace: string, claim: string): Promise<string | undefined> {
  const result = await kubectl(['get', 'pvc', claim, '-n', namespace, '-o', 'jsonpath={.metadata.uid}']);
  return result.code === 0 && result.stdout.trim() !== '' ? result.stdout.trim() : undefined;
}

async function claimExists(namespace: string, claim: string): Promise<boolean> {
  const result = await kubectl(['get', 'pvc', claim, '-n', namespace, '-o', 'jsonpath={.metadata.deletionTimestamp}']);
  return result.code === 0 && result.stdout.trim() === '';
}

describe('operator: CN storage', { timeout: 300_000 }, () => {
  let testNamespace: TestNamespace | undefined;
  let namespace = '';
  let identity: OperatorIdentity | undefined;
  let operator: RunningOperator | undefined;
  const fe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 300 });

  before(async () => {
    await installCrd();
    await fe.start();
    fe.liveness.defaultOutcome = { ok: true };
    testNamespace = await freshNamespace('operator-storage');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({ identity, watchNamespaces: [namespace], label: 'storage' });
  });

  after(async () => {
    await kubectl(['delete', 'cng', GROUP, 'bound', '-n', namespace, '--wait=true', '--timeout=60s']).catch(
      () => undefined,
    );
    await kubectl(['delete', 'pv', '-l', `${VOLUME_NAMESPACE_LABEL}=${namespace}`, '--wait=false']).catch(
      () => undefined,
    );
    await operator?.stop();
    await fe.stop();
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
  });

  it('applies claim templates and retention, and reports cn.conf paths outside their volumes', async () => {
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      delete spec['autoScalingPolicy'];
      delete spec['cronJobPolicy'];
      spec['replicas'] = 2;
      spec['storage'] = {
        cache: { persistentVolumeClaim: { size: '10Gi' } },
        spill: { mountPath: '/data/spill', emptyDir: { sizeLimit: '1Gi' } },
        persistentVolumeClaimRetention: { whenScaled: 'Delete' },
      };
    });
    const created = await kubectlCreate(objects);
    assert.equal(created.code, 0, created.stderr);

    const sts = await waitFor(
      async () => {
        const result = await kubectl(['get', 'statefulset', GROUP, '-n', namespace, '-o', 'json']);
        return result.code === 0 ? (JSON.parse(result.stdout) as { spec: Record<string, unknown> }) : undefined;
      },
      { description: 'the StatefulSet', timeoutMs: 60_000 },
    );
    const claims = sts.spec['volumeClaimTemplates'] as { metadata: { name: string }; spec: Record<string, unknown> }[];
    assert.deepEqual(
      claims.map((claim) => claim.metadata.name),
      ['cache'],
    );
    assert.deepEqual(sts.spec['persistentVolumeClaimRetentionPolicy'], { whenScaled: 'Delete', whenDeleted: 'Retain' });
    // The StatefulSet controller makes one claim per CN from the template, labelled like the pods.
    const pvcs = await waitFor(
      async () => {
        const result = await kubectl([
          'get',
          'pvc',
          '-n',
          namespace,
          '-l',
          `app.kubernetes.io/instance=${GROUP}`,
          '-o',
          'name',
        ]);
        const names = result.stdout
          .trim()
          .split('\n')
          .filter((line) => line !== '')
          .sort();
        return names.length === 2 ? names : undefined;
      },
      { description: 'two claims', timeoutMs: 60_000 },
    );
    assert.deepEqual(pvcs, [`persistentvolumeclaim/cache-${GROUP}-0`, `persistentvolumeclaim/cache-${GROUP}-1`]);

    // The seed's cn.conf has no spill_local_storage_dir: the CN would spill to its default, outside /data/spill.
    const group = await waitForCondition(namespace, GROUP, 'StorageConfigured', 'False', 60_000);
    const storage = condition(group, 'StorageConfigured');
    assert.equal(storage?.reason, 'PathOutsideVolume');
    assert.match(
      storage.message ?? '',
      /spill_local_storage_dir is not set, so the CN uses \/opt\/starrocks\/cn\/spill, outside the spill volume mounted at \/data\/spill/,
    );
    const events = await kubectl([
      'get',
      'events',
      '-n',
      namespace,
      '--field-selector',
      'reason=PathOutsideVolume',
      '-o',
      'name',
    ]);
    assert.notEqual(events.stdout.trim(), '', 'a PathOutsideVolume Event');

    const conf = await kubectl(['get', 'configmap', 'cn-test', '-n', namespace, '-o', 'jsonpath={.data.cn\\.conf}']);
    const fixed = await kubectl([
      'patch',
      'configmap',
      'cn-test',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      JSON.stringify({ data: { 'cn.conf': `${conf.stdout}\nspill_local_storage_dir = /data/spill\n` } }),
    ]);
    assert.equal(fixed.code, 0, fixed.stderr);
    const repaired = await waitForCondition(namespace, GROUP, 'StorageConfigured', 'True', 60_000);
    assert.match(
      condition(repaired, 'StorageConfigured')?.message ?? '',
      /cache at \/opt\/starrocks\/cn\/storage, spill at \/data\/spill/,
    );
  });
  it("runs CNs on bound claims; Delete frees a leaving CN's claim, Retain keeps it for the next scale-out", async () => {
    // Volumes pre-bound to the claims the StatefulSet will make: ordinal 1 gets two, one for each life of its claim.
    const sts = 'bound';
    const volumes = [
      volumeFor(namespace, `cache-${sts}-0`, `${namespace}-cache-0`),
      volumeFor(namespace, `cache-${sts}-1`, `${namespace}-cache-1a`),
      volumeFor(namespace, `cache-${sts}-1`, `${namespace}-cache-1b`),
    ];
    const made = await kubectlCreate(volumes);
    assert.equal(made.code, 0, made.stderr);
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      delete spec['autoScalingPolicy'];
      delete spec['cronJobPolicy'];
      spec['replicas'] = 2;
      spec['storage'] = {
        cache: { persistentVolumeClaim: { size: '1Gi', storageClassName: manualStorageClass(namespace) } },
        persistentVolumeClaimRetention: { whenScaled: 'Delete' },
      };
    });
    const group = objects.find((object) => object['kind'] === 'ComputeNodeGroup');
    assert.ok(group);
    (group['metadata'] as Record<string, unknown>)['name'] = sts;
    const created = await kubectlCreate([group]);
    assert.equal(created.code, 0, created.stderr);
    await waitForMembers(namespace, sts, 2, () => fe.computeNodeAddresses());

    const patchSpec = async (spec: Record<string, unknown>) => {
      const result = await kubectl([
        'patch',
        'cng',
        sts,
        '-n',
        namespace,
        '--type=merge',
        '-p',
        JSON.stringify({ spec }),
      ]);
      assert.equal(result.code, 0, result.stderr);
    };
    const scale = async (replicas: number) => {
      await patchSpec({ replicas });
      await waitForMembers(namespace, sts, replicas, () => fe.computeNodeAddresses());
    };
    // whenScaled: Delete: the leaving CN's claim goes with its pod.
    await scale(1);
    await waitFor(async () => !(await claimExists(namespace, `cache-${sts}-1`)), {
      description: "the leaving CN's claim deleted",
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    assert.ok(await claimExists(namespace, `cache-${sts}-0`), 'the staying CN keeps its claim');

    // whenScaled: Retain: the claim outlives the scale-in and the CN that comes back gets the same claim.
    await patchSpec({ storage: { persistentVolumeClaimRetention: { whenScaled: 'Retain' } } });
    await scale(2);
    const uid = await waitFor(() => claimUid(namespace, `cache-${sts}-1`), {
      description: 'a new claim for ordinal 1',
      timeoutMs: 60_000,
    });
    await scale(1);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal(await claimUid(namespace, `cache-${sts}-1`), uid, 'the claim is kept after the scale-in');
    await scale(2);
    assert.equal(await claimUid(namespace, `cache-${sts}-1`), uid, 'the CN that came back has its old claim');
  });
});
