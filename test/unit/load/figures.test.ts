import { computeNodeRecord } from '../fe/record-fixture.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { ComputeNodeRecord, QueueReading } from '../../../src/fe/index.js';
import { groupLoad } from '../../../src/load/figures.js';
import { LoadBoard } from '../../../src/load/board.js';

function node(ip: string, alive: boolean, load: ComputeNodeRecord['load']): ComputeNodeRecord {
  return computeNodeRecord(ip, { alive, load });
}

const busy = (runningQueries: number, cpu = 50) => ({ runningQueries, cpuUsedPercent: cpu, memUsedPercent: 30 });
/** Under queue v1 every query holds 1 slot; `slots` gives v2's estimates. */
const queue = (
  running: number,
  pending: number,
  slots: { running: number; pending: number } | null = { running, pending },
): QueueReading => ({
  kind: 'Read',
  queue: { running, pending, slots },
});

describe('groupLoad', () => {
  it('2.4: no load columns and no queue give null figures and say why', () => {
    const load = groupLoad({
      nodes: [node('10.0.0.1', true, null)],
      queue: { kind: 'Unsupported', message: 'Syntax error in line 1: SHOW RUNNING QUERIES' },
      memberAddresses: ['10.0.0.1:9050'],
    });
    assert.equal(load.aliveComputeNodes, 1);
    assert.equal(load.runningQueries, null);
    assert.equal(load.queryLoad, null);
    assert.equal(load.cpuUsedPercent, null);
    assert.deepEqual(
      load.gaps.map((gap) => gap.kind),
      ['NoLoadColumns', 'QueueUnsupported'],
    );
  });

  it("3.3: sums running queries over the group's alive CNs and averages CPU; the whole queue when it is alone", () => {
    const load = groupLoad({
      nodes: [
        node('10.0.0.1', true, busy(3, 90)),
        node('10.0.0.2', true, busy(1, 30)),
        node('10.0.0.3', false, busy(7)),
      ],
      queue: queue(4, 4), // 4 queries on one CN each: a queued one counts as 1 CN
      memberAddresses: ['10.0.0.1:9050', '10.0.0.2:9050', '10.0.0.3:9050'],
    });
    assert.deepEqual(
      { ...load, gaps: load.gaps.length },
      {
        aliveComputeNodes: 2,
        runningQueries: 4,
        pendingQueries: 4,
        queryLoad: 8,
        slotLoad: 8,
        cpuUsedPercent: 60,
        memUsedPercent: 30,
        gaps: 0,
      },
    );
  });

  it('groups on one FE share its queue by their alive CNs, so the shares add up to the queue', () => {
    const nodes = [
      node('10.0.0.1', true, busy(2)),
      node('10.0.1.1', true, busy(2)),
      node('10.0.1.2', true, busy(2)),
      node('10.0.9.9', true, busy(0)), // added by hand: serves the queue too
    ];
    const a = groupLoad({ nodes, queue: queue(6, 8), memberAddresses: ['10.0.0.1:9050'] });
    const b = groupLoad({ nodes, queue: queue(6, 8), memberAddresses: ['10.0.1.1:9050', '10.0.1.2:9050'] });
    assert.equal(a.pendingQueries, 2);
    assert.equal(b.pendingQueries, 4);
  });

  it('counts a queued query as many CNs as the running ones occupy on average', () => {
    // 2 queries run, each on both CNs (NumRunningQueries 2 on each): a queued one will take 2 CNs too.
    const nodes = [node('10.0.0.1', true, busy(2)), node('10.0.0.2', true, busy(2))];
    const load = groupLoad({ nodes, queue: queue(2, 3), memberAddresses: ['10.0.0.1:9050', '10.0.0.2:9050'] });
    assert.equal(load.runningQueries, 4);
    assert.equal(load.pendingQueries, 6);
    assert.equal(load.queryLoad, 10);
  });

  it("slotLoad: the group's share of the queue's slots, 1 per query under v1, the FE's estimates under v2", () => {
    const nodes = [node('10.0.0.1', true, busy(2)), node('10.0.1.1', true, busy(2)), node('10.0.1.2', true, busy(2))];
    const members = ['10.0.1.1:9050', '10.0.1.2:9050'];
    // v1: 3 running and 6 waiting queries are 9 slots; the group has 2 of the 3 alive CNs.
    const v1 = groupLoad({ nodes, queue: queue(3, 6), memberAddresses: members });
    assert.equal(v1.slotLoad, 6);
    // v2: the same queries hold 24 slots and ask for 48 more.
    const v2 = groupLoad({ nodes, queue: queue(3, 6, { running: 24, pending: 48 }), memberAddresses: members });
    assert.equal(v2.slotLoad, 48);
    assert.deepEqual([v2.pendingQueries, v2.queryLoad], [v1.pendingQueries, v1.queryLoad], 'the query figures stay');
  });

  it('slotLoad is unknown when a row gave no slot count, and when the queue was not read', () => {
    const nodes = [node('10.0.0.1', true, busy(1))];
    const members = ['10.0.0.1:9050'];
    const noSlots = groupLoad({ nodes, queue: queue(1, 2, null), memberAddresses: members });
    assert.equal(noSlots.slotLoad, null);
    assert.equal(noSlots.queryLoad, 3, 'the query figures stay known');
    const failed = groupLoad({ nodes, queue: { kind: 'Failed', message: 'timed out' }, memberAddresses: members });
    assert.equal(failed.slotLoad, null);
  });

  it('a queue read that failed leaves the queue figures unknown, the rest known', () => {
    const load = groupLoad({
      nodes: [node('10.0.0.1', true, busy(2))],
      queue: { kind: 'Failed', message: 'timed out' },
      memberAddresses: ['10.0.0.1:9050'],
    });
    assert.equal(load.runningQueries, 2);
    assert.equal(load.pendingQueries, null);
    assert.equal(load.queryLoad, null);
    assert.equal(load.gaps[0]?.kind, 'QueueNotRead');
  });
});

describe('LoadBoard', () => {
  it('publishes known figures as gauges labelled by namespace and group, and forgets deleted groups', async () => {
    const board = new LoadBoard();
    const registry = new Registry();
    board.register(registry);
    const load = groupLoad({
      nodes: [node('10.0.0.1', true, busy(5))],
      queue: queue(5, 1),
      memberAddresses: ['10.0.0.1:9050'],
    });
    board.sink.report('ns', 'g', load, new Date(0));
    const text = await registry.metrics();
    assert.match(text, /starrocks_cn_group_query_load\{namespace="ns",group="g"\} 6/);
    assert.match(text, /starrocks_cn_group_pending_queries\{namespace="ns",group="g"\} 1/);
    board.sink.forget('ns', 'g');
    assert.doesNotMatch(await registry.metrics(), /group="g"/);
  });
});
