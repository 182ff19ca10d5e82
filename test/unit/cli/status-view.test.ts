import assert from 'node:assert/strict';
import { computeNodeRecord } from '../fe/record-fixture.js';
import { describe, it } from 'node:test';
import { parseComputeNodeGroup, type ComputeNodeGroup } from '../../../src/api/v1alpha1/index.js';
import { collectStatus, type StatusFe } from '../../../src/cli/status.js';
import type { GroupReader } from '../../../src/group/reader.js';
import { buildStatusView, formatTable, renderStatus, type CnRow } from '../../../src/cli/status-view.js';
import { FeError, type ComputeNodeRecord } from '../../../src/fe/index.js';

interface GroupExtra {
  addressType?: 'IP' | 'FQDN';
  computeNodes?: object[];
  conditions?: object[];
  suspension?: object;
}

function rawGroup(extra: GroupExtra = {}) {
  return {
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'g', namespace: 'ns' },
    spec: {
      feInfo: { addresses: ['127.0.0.1:9030'], accountSecret: 'fe-account' },
      cnInfo: { addressType: extra.addressType ?? 'IP' },
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.5' },
      replicas: 3,
    },
    status: {
      computeNodes: extra.computeNodes ?? [],
      conditions: extra.conditions ?? [],
      ...(extra.suspension === undefined ? {} : { suspension: extra.suspension }),
    },
  };
}

