import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { computeNodeRecord } from '../fe/record-fixture.js';
import { describe, it } from 'node:test';
import { parseComputeNodeGroup, type ComputeNodeGroup } from '../../../src/api/v1alpha1/index.js';
import { offlinePass, planOffline, runOffline, type OfflineFe } from '../../../src/components/offline/index.js';
import type { ComputeNodeRecord } from '../../../src/fe/index.js';
import { createLogger } from '../../../src/runtime/logging.js';
import type { GroupReader } from '../../../src/group/reader.js';

function rawGroup(
  extra: { addressType?: 'IP' | 'FQDN'; computeNodes?: object[]; replicas?: number; configMap?: string } = {},
) {
  return {
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'g', namespace: 'ns' },
    spec: {
      feInfo: { addresses: ['127.0.0.1:9030'], accountSecret: 'fe-account' },
      cnInfo: { addressType: extra.addressType ?? 'IP', ...(extra.configMap ? { configMap: extra.configMap } : {}) },
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.5' },
      replicas: extra.replicas ?? 3,
    },
    status: { computeNodes: extra.computeNodes ?? [] },
  };
}
function group(extra: Parameters<typeof rawGroup>[0] = {}): ComputeNodeGroup {
  const parsed = parseComputeNodeGroup(rawGroup(extra));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}
function rawPod(ordinal: number, ip: string | undefined, extra: { deleting?: boolean } = {}) {
  return {
    metadata: {
      name: `g-${ordinal}`,
      labels: { 'app.kubernetes.io/instance': 'g' },
      ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    status: {
      phase: 'Running',
      ...(ip ? { podIP: ip } : {}),
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'cn', ready: true, started: true, state: { running: {} } }],
    },
  };
}
function record(host: string, port = 9050, alive = true): ComputeNodeRecord {
  return computeNodeRecord(host, { heartbeatPort: port, alive, lastHeartbeat: null, version: '' });
}
const entry = (pod: string, address: string) => ({ pod, address, registered: true, alive: false });

describe('planOffline', () => {
  it('drops only ledger entries of this group whose pods are gone, never foreign ones', () => {
    const plan = planOffline({
      group: group({ computeNodes: [entry('g-0', '10.0.0.1:9050'), entry('g-2', '10.0.0.3:9050')] }),
      pods: [rawPod(0, '10.0.0.1'), rawPod(1, '10.0.0.2')],
      fe: [record('10.0.0.1'), record('10.0.0.2'), record('10.0.0.3', 9050, false), record('10.9.9.9', 9050, false)],
      heartbeatPort: 9050,
    });
    assert.deepEqual(
      plan.drop.map((d) => d.address),
      ['10.0.0.3:9050'],
    );
    assert.deepEqual(plan.leftToOperator, []);
  });

  it('drops the old address of a pod whose IP changed', () => {
    const plan = planOffline({
      group: group({ computeNodes: [entry('g-0', '10.0.0.1:9050')] }),
      pods: [rawPod(0, '10.0.0.7')],
      fe: [record('10.0.0.1', 9050, false)],
      heartbeatPort: 9050,
    });
    assert.deepEqual(
      plan.drop.map((d) => `${d.address}/${d.reason}`),
      ['10.0.0.1:9050/address-changed'],
    );
  });

  it('never adds, and leaves scale-in and terminating pods to the operator', () => {
    const plan = planOffline({
      group: group({ replicas: 1 }),
      pods: [rawPod(0, '10.0.0.1', { deleting: true }), rawPod(1, '10.0.0.2'), rawPod(2, '10.0.0.3')],
      fe: [record('10.0.0.1'), record('10.0.0.2')],
      heartbeatPort: 9050,
    });
    assert.deepEqual(plan.drop, []);
    assert.deepEqual(plan.leftToOperator.map((d) => d.reason).sort(), ['scale-in', 'terminating']);
    assert.equal(plan.membership.add.length, 0);
  });

  it('uses the FQDN of each pod in FQDN mode and the heartbeat port given', () => {
    const plan = planOffline({
      group: group({
        addressType: 'FQDN',
        computeNodes: [entry('g-1', 'g-1.g-cn.ns.svc.cluster.local:9051')],
      }),
      pods: [rawPod(0, undefined)],
      fe: [record('g-0.g-cn.ns.svc.cluster.local', 9051), record('g-1.g-cn.ns.svc.cluster.local', 9051, false)],
      heartbeatPort: 9051,
    });
    assert.deepEqual(
      plan.drop.map((d) => d.address),
      ['g-1.g-cn.ns.svc.cluster.local:9051'],
    );
    assert.equal(plan.membership.servers.available, 1);
  });
});

