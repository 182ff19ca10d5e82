import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  feAfterActions,
  planMembership,
  type FeComputeNode,
  type LedgerEntry,
  type MemberPod,
  type MembershipInput,
  type MembershipOutcome,
  type MembershipPlan,
} from '../../../src/membership/index.js';

function pod(ordinal: number, ip: string | null, extra: Partial<MemberPod> = {}): MemberPod {
  return {
    name: `g-${ordinal}`,
    ordinal,
    address: ip === null ? null : `${ip}:9050`,
    cnUp: true,
    terminating: false,
    ...extra,
  };
}
function fe(address: string, alive = true): FeComputeNode {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), heartbeatPort: Number(address.slice(at + 1)), alive };
}
function entry(podName: string, address: string, registered = true, alive = true): LedgerEntry {
  return { pod: podName, address, registered, alive };
}

interface Case {
  name: string;
  input: MembershipInput;
  add?: string[];
  drop?: { address: string; reason: string }[];
  ledger?: string[];
  servers?: MembershipPlan['servers'];
}

const cases: Case[] = [
  {
    name: 'adds a pod whose CN is up and missing from the FE',
    input: { pods: [pod(0, '10.0.0.1')], fe: [], ledger: [], desiredReplicas: 1 },
    add: ['10.0.0.1:9050'],
    drop: [],
    ledger: ['10.0.0.1:9050'],
    servers: { available: 0, unavailable: 0, unregistered: 1, useless: 0 },
  },
  {
    name: 'does not add a pod whose CN is not up yet',
    input: { pods: [pod(0, '10.0.0.1', { cnUp: false })], fe: [], ledger: [], desiredReplicas: 1 },
    add: [],
    servers: { available: 0, unavailable: 0, unregistered: 1, useless: 0 },
  },
  {
    name: 'does not add a pod without an address yet, but counts it unregistered',
    input: { pods: [pod(0, null)], fe: [], ledger: [], desiredReplicas: 1 },
    add: [],
    ledger: [],
    servers: { available: 0, unavailable: 0, unregistered: 1, useless: 0 },
  },
  {
    name: 'does nothing for registered pods and counts alive and dead ones',
    input: {
      pods: [pod(0, '10.0.0.1'), pod(1, '10.0.0.2')],
      fe: [fe('10.0.0.1:9050', true), fe('10.0.0.2:9050', false)],
      ledger: [],
      desiredReplicas: 2,
    },
    add: [],
    drop: [],
    servers: { available: 1, unavailable: 1, unregistered: 0, useless: 0 },
  },
  {
    name: 'drops a ledger address whose pod is gone',
    input: {
      pods: [pod(0, '10.0.0.1')],
      fe: [fe('10.0.0.1:9050'), fe('10.0.0.9:9050', false)],
      ledger: [entry('g-0', '10.0.0.1:9050'), entry('g-1', '10.0.0.9:9050')],
      desiredReplicas: 1,
    },
    drop: [{ address: '10.0.0.9:9050', reason: 'pod-gone' }],
    ledger: ['10.0.0.1:9050', '10.0.0.9:9050'],
    servers: { available: 1, unavailable: 0, unregistered: 0, useless: 1 },
  },
  {
    name: 'drops the old IP of a pod whose IP changed and adds the new one',
    input: {
      pods: [pod(0, '10.0.0.7')],
      fe: [fe('10.0.0.1:9050', false)],
      ledger: [entry('g-0', '10.0.0.1:9050')],
      desiredReplicas: 1,
    },
    add: ['10.0.0.7:9050'],
    drop: [{ address: '10.0.0.1:9050', reason: 'address-changed' }],
    ledger: ['10.0.0.7:9050', '10.0.0.1:9050'],
    servers: { available: 0, unavailable: 0, unregistered: 1, useless: 1 },
  },
  {
    name: 'never touches foreign CNs or nodes added by hand',
    input: {
      pods: [pod(0, '10.0.0.1')],
      fe: [fe('10.0.0.1:9050'), fe('10.9.9.9:9050', false), fe('other-0.other-cn.ns.svc.cluster.local:9050', false)],
      ledger: [entry('g-0', '10.0.0.1:9050')],
      desiredReplicas: 1,
    },
    add: [],
    drop: [],
    ledger: ['10.0.0.1:9050'],
    servers: { available: 1, unavailable: 0, unregistered: 0, useless: 0 },
  },
  {
    name: 'never drops anything when there are no pods and no ledger (a BE address, foreign CNs)',
    input: { pods: [], fe: [fe('10.0.0.1:9050'), fe('10.0.0.2:9050', false)], ledger: [], desiredReplicas: 0 },
    add: [],
    drop: [],
    ledger: [],
    servers: { available: 0, unavailable: 0, unregistered: 0, useless: 0 },
  },
  {
    name: 'forgets a ledger address the FE no longer lists',
    input: {
      pods: [pod(0, '10.0.0.1')],
      fe: [fe('10.0.0.1:9050')],
      ledger: [entry('g-1', '10.0.0.2:9050')],
      desiredReplicas: 1,
    },
    drop: [],
    ledger: ['10.0.0.1:9050'],
  },
  {
    name: 'FQDN mode: the IP of the same pod added by hand is another node and is left alone',
    input: {
      pods: [
        { name: 'g-0', ordinal: 0, address: 'g-0.g-cn.ns.svc.cluster.local:9050', cnUp: true, terminating: false },
      ],
      fe: [fe('g-0.g-cn.ns.svc.cluster.local:9050'), fe('10.0.0.1:9050')],
      ledger: [],
      desiredReplicas: 1,
    },
    add: [],
    drop: [],
    servers: { available: 1, unavailable: 0, unregistered: 0, useless: 0 },
  },
  {
    name: 'FQDN mode: host names match whatever their case, and the DROP uses the FE spelling',
    input: {
      pods: [],
      fe: [fe('G-1.G-CN.ns.svc.cluster.local:9050', false)],
      ledger: [entry('g-1', 'g-1.g-cn.ns.svc.cluster.local:9050')],
      desiredReplicas: 1,
    },
    drop: [{ address: 'G-1.G-CN.ns.svc.cluster.local:9050', reason: 'pod-gone' }],
  },
  {
    name: 'FQDN mode: a pod registered by name is not re-added when the FE has its name in another case',
    input: {
      pods: [
        { name: 'g-0', ordinal: 0, address: 'g-0.g-cn.ns.svc.cluster.local:9050', cnUp: true, terminating: false },
      ],
      fe: [fe('G-0.g-cn.ns.svc.cluster.local:9050')],
      ledger: [],
      desiredReplicas: 1,
    },
    add: [],
    drop: [],
  },
  {
    name: 'the same host with another port is another node',
    input: { pods: [pod(0, '10.0.0.1')], fe: [fe('10.0.0.1:9051')], ledger: [], desiredReplicas: 1 },
    add: ['10.0.0.1:9050'],
    drop: [],
  },
  {
    name: 'scale-in past 10 replicas: drops ordinals 10 and 11 by number, never cn-9',
    input: {
      pods: Array.from({ length: 12 }, (_, i) => pod(i, `10.0.1.${i + 1}`)),
      fe: Array.from({ length: 12 }, (_, i) => fe(`10.0.1.${i + 1}:9050`)),
      ledger: [],
      desiredReplicas: 10,
    },
    add: [],
    drop: [
      { address: '10.0.1.11:9050', reason: 'scale-in' },
      { address: '10.0.1.12:9050', reason: 'scale-in' },
    ],
  },
  {
    name: 'a leaving ordinal missing from the FE is not added',
    input: {
      pods: [pod(0, '10.0.0.1'), pod(1, '10.0.0.2')],
      fe: [fe('10.0.0.1:9050')],
      ledger: [],
      desiredReplicas: 1,
    },
    add: [],
    drop: [],
  },
  {
    name: 'a terminating pod is dropped and never added',
    input: {
      pods: [pod(0, '10.0.0.1', { terminating: true }), pod(1, '10.0.0.2', { terminating: true })],
      fe: [fe('10.0.0.1:9050')],
      ledger: [],
      desiredReplicas: 2,
    },
    add: [],
    drop: [{ address: '10.0.0.1:9050', reason: 'terminating' }],
  },
  {
    name: 'drain order StopFirst: a terminating or leaving pod stays in the FE while it exists; a gone one is dropped',
    input: {
      pods: [pod(0, '10.0.0.1', { terminating: true }), pod(1, '10.0.0.2')],
      fe: [fe('10.0.0.1:9050'), fe('10.0.0.2:9050'), fe('10.0.0.3:9050')],
      ledger: [entry('g-2', '10.0.0.3:9050')],
      desiredReplicas: 1,
      order: 'StopFirst',
    },
    add: [],
    drop: [{ address: '10.0.0.3:9050', reason: 'pod-gone' }],
  },
  {
    name: 'garbage and duplicate FE rows: garbage skipped, duplicates merged, one DROP',
    input: {
      pods: [pod(0, '10.0.0.1')],
      fe: [
        fe('10.0.0.1:9050', false),
        fe('10.0.0.1:9050', true),
        { host: "10.0.0.2'; DROP", heartbeatPort: 9050, alive: true },
        { host: '', heartbeatPort: 9050, alive: true },
        { host: '10.0.0.3', heartbeatPort: -1, alive: false },
        fe('10.0.0.9:9050'),
        fe('10.0.0.9:9050'),
      ],
      ledger: [entry('g-1', '10.0.0.9:9050'), entry('g-1', '10.0.0.9:9050'), entry('x', "bad'address")],
      desiredReplicas: 1,
    },
    add: [],
    drop: [{ address: '10.0.0.9:9050', reason: 'pod-gone' }],
    ledger: ['10.0.0.1:9050', '10.0.0.9:9050'],
    servers: { available: 1, unavailable: 0, unregistered: 0, useless: 1 },
  },
];

