// spec.storage on the real control plane: the StatefulSet the operator applies carries the claim templates and the
// retention policy and the API server accepts them (the StatefulSet controller creates one labelled claim per CN);
// cn.conf is checked against the volumes (StorageConfigured and an Event), and fixing cn.conf clears it.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { FeSimulator } from '../support/fe-simulator/index.js';
import { freshNamespace, installCrd, kubectl, kubectlCreate, waitFor, type TestNamespace } from '../support/e2e.js';
import {
  condition,
  createOperatorIdentity,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForCondition,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';

const GROUP = 'computenodegroup-sample';

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
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
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
});