class MemoryKube implements GroupReader {
  constructor(
    readonly objects: { group?: unknown; pods?: unknown[]; secret?: unknown; configMap?: unknown },
    readonly selectors: string[] = [],
  ) {}
  getGroup(): Promise<unknown> {
    return Promise.resolve(this.objects.group);
  }
  listPods(_namespace: string, selector: string): Promise<unknown[]> {
    this.selectors.push(selector);
    return Promise.resolve(this.objects.pods ?? []);
  }
  getSecret(): Promise<unknown> {
    return Promise.resolve(this.objects.secret);
  }
  getConfigMap(): Promise<unknown> {
    return Promise.resolve(this.objects.configMap);
  }
}

class RecordingFe implements OfflineFe {
  readonly dropped: string[][] = [];
  closed = false;
  constructor(readonly rows: ComputeNodeRecord[]) {}
  showComputeNodes(): Promise<ComputeNodeRecord[]> {
    return Promise.resolve(this.rows);
  }
  dropComputeNodes(addresses: string[]): Promise<void> {
    this.dropped.push(addresses);
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const secret = { data: { FE_USR: Buffer.from('root').toString('base64'), FE_PWD: '' } };
function quietLogger() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  return { logger: createLogger({ name: 'offline', destination: stream, level: 'info' }), lines };
}

describe('offlinePass', () => {
  it('reads the heartbeat port from cn.conf, lists pods by the group selector, drops and closes the FE', async () => {
    const fe = new RecordingFe([
      record('10.0.0.1', 9051),
      record('10.0.0.3', 9051, false),
      record('10.0.0.3', 9050, false),
    ]);
    const kube = new MemoryKube({
      group: rawGroup({
        configMap: 'cn-conf',
        computeNodes: [entry('g-2', '10.0.0.3:9051'), entry('g-2', '10.0.0.3:9050')],
      }),
      pods: [rawPod(0, '10.0.0.1')],
      secret,
      configMap: { data: { 'cn.conf': 'heartbeat_service_port = 9051\n' } },
    });
    let credentials: string[] = [];
    const plan = await offlinePass({
      namespace: 'ns',
      name: 'g',
      logger: quietLogger().logger,
      kube,
      connectFe: (addresses, user, password) => {
        credentials = [...addresses, user, password];
        return fe;
      },
    });
    assert.deepEqual(credentials, ['127.0.0.1:9030', 'root', '']);
    assert.deepEqual(
      fe.dropped.map((batch) => [...batch].sort()),
      [['10.0.0.3:9050', '10.0.0.3:9051']],
    );
    assert.equal(plan.drop.length, 2);
    assert.equal(fe.closed, true);
    assert.match(kube.selectors[0] ?? '', /app\.kubernetes\.io\/instance=g/);
  });

  it('sends no DROP when nothing of this group lacks a pod', async () => {
    const fe = new RecordingFe([record('10.0.0.1'), record('10.8.8.8', 9050, false)]);
    const kube = new MemoryKube({ group: rawGroup(), pods: [rawPod(0, '10.0.0.1')], secret });
    await offlinePass({ namespace: 'ns', name: 'g', logger: quietLogger().logger, kube, connectFe: () => fe });
    assert.deepEqual(fe.dropped, []);
  });

  const failures: { name: string; objects: ConstructorParameters<typeof MemoryKube>[0]; message: RegExp }[] = [
    { name: 'group missing', objects: { secret }, message: /ComputeNodeGroup ns\/g not found/ },
    { name: 'secret missing', objects: { group: rawGroup(), pods: [] }, message: /SecretNotFound/ },
    {
      name: 'an unreadable pod with the group labels',
      objects: {
        group: rawGroup({ computeNodes: [entry('g-0', '10.0.0.1:9050')] }),
        secret,
        pods: [{ metadata: { name: 'stray' } }],
      },
      message: /cannot be read as CN pods/,
    },
  ];
  for (const failure of failures) {
    it(`fails with a clear message and drops nothing: ${failure.name}`, async () => {
      const fe = new RecordingFe([record('10.0.0.1', 9050, false)]);
      const { logger, lines } = quietLogger();
      const code = await runOffline({
        namespace: 'ns',
        name: 'g',
        logger,
        kube: new MemoryKube(failure.objects),
        connectFe: () => fe,
      });
      assert.equal(code, 1);
      assert.deepEqual(fe.dropped, []);
      assert.match(lines.join(''), failure.message);
    });
  }

  it('times out a Kubernetes call that never answers', async () => {
    const kube = new MemoryKube({});
    kube.getGroup = () => new Promise<unknown>(() => undefined);
    const { logger, lines } = quietLogger();
    const code = await runOffline({
      namespace: 'ns',
      name: 'g',
      logger,
      kube,
      kubeTimeoutMs: 50,
      connectFe: () => new RecordingFe([]),
    });
    assert.equal(code, 1);
    assert.match(lines.join(''), /no answer within 50 ms/);
  });
});