describe('planMembership', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planMembership(c.input);
      assert.equal(plan.feKnown, true);
      if (c.add)
        assert.deepEqual(
          plan.add.map((a) => a.address),
          c.add,
        );
      if (c.drop)
        assert.deepEqual(
          plan.drop
            .map(({ address, reason }) => ({ address, reason }))
            .sort((a, b) => a.address.localeCompare(b.address)),
          c.drop,
        );
      if (c.ledger)
        assert.deepEqual(
          plan.computeNodes.map((e) => e.address),
          c.ledger,
        );
      if (c.servers) assert.deepEqual(plan.servers, c.servers);
    });
  }

  it('counts ignored FE rows', () => {
    const plan = planMembership({
      pods: [],
      fe: [{ host: 'a b', heartbeatPort: 1, alive: true }],
      ledger: [],
      desiredReplicas: 0,
    });
    assert.equal(plan.ignoredFeEntries, 1);
  });

  it('reports each pod in the per-CN view with registered and alive', () => {
    const plan = planMembership({
      pods: [pod(1, '10.0.0.2'), pod(0, '10.0.0.1'), pod(2, '10.0.0.3')],
      fe: [fe('10.0.0.1:9050', true), fe('10.0.0.2:9050', false)],
      ledger: [],
      desiredReplicas: 3,
    });
    assert.deepEqual(plan.computeNodes, [
      entry('g-0', '10.0.0.1:9050', true, true),
      entry('g-1', '10.0.0.2:9050', true, false),
      entry('g-2', '10.0.0.3:9050', false, false),
    ]);
  });

  it('orders the view by numeric ordinal (g-9 before g-10)', () => {
    const plan = planMembership({
      pods: [pod(10, '10.0.0.10'), pod(9, '10.0.0.9'), pod(11, '10.0.0.11')],
      fe: [],
      ledger: [],
      desiredReplicas: 12,
    });
    assert.deepEqual(
      plan.computeNodes.map((e) => e.pod),
      ['g-9', 'g-10', 'g-11'],
    );
  });

  describe('when the FE could not be read', () => {
    const plan = planMembership({
      pods: [pod(0, '10.0.0.1'), pod(1, '10.0.0.2')],
      fe: null,
      ledger: [entry('g-0', '10.0.0.1:9050', true, true), entry('g-5', '10.0.0.5:9050', true, false)],
      desiredReplicas: 1,
    });
    it('adds and drops nothing', () => {
      assert.equal(plan.feKnown, false);
      assert.deepEqual(plan.add, []);
      assert.deepEqual(plan.drop, []);
    });
    it('keeps every ledger address and the last known state', () => {
      assert.deepEqual(plan.computeNodes, [
        entry('g-0', '10.0.0.1:9050', true, true),
        entry('g-1', '10.0.0.2:9050', false, false),
        entry('g-5', '10.0.0.5:9050', true, false),
      ]);
      assert.deepEqual(plan.servers, { available: 1, unavailable: 0, unregistered: 1, useless: 1 });
    });
  });
});

