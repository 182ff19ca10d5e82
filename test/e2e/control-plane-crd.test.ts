// The project's generated CRD against the real API server: it is accepted, the examples validate (real create and
// server-side dry run), and invalid specs are rejected by the API server's CEL rules with their messages.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  freshNamespace,
  kubectl,
  kubectlCreate,
  type TestNamespace,
  yamlObjects,
} from '@starrocks-cn-operator/testbed/control-plane';
import { REPO_ROOT } from '@starrocks-cn-operator/testbed/helpers';
import { CRD_PATH, installCrd } from '../support/e2e.js';
import { ADDRESS_CORPUS } from '../unit/api/address-corpus.js';

const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples', 'cn');

async function exampleFiles(): Promise<string[]> {
  return (await readdir(EXAMPLES_DIR)).filter((name) => name.endsWith('.yaml')).sort();
}

async function baseGroup(namespace: string): Promise<Record<string, unknown>> {
  const objects = yamlObjects(await readFile(path.join(EXAMPLES_DIR, 'cn.yaml'), 'utf8'), namespace);
  const group = objects.find((object) => object['kind'] === 'ComputeNodeGroup');
  assert.ok(group, 'examples/cn/cn.yaml holds a ComputeNodeGroup');
  return structuredClone(group);
}

type Mutation = (group: { metadata: Record<string, unknown>; spec: Record<string, Record<string, unknown>> }) => void;

const INVALID: readonly { name: string; mutate: Mutation; message: RegExp }[] = [
  {
    name: 'minReplicas above maxReplicas',
    mutate: (group) => {
      group.spec['autoScalingPolicy'] = { minReplicas: 5, maxReplicas: 2 };
    },
    message: /minReplicas must be less than or equal to maxReplicas/,
  },
  {
    name: 'an FE address with SQL characters',
    mutate: (group) => {
      group.spec['feInfo'] = { ...group.spec['feInfo'], addresses: ["fe';drop:9030"] };
    },
    message: /must hold only letters, digits/,
  },
  {
    name: 'an FE address with a port out of range',
    mutate: (group) => {
      group.spec['feInfo'] = { ...group.spec['feInfo'], addresses: ['fe-0.fe:70000'] };
    },
    message: /the port must be a number from 1 to 65535/,
  },
  {
    name: 'a pod label the operator owns',
    mutate: (group) => {
      group.spec['podPolicy'] = { ...group.spec['podPolicy'], labels: { 'app.kubernetes.io/instance': 'x' } };
    },
    message: /must not set app\.kubernetes\.io\/name/,
  },
  {
    name: 'a cron minute the CronJob would refuse',
    mutate: (group) => {
      group.spec['cronJobPolicy'] = { schedule: '61 * * * *' };
    },
    message: /each cron field must be within its range: minute 0-59/,
  },
  {
    name: 'a schedule window that both suspends and sets replicas',
    mutate: (group) => {
      Object.assign(group.spec, {
        schedules: [{ name: 'w', start: '0 8 * * *', end: '0 9 * * *', suspend: true, minReplicas: 2 }],
      });
    },
    message: /a window either suspends the group \(suspend: true\) or sets replicas, minReplicas or maxReplicas/,
  },
  {
    name: 'a schedule window setting replicas beside an autoscaling policy',
    mutate: (group) => {
      Object.assign(group.spec, { schedules: [{ name: 'w', start: '0 8 * * *', end: '0 9 * * *', replicas: 2 }] });
    },
    message: /schedule windows set minReplicas and maxReplicas with an autoscaling policy/,
  },
  {
    name: 'a schedule window that ends when it starts',
    mutate: (group) => {
      Object.assign(group.spec, { schedules: [{ name: 'w', start: '0 8 * * *', end: '0 8 * * *', minReplicas: 2 }] });
    },
    message: /end must differ from start/,
  },
  {
    name: 'a schedule window hour out of range',
    mutate: (group) => {
      Object.assign(group.spec, { schedules: [{ name: 'w', start: '0 24 * * *', end: '0 9 * * *', minReplicas: 2 }] });
    },
    message: /each cron field must be within its range/,
  },
  {
    name: 'a disruption budget above 100%',
    mutate: (group) => {
      group.spec['podDisruptionBudget'] = { maxUnavailable: '150%' };
    },
    message: /maxUnavailable/,
  },
  {
    name: 'a storage volume with two sources',
    mutate: (group) => {
      group.spec['storage'] = { cache: { emptyDir: {}, hostPath: { path: '/mnt/nvme0' } } };
    },
    message: /must set exactly one of persistentVolumeClaim, emptyDir or hostPath/,
  },
  {
    name: 'a storage mount path that is not absolute',
    mutate: (group) => {
      group.spec['storage'] = { log: { mountPath: 'logs', emptyDir: {} } };
    },
    message: /must be an absolute path/,
  },
  {
    name: "a sidecar named like the operator's own container",
    mutate: (group) => {
      group.spec['podPolicy'] = { ...group.spec['podPolicy'], sidecars: [{ name: 'cn', image: 'busybox' }] };
    },
    message: /must not name a container cn or register/,
  },
  {
    name: 'two Secrets mounted at one path',
    mutate: (group) => {
      group.spec['podPolicy'] = {
        ...group.spec['podPolicy'],
        secrets: [
          { name: 'a', mountPath: '/etc/creds' },
          { name: 'b', mountPath: '/etc/creds' },
        ],
      };
    },
    message: /mount paths must be unique/,
  },
  {
    name: 'an update partition with OnDelete',
    mutate: (group) => {
      group.spec['updateStrategy'] = { type: 'OnDelete', partition: 2 };
    },
    message: /partition applies to type RollingUpdate only/,
  },
  {
    name: 'a name longer than 44 characters',
    mutate: (group) => {
      group.metadata['name'] = 'a'.repeat(45);
    },
    message: /metadata\.name must be at most 44 characters/,
  },
];

