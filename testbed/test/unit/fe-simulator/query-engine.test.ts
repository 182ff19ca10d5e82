// The FE simulator's query workload: placement on the CNs alive at start, the queue, and failed queries when a CN
// with fragments stops.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QueryEngine } from '../../../fe-simulator/index.js';

describe('QueryEngine', () => {
  it('places a query on the CNs alive when it starts; a CN added later does nothing for it', () => {
    const engine = new QueryEngine({ slotsPerCN: 2 });
    engine.setAliveComputeNodes(['a:9050']);
    const first = engine.submit({ at: 0, work: 10, width: 4 }, 0);
    engine.advance(0);
    assert.deepEqual(first.cns, ['a:9050']);
    assert.equal(first.endsAt, 10_000, 'alone on one CN: 10 CN-seconds take 10 s');
    engine.setAliveComputeNodes(['a:9050', 'b:9050']);
    engine.advance(1000);
    assert.deepEqual(first.cns, ['a:9050']);
    assert.equal(engine.runningOn('b:9050'), 0);
    const second = engine.submit({ at: 1000, work: 10, width: 4 }, 1000);
    engine.advance(1000);
    assert.deepEqual([...second.cns].sort(), ['a:9050', 'b:9050']);
    assert.equal(second.endsAt, 6000);
  });

  it('queues in arrival order while no slot is free, and reports the queue and the load as the FE would', () => {
    const engine = new QueryEngine({ slotsPerCN: 1 });
    engine.setAliveComputeNodes(['a:9050']);
    engine.submit({ at: 0, work: 2, width: 1 }, 0);
    const queued = engine.submit({ at: 0, work: 2, width: 1 }, 0);
    engine.advance(0);
    assert.deepEqual(engine.queue(), { running: 1, pending: 1 });
    assert.equal(engine.cpuPercent('a:9050'), 100);
    engine.advance(2000);
    assert.equal(queued.startedAt, 2000);
    engine.advance(4000);
    assert.deepEqual(engine.queue(), { running: 0, pending: 0 });
    assert.equal(engine.runningOn('a:9050'), 0);
  });

  it('fails the queries with a fragment on a CN whose pod stops; a CN only dropped takes no new ones', () => {
    const engine = new QueryEngine({ slotsPerCN: 4 });
    engine.setAliveComputeNodes(['a:9050', 'b:9050']);
    const spread = engine.submit({ at: 0, work: 20, width: 2 }, 0);
    engine.advance(0);
    engine.setAliveComputeNodes(['a:9050']); // b dropped from the FE: its fragments keep running
    const later = engine.submit({ at: 0, work: 1, width: 2 }, 100);
    engine.advance(100);
    assert.deepEqual(later.cns, ['a:9050']);
    assert.equal(spread.failed, false);
    assert.equal(engine.stopComputeNode('b:9050', 200), 1);
    assert.equal(spread.failed, true);
    assert.equal(later.failed, false);
  });
});
