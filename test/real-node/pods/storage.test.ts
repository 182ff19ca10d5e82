// spec.storage on a real kubelet: a hostPath data cache (a local NVMe directory of the node) and an emptyDir for
// logs are mounted where the CN writes them; what the CN writes into its cache is on the node's directory; and the
// shared hostPath cache without an explicit size is reported until cn.conf sets one.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { kubectl, useNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { realNodeRoot } from '@starrocks-cn-operator/testbed/real-node';
import { labelSelectorString } from '../../../src/builders/names.js';
import {
  applyObjects,
  DEFAULT_CN_CONF,
  groupCondition,
  groupObjects,
  waitForReadyPods,
} from '../../support/real-node/fixtures.js';
import { useOperatorAndBridgeFe } from '../../support/real-node/operator.js';

describe('CN storage on a real node', () => {
  const feOf = useOperatorAndBridgeFe();

  test('a hostPath cache and an emptyDir log are mounted where the CN writes', async (t) => {
    const fe = feOf();
    const namespace = await useNamespace(t, 'rn-storage');
    // Under the node's root, so the tier's clean-up removes it with everything else.
    const nodeDirectory = path.join(realNodeRoot(process.env), 'host-volumes', namespace);
    const [secret, configMap, group] = groupObjects({ namespace, name: 'disk', fe, replicas: 1 });
    assert.ok(secret && configMap && group);
    const spec = group['spec'] as Record<string, unknown>;
    spec['storage'] = { cache: { hostPath: { path: nodeDirectory } }, log: { emptyDir: { sizeLimit: '64Mi' } } };
    await applyObjects([secret, configMap, group]);
    const [pod] = await waitForReadyPods(
      namespace,
      labelSelectorString({ metadata: { name: 'disk', namespace } }),
      1,
      180_000,
    );
    assert.ok(pod);

    const mounts = await kubectl(['exec', '-n', namespace, pod.name, '-c', 'cn', '--', 'cat', '/proc/mounts']);
    assert.equal(mounts.code, 0, mounts.stderr);
    const points = mounts.stdout.split('\n').map((line) => line.split(' ')[1]);
    assert.ok(points.includes('/opt/starrocks/cn/storage'), mounts.stdout);
    assert.ok(points.includes('/opt/starrocks/cn/log'), mounts.stdout);
    const written = await kubectl([
      'exec',
      '-n',
      namespace,
      pod.name,
      '-c',
      'cn',
      '--',
      'sh',
      '-c',
      'echo cached > /opt/starrocks/cn/storage/block-0',
    ]);
    assert.equal(written.code, 0, written.stderr);
    assert.ok(existsSync(path.join(nodeDirectory, 'block-0')), 'the cache file is on the node directory');
    assert.equal(readFileSync(path.join(nodeDirectory, 'block-0'), 'utf8'), 'cached\n');

    const unsized = await waitFor(
      async () => {
        const found = await groupCondition(namespace, 'disk', 'StorageConfigured');
        return found?.status === 'False' ? found : undefined;
      },
      { description: 'StorageConfigured=False', timeoutMs: 60_000, intervalMs: 1_000 },
    );
    assert.equal(unsized.reason, 'HostPathCacheUnsized');
    const sized = await kubectl([
      'patch',
      'configmap',
      'disk-conf',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      JSON.stringify({ data: { 'cn.conf': `${DEFAULT_CN_CONF}datacache_disk_size = 1G\n` } }),
    ]);
    assert.equal(sized.code, 0, sized.stderr);
    await waitFor(async () => (await groupCondition(namespace, 'disk', 'StorageConfigured'))?.status === 'True', {
      description: 'StorageConfigured=True once the cache is sized',
      timeoutMs: 60_000,
      intervalMs: 1_000,
    });
  });
});