describe('ComputeNodeGroup CRD on the real API server', () => {
  let namespace: TestNamespace;
  before(async () => {
    namespace = await freshNamespace('crd');
  });
  after(async () => {
    await namespace.delete();
  });

  it('is accepted by a server-side dry run and then installed and Established', async () => {
    const dryRun = await kubectl(['create', '--dry-run=server', '-f', CRD_PATH, '-o', 'name']);
    // Another test file may have installed it already; a dry run of create then reports AlreadyExists.
    assert.ok(dryRun.code === 0 || /AlreadyExists|already exists/.test(dryRun.stderr), `dry run: ${dryRun.stderr}`);
    await installCrd();
    const resources = await kubectl(['api-resources', '--api-group=starrocks.com', '-o', 'name']);
    assert.equal(resources.code, 0, resources.stderr);
    assert.match(resources.stdout, /^computenodegroups\.starrocks\.com$/m);
  });

  it('accepts every example under examples/cn/, by server-side dry run and by a real create', async () => {
    await installCrd();
    const files = await exampleFiles();
    assert.ok(files.length > 0);
    for (const file of files) {
      const objects = yamlObjects(await readFile(path.join(EXAMPLES_DIR, file), 'utf8'), namespace.name);
      const dryRun = await kubectlCreate(objects, { dryRun: true });
      assert.equal(dryRun.code, 0, `${file} (dry run): ${dryRun.stderr}`);
    }
    for (const file of files) {
      const objects = yamlObjects(await readFile(path.join(EXAMPLES_DIR, file), 'utf8'), namespace.name);
      const created = await kubectlCreate(objects);
      // Examples may share names (two variants of the same group): the first one wins, the others must fail
      // only with AlreadyExists, never with a validation error.
      assert.ok(
        created.code === 0 || /AlreadyExists|already exists/.test(created.stderr),
        `${file}: ${created.stderr}`,
      );
      assert.doesNotMatch(created.stderr, /Invalid value|is invalid/, file);
    }
    const listed = await kubectl(['get', 'cng', '-n', namespace.name, '-o', 'name']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^computenodegroup\.starrocks\.com\//m);
  });

  it('refuses a change to a storage claim (immutable claim templates) with what to do, and allows other changes', async () => {
    await installCrd();
    const group = await baseGroup(namespace.name);
    (group['metadata'] as Record<string, unknown>)['name'] = 'claims';
    (group['spec'] as Record<string, unknown>)['storage'] = {
      cache: { persistentVolumeClaim: { size: '100Gi' } },
      log: { emptyDir: {} },
    };
    const created = await kubectlCreate([group]);
    assert.equal(created.code, 0, created.stderr);
    const patch = (body: unknown) =>
      kubectl(['patch', 'cng', 'claims', '-n', namespace.name, '--type=merge', '-p', JSON.stringify(body)]);
    for (const change of [
      { spec: { storage: { cache: { persistentVolumeClaim: { size: '200Gi' } } } } },
      { spec: { storage: { spill: { persistentVolumeClaim: { size: '10Gi' } } } } },
      { spec: { storage: { cache: { persistentVolumeClaim: null, emptyDir: {} } } } },
      { spec: { storage: null } },
    ]) {
      const refused = await patch(change);
      assert.notEqual(refused.code, 0, `${JSON.stringify(change)} must be refused`);
      assert.match(refused.stderr, /volume claim templates are immutable/);
    }
    const allowed = await patch({
      spec: {
        storage: { log: { emptyDir: { sizeLimit: '1Gi' } }, persistentVolumeClaimRetention: { whenScaled: 'Delete' } },
      },
    });
    assert.equal(allowed.code, 0, allowed.stderr);
  });

  it('takes exactly the FE addresses the runtime parser takes (the parity corpus)', async () => {
    await installCrd();
    const group = await baseGroup(namespace.name);
    // A name no other test creates: a dry-run create of an existing name answers AlreadyExists whatever the spec.
    group['metadata'] = { ...(group['metadata'] as Record<string, unknown>), name: 'address-parity' };
    const disagreements: string[] = [];
    for (const [address, valid] of ADDRESS_CORPUS) {
      const spec = group['spec'] as Record<string, Record<string, unknown>>;
      spec['feInfo'] = { ...spec['feInfo'], addresses: [address] };
      const result = await kubectlCreate([group], { dryRun: true });
      if ((result.code === 0) !== valid) disagreements.push(`${address}: ${result.stderr.trim() || 'accepted'}`);
    }
    assert.deepEqual(disagreements, []);
  });

  for (const invalid of INVALID) {
    it(`rejects ${invalid.name} with the CEL message`, async () => {
      await installCrd();
      const group = await baseGroup(namespace.name);
      invalid.mutate(group as Parameters<Mutation>[0]);
      for (const dryRun of [true, false]) {
        const result = await kubectlCreate([group], { dryRun });
        assert.notEqual(result.code, 0, `${invalid.name} must be rejected (dry run: ${dryRun})`);
        assert.match(result.stderr, /is invalid/);
        assert.match(result.stderr, invalid.message);
      }
    });
  }
});
