// cn.conf against the volumes of spec.storage: which directories land outside their volume, the defaults the CN
// uses when a key is absent, multi-path values, and the shared hostPath cache without a size.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseComputeNodeGroup, type ComputeNodeGroup } from '../../../src/api/v1alpha1/index.js';
import { checkStorage, pathsOf, type MountedVolume } from '../../../src/cnconf/storage.js';
import { storageCondition } from '../../../src/controllers/computenodegroup/storage.js';
import { buildStatus } from '../../../src/controllers/computenodegroup/status.js';
import { healthyInputs } from '../controllers/status-inputs.js';

const cache = (mountPath = '/opt/starrocks/cn/storage', hostPath = false): MountedVolume => ({
  volume: 'cache',
  mountPath,
  hostPath,
});

describe('checkStorage', () => {
  it('accepts the defaults: the CN writes where the default mount paths are', () => {
    const volumes: MountedVolume[] = [
      cache(),
      { volume: 'spill', mountPath: '/opt/starrocks/cn/spill', hostPath: false },
      { volume: 'log', mountPath: '/opt/starrocks/cn/log', hostPath: false },
    ];
    assert.deepEqual(checkStorage('', volumes), []);
  });

  it('names the key, the path and the mount when a directory lies outside its volume', () => {
    const findings = checkStorage('storage_root_path = /data/sr\n', [cache()]);
    assert.equal(findings.length, 1);
    const finding = findings[0];
    assert.equal(finding?.reason, 'PathOutsideVolume');
    assert.match(
      finding.message,
      /storage_root_path = \/data\/sr, outside the cache volume mounted at \/opt\/starrocks\/cn\/storage/,
    );
  });

  it('uses the CN default when the key is absent, so a moved mount is caught', () => {
    const [finding] = checkStorage('', [cache('/mnt/cache')]);
    assert.match(finding?.message ?? '', /storage_root_path is not set, so the CN uses \/opt\/starrocks\/cn\/storage/);
    assert.match(finding?.message ?? '', /spec\.storage\.cache\.mountPath/);
  });

  it('reads every path of a multi-path value, medium suffixes, and ${STARROCKS_HOME}', () => {
    assert.deepEqual(pathsOf('/a,medium:ssd; ${STARROCKS_HOME}/b ;'), ['/a', '/opt/starrocks/cn/b']);
    const findings = checkStorage('storage_root_path = /mnt/cache/a;/other\ndatacache_disk_path = /mnt/cache/dc\n', [
      cache('/mnt/cache'),
    ]);
    assert.deepEqual(
      findings.map((f) => f.message.split(',')[0]),
      ['cn.conf storage_root_path = /other'],
    );
  });

  it('does not take a sibling directory with a common prefix for the inside', () => {
    assert.equal(
      checkStorage('sys_log_dir = /opt/starrocks/cn/logs\n', [
        { volume: 'log', mountPath: '/opt/starrocks/cn/log', hostPath: false },
      ]).length,
      1,
    );
    assert.equal(
      checkStorage('sys_log_dir = /opt/starrocks/cn/log/\n', [
        { volume: 'log', mountPath: '/opt/starrocks/cn/log', hostPath: false },
      ]).length,
      0,
    );
  });

  it('warns about a hostPath cache without an explicit size, and not once the size is set', () => {
    assert.deepEqual(
      checkStorage('', [cache(undefined, true)]).map((f) => f.reason),
      ['HostPathCacheUnsized'],
    );
    assert.deepEqual(checkStorage('datacache_disk_size = 200G\n', [cache(undefined, true)]), []);
  });
});

function group(storage: unknown): ComputeNodeGroup {
  const parsed = parseComputeNodeGroup({
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'g', namespace: 'ns', generation: 1 },
    spec: {
      feInfo: { addresses: ['127.0.0.1:9030'], accountSecret: 'fe-account' },
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.0' },
      ...(storage === undefined ? {} : { storage }),
    },
  });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value;
}

describe('storageCondition', () => {
  it('is absent without spec.storage', () => {
    assert.equal(storageCondition(group(undefined), ''), undefined);
  });

  it('is True naming the volumes, or False with every finding', () => {
    const good = storageCondition(group({ spill: { emptyDir: {} } }), '');
    assert.deepEqual([good?.status, good?.reason], ['True', 'Configured']);
    assert.match(good?.message ?? '', /spill at \/opt\/starrocks\/cn\/spill/);
    const bad = storageCondition(
      group({ cache: { hostPath: { path: '/mnt/nvme0' } }, log: { mountPath: '/logs', emptyDir: {} } }),
      '',
    );
    assert.deepEqual([bad?.status, bad?.reason], ['False', 'HostPathCacheUnsized']);
    assert.match(bad?.message ?? '', /datacache_disk_size.*; also: sys_log_dir is not set/);
  });
});

describe('StorageConfigured in the status', () => {
  it('stays out of Ready, and leaves the status with spec.storage', () => {
    const inputs = healthyInputs();
    const parsed = group({ log: { mountPath: '/logs', emptyDir: {} } });
    const withStorage = { ...parsed, spec: { ...parsed.spec, replicas: 0 } };
    const status = buildStatus({ ...inputs, group: withStorage, storage: storageCondition(withStorage, '') });
    const types = (status.conditions ?? []).map((condition) => `${condition.type}=${condition.status}`);
    assert.ok(types.includes('StorageConfigured=False'), types.join(' '));
    assert.ok(types.includes('Ready=True'), types.join(' '));
    const without = { ...withStorage, spec: { ...withStorage.spec, storage: undefined }, status };
    const removed = buildStatus({ ...inputs, group: without, storage: storageCondition(without, '') });
    assert.ok(!(removed.conditions ?? []).some((condition) => condition.type === 'StorageConfigured'));
  });
});