describe('the view after this pass (planMembership over feAfterActions)', () => {
  const input: MembershipInput = {
    pods: [pod(0, '10.0.0.1'), pod(1, '10.0.0.2'), pod(2, '10.0.0.3')],
    fe: [fe('10.0.0.1:9050'), fe('10.0.0.3:9050'), fe('10.0.0.9:9050', false), fe('10.0.0.8:9050', false)],
    ledger: [entry('g-7', '10.0.0.9:9050'), entry('g-8', '10.0.0.8:9050')],
    desiredReplicas: 2,
  };
  const plan = planMembership(input);
  const applyOutcome = (outcome: MembershipOutcome): MembershipPlan =>
    planMembership({ ...input, fe: feAfterActions(input.fe, outcome) });

  it('plans one add, one scale-in drop and two pod-gone drops', () => {
    assert.deepEqual(
      plan.add.map((a) => a.address),
      ['10.0.0.2:9050'],
    );
    assert.deepEqual(plan.drop.map((d) => `${d.address}/${d.reason}`).sort(), [
      '10.0.0.3:9050/scale-in',
      '10.0.0.8:9050/pod-gone',
      '10.0.0.9:9050/pod-gone',
    ]);
  });

  it('forgets dropped addresses of gone pods, keeps failed ones, unregisters the leaving pod, registers the added', () => {
    const after = applyOutcome({ added: ['10.0.0.2:9050'], dropped: ['10.0.0.3:9050', '10.0.0.9:9050'] });
    assert.deepEqual(after.computeNodes, [
      entry('g-0', '10.0.0.1:9050', true, true),
      entry('g-1', '10.0.0.2:9050', true, false),
      entry('g-2', '10.0.0.3:9050', false, false),
      entry('g-8', '10.0.0.8:9050', true, false),
    ]);
    assert.deepEqual(after.servers, { available: 1, unavailable: 1, unregistered: 1, useless: 1 });
  });

  it('changes nothing when no action succeeded', () => {
    const after = applyOutcome({ added: [], dropped: [] });
    assert.deepEqual(after.computeNodes, plan.computeNodes);
    assert.deepEqual(after.servers, plan.servers);
    // The same answer, not a copy: what is derived from an FE answer is kept per answer.
    assert.equal(feAfterActions(input.fe, { added: [], dropped: [] }), input.fe);
  });
});

describe('feAfterActions', () => {
  it('removes acknowledged drops (any spelling of the host case) and lists adds as not yet alive', () => {
    const v6: FeComputeNode = { host: 'fd00::1', heartbeatPort: 9050, alive: true };
    const rows = [fe('cn-0.g-cn.ns.svc.cluster.local:9050'), fe('10.0.0.2:9050'), v6];
    assert.deepEqual(
      feAfterActions(rows, {
        added: ['10.0.0.7:9050'],
        dropped: ['CN-0.g-cn.ns.svc.cluster.local:9050', '[fd00::1]:9050'],
      }),
      [fe('10.0.0.2:9050'), fe('10.0.0.7:9050', false)],
    );
  });
  it('keeps rows whose drop failed, and stays null without a read', () => {
    const rows = [fe('10.0.0.2:9050')];
    assert.deepEqual(feAfterActions(rows, { added: [], dropped: [] }), rows);
    assert.equal(feAfterActions(null, { added: [], dropped: ['10.0.0.2:9050'] }), null);
  });
});