function group(extra: GroupExtra = {}): ComputeNodeGroup {
  const parsed = parseComputeNodeGroup(rawGroup(extra));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

function rawPod(
  ordinal: number,
  ip: string | undefined,
  extra: { phase?: string; ready?: boolean; deleting?: boolean } = {},
) {
  return {
    metadata: {
      name: `g-${ordinal}`,
      ...(extra.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    status: {
      phase: extra.phase ?? 'Running',
      ...(ip === undefined ? {} : { podIP: ip }),
      conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }],
      containerStatuses: [{ name: 'cn', ready: true, started: true, state: { running: {} } }],
    },
  };
}

const record = computeNodeRecord;

const ledger = (pod: string, address: string) => ({ pod, address, registered: true, alive: true });

function byPod(rows: CnRow[]): Map<string, CnRow> {
  return new Map(rows.map((row) => [row.pod, row]));
}

describe('buildStatusView', () => {
  it('lists pods by numeric ordinal with the FE side of their addresses', () => {
    const view = buildStatusView({
      group: group(),
      pods: [rawPod(10, '10.0.0.10'), rawPod(9, '10.0.0.9'), rawPod(2, '10.0.0.2', { ready: false })],
      heartbeatPort: 9050,
      fe: {
        ok: true,
        nodes: [
          record('10.0.0.9', { lastHeartbeat: '2026-11-24 21:00:09' }),
          record('10.0.0.2', { alive: false, errMsg: 'connect refused' }),
        ],
      },
    });
    assert.deepEqual(
      view.rows.map((row) => [row.pod, row.ordinal]),
      [
        ['g-2', 2],
        ['g-9', 9],
        ['g-10', 10],
      ],
    );
    const rows = byPod(view.rows);
    assert.deepEqual(rows.get('g-9'), {
      pod: 'g-9',
      ordinal: 9,
      phase: 'Running',
      ready: true,
      address: '10.0.0.9:9050',
      orphan: false,
      registered: true,
      alive: true,
      lastHeartbeat: '2026-11-24 21:00:09',
      errMsg: '',
    });
    assert.equal(rows.get('g-2')?.ready, false);
    assert.equal(rows.get('g-2')?.alive, false);
    assert.equal(rows.get('g-2')?.errMsg, 'connect refused');
    assert.equal(rows.get('g-10')?.registered, false);
    assert.equal(view.feError, undefined);
  });

  it('matches on the heartbeat port read from cn.conf, not only the host', () => {
    const view = buildStatusView({
      group: group(),
      pods: [rawPod(0, '10.0.0.1')],
      heartbeatPort: 9150,
      fe: { ok: true, nodes: [record('10.0.0.1', { heartbeatPort: 9050 })] },
    });
    assert.deepEqual(
      view.rows.map((row) => [row.address, row.registered]),
      [['10.0.0.1:9150', false]],
    );
  });

  it('uses the pod DNS name in FQDN mode, matching the FE host case-insensitively', () => {
    const view = buildStatusView({
      group: group({ addressType: 'FQDN' }),
      pods: [rawPod(0, '10.0.0.1')],
      heartbeatPort: 9050,
      fe: { ok: true, nodes: [record('G-0.G-CN.NS.svc.cluster.local')] },
    });
    assert.deepEqual(
      view.rows.map((row) => [row.address, row.registered]),
      [['g-0.g-cn.ns.svc.cluster.local:9050', true]],
    );
    assert.equal(view.addressType, 'FQDN');
  });

  it('adds ledger entries without a pod, once, and never FE entries the group does not own', () => {
    const view = buildStatusView({
      group: group({
        computeNodes: [
          ledger('g-0', '10.0.0.1:9050'),
          ledger('g-1', '10.0.0.5:9050'), // g-1's old IP: the pod now has another one
          ledger('g-3', '10.0.0.3:9050'),
          ledger('g-3', '10.0.0.3:9050'),
        ],
      }),
      pods: [rawPod(0, '10.0.0.1'), rawPod(1, '10.0.0.2')],
      heartbeatPort: 9050,
      fe: { ok: true, nodes: [record('10.0.0.1'), record('10.0.0.5', { alive: false }), record('10.9.9.9')] },
    });
    assert.deepEqual(
      view.rows.map((row) => [row.pod, row.address, row.orphan, row.registered]),
      [
        ['g-0', '10.0.0.1:9050', false, true],
        ['g-1', '10.0.0.2:9050', false, false],
        ['g-1', '10.0.0.5:9050', true, true],
        ['g-3', '10.0.0.3:9050', true, false],
      ],
    );
    assert.ok(!view.rows.some((row) => row.address === '10.9.9.9:9050'));
  });

  it('marks the FE side unknown, and keeps the pods, when the FE could not be read', () => {
    const view = buildStatusView({
      group: group(),
      pods: [
        rawPod(0, '10.0.0.1'),
        rawPod(1, undefined, { phase: 'Pending' }),
        rawPod(2, '10.0.0.3', { deleting: true }),
      ],
      heartbeatPort: 9050,
      fe: { ok: false, message: 'Unreachable: connect ECONNREFUSED' },
    });
    assert.equal(view.feError, 'Unreachable: connect ECONNREFUSED');
    assert.deepEqual(
      view.rows.map((row) => [row.pod, row.phase, row.address, row.registered, row.alive]),
      [
        ['g-0', 'Running', '10.0.0.1:9050', undefined, undefined],
        ['g-1', 'Pending', undefined, undefined, undefined],
        ['g-2', 'Terminating', '10.0.0.3:9050', undefined, undefined],
      ],
    );
  });

  it('names pods that carry the labels but are not CN pods of the group', () => {
    const view = buildStatusView({
      group: group(),
      pods: [rawPod(0, '10.0.0.1'), { metadata: { name: 'debug-shell' }, status: {} }],
      heartbeatPort: 9050,
      fe: { ok: true, nodes: [] },
    });
    assert.deepEqual(view.foreignPods, ['debug-shell']);
    assert.equal(view.rows.length, 1);
  });
});

describe('renderStatus', () => {
  const conditions = [
    {
      type: 'FEReachable',
      status: 'False',
      observedGeneration: 1,
      lastTransitionTime: '2026-11-24T21:00:00Z',
      reason: 'Unreachable',
      message: 'no FE answered',
    },
  ];

  it('prints the summary, the CN table, the orphan note, the FE error and the conditions', () => {
    const view = buildStatusView({
      group: group({ computeNodes: [ledger('g-5', '10.0.0.5:9050')], conditions }),
      pods: [rawPod(0, '10.0.0.1')],
      heartbeatPort: 9050,
      fe: { ok: false, message: 'Timeout: no answer' },
    });
    const text = renderStatus(view);
    const lines = text.split('\n');
    assert.match(lines[0] ?? '', /^ComputeNodeGroup ns\/g: desired 3, pods 1, FE not read \(address type IP\)$/);
    assert.match(text, /^POD\s+ORDINAL\s+PHASE\s+READY\s+ADDRESS\s+REGISTERED\s+ALIVE\s+LAST HEARTBEAT\s+FE ERROR$/m);
    assert.match(text, /^g-0\s+0\s+Running\s+yes\s+10\.0\.0\.1:9050\s+\?\s+\?\s+-\s+-$/m);
    assert.match(text, /^g-5\s+-\s+\(no pod\)\s+-\s+10\.0\.0\.5:9050/m);
    assert.match(text, /^FE: Timeout: no answer$/m);
    assert.match(text, /^FEReachable\s+False\s+Unreachable\s+no FE answered$/m);
  });

  it('counts registered and alive CNs and says when there are no conditions yet', () => {
    const view = buildStatusView({
      group: group(),
      pods: [rawPod(0, '10.0.0.1'), rawPod(1, '10.0.0.2')],
      heartbeatPort: 9050,
      fe: { ok: true, nodes: [record('10.0.0.1'), record('10.0.0.2', { alive: false, errMsg: 'timeout' })] },
    });
    const text = renderStatus(view);
    assert.match(text, /pods 2, registered in FE 2, alive 1/);
    assert.match(text, /^g-1\s+1\s+Running\s+yes\s+10\.0\.0\.2:9050\s+yes\s+no\s+2026-11-24 21:00:00\s+timeout$/m);
    assert.match(text, /Conditions: none reported yet/);
  });

  it('says by what and since when the group is suspended, its open windows and the next change', () => {
    const suspension = {
      suspendedBy: 'Schedule',
      since: '2026-12-06T23:00:00.000Z',
      openWindows: ['nights'],
      nextChange: { at: '2026-12-07T06:00:00.000Z', window: 'nights', action: 'Closes' },
    };
    const view = buildStatusView({
      group: group({ suspension }),
      pods: [],
      heartbeatPort: 9050,
      fe: { ok: true, nodes: [] },
    });
    const text = renderStatus(view);
    assert.match(text, /^Suspended by Schedule since 2026-12-06T23:00:00.000Z$/m);
    assert.match(text, /^Schedule windows open: nights$/m);
    assert.match(text, /^Next: window nights closes at 2026-12-07T06:00:00.000Z$/m);
    const running = renderStatus(
      buildStatusView({ group: group(), pods: [], heartbeatPort: 9050, fe: { ok: true, nodes: [] } }),
    );
    assert.doesNotMatch(running, /Suspended|Schedule windows/);
  });

  it('aligns columns to the widest cell', () => {
    assert.equal(
      formatTable(
        ['A', 'BB'],
        [
          ['long', 'x'],
          ['s', 'yyy'],
        ],
      ),
      'A      BB\nlong   x\ns      yyy',
    );
  });
});

describe('collectStatus', () => {
  const secret = {
    data: { FE_USR: Buffer.from('root').toString('base64'), FE_PWD: Buffer.from('s3cret').toString('base64') },
  };

  function reader(overrides: Partial<GroupReader> = {}): GroupReader {
    return {
      getGroup: () => Promise.resolve(rawGroup()),
      listPods: () => Promise.resolve([rawPod(0, '10.0.0.1')]),
      getSecret: () => Promise.resolve(secret),
      getConfigMap: () => Promise.resolve(undefined),
      ...overrides,
    };
  }

  function fe(show: () => Promise<ComputeNodeRecord[]>): {
    fe: StatusFe;
    calls: { closed: number; credentials: string[] };
  } {
    const calls = { closed: 0, credentials: [] as string[] };
    return {
      calls,
      fe: {
        showComputeNodes: show,
        close: () => {
          calls.closed += 1;
          return Promise.resolve();
        },
      },
    };
  }

  it('reads both sides with the Secret credentials and exits 0', async () => {
    const { fe: client, calls } = fe(() => Promise.resolve([record('10.0.0.1')]));
    const outcome = await collectStatus({
      namespace: 'ns',
      name: 'g',
      kube: reader(),
      connectFe: (addresses, user, password) => {
        calls.credentials.push(addresses.join(','), user, password);
        return client;
      },
      kubeTimeoutMs: 1000,
      feTimeoutMs: 1000,
    });
    assert.ok(outcome.ok);
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.view.rows[0]?.registered, true);
    assert.deepEqual(calls.credentials, ['127.0.0.1:9030', 'root', 's3cret']);
    assert.equal(calls.closed, 1);
  });

  it('exits 1 with a clear message when the group does not exist', async () => {
    const outcome = await collectStatus({
      namespace: 'ns',
      name: 'missing',
      kube: reader({ getGroup: () => Promise.resolve(undefined) }),
      connectFe: () => assert.fail('the FE must not be contacted'),
      kubeTimeoutMs: 1000,
      feTimeoutMs: 1000,
    });
    assert.ok(!outcome.ok);
    assert.equal(outcome.exitCode, 1);
    assert.match(outcome.message, /ComputeNodeGroup ns\/missing not found/);
  });

  it('keeps the Kubernetes side and exits 1 when the FE cannot be reached', async () => {
    const { fe: client } = fe(() => Promise.reject(new FeError('Unreachable', 'no FE address answered')));
    const outcome = await collectStatus({
      namespace: 'ns',
      name: 'g',
      kube: reader(),
      connectFe: () => client,
      kubeTimeoutMs: 1000,
      feTimeoutMs: 1000,
    });
    assert.ok(outcome.ok);
    assert.equal(outcome.exitCode, 1);
    assert.equal(outcome.view.rows[0]?.pod, 'g-0');
    assert.match(outcome.view.feError ?? '', /127\.0\.0\.1:9030 \(Unreachable: no FE address answered\)/);
    assert.doesNotMatch(outcome.view.feError ?? '', /s3cret/);
  });

  it('gives up on an FE that never answers, within its bound', async () => {
    const { fe: client, calls } = fe(() => new Promise<ComputeNodeRecord[]>(() => undefined));
    const started = Date.now();
    const outcome = await collectStatus({
      namespace: 'ns',
      name: 'g',
      kube: reader(),
      connectFe: () => client,
      kubeTimeoutMs: 1000,
      feTimeoutMs: 50,
    });
    assert.ok(outcome.ok);
    assert.equal(outcome.exitCode, 1);
    assert.match(outcome.view.feError ?? '', /no answer within 50 ms/);
    assert.ok(Date.now() - started < 5000);
    assert.equal(calls.closed, 1);
  });

  it('does not query the FE without its Secret, and says what to create', async () => {
    const outcome = await collectStatus({
      namespace: 'ns',
      name: 'g',
      kube: reader({ getSecret: () => Promise.resolve(undefined) }),
      connectFe: () => assert.fail('the FE must not be contacted'),
      kubeTimeoutMs: 1000,
      feTimeoutMs: 1000,
    });
    assert.ok(outcome.ok);
    assert.equal(outcome.exitCode, 1);
    assert.match(outcome.view.feError ?? '', /not queried: Secret fe-account .* was not found/);
  });

  it('exits 1 naming the failed read when the API server fails', async () => {
    const outcome = await collectStatus({
      namespace: 'ns',
      name: 'g',
      kube: reader({ listPods: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')) }),
      connectFe: () => assert.fail('the FE must not be contacted'),
      kubeTimeoutMs: 1000,
      feTimeoutMs: 1000,
    });
    assert.ok(!outcome.ok);
    assert.match(
      outcome.message,
      /reading the pods of ComputeNodeGroup ns\/g \(app\.kubernetes\.io\/instance=g,[^)]*\) failed: connect ECONNREFUSED/,
    );
  });
});
