// The FE simulator's query workload: placement on the CNs alive at start, the queue, and what a CN leaving does to
// the queries on it (docs/fe-simulator.md, "A CN leaving").
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

  it('with no alive BE nor CN a query fails at once; alive BEs take the work when no CN is left', () => {
    const engine = new QueryEngine({ slotsPerCN: 2 });
    engine.setAliveComputeNodes([]);
    const nothing = engine.submit({ at: 0, work: 2, width: 2 }, 0);
    engine.advance(0);
    assert.deepEqual([nothing.failed, nothing.error, nothing.finishedAt], [true, 'no-compute', 0]);
    engine.setFeView({ schedulable: [], registered: [], dead: [], backends: ['be:9050'] });
    const onBe = engine.submit({ at: 1000, work: 2, width: 2 }, 1000);
    engine.advance(1000);
    assert.deepEqual([onBe.failed, onBe.cns, onBe.endsAt], [false, ['be:9050'], 3000]);
    engine.setFeView({ schedulable: ['a:9050'], registered: ['a:9050'], dead: [], backends: ['be:9050'] });
    const both = engine.submit({ at: 2000, work: 2, width: 2 }, 2000);
    engine.advance(2000);
    assert.deepEqual([...both.cns].sort(), ['a:9050', 'be:9050']);
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

  it('a DROP cancels nothing: the dropped CN takes no new fragments and its running ones finish', () => {
    const engine = new QueryEngine({ slotsPerCN: 4 });
    engine.setAliveComputeNodes(['a:9050', 'b:9050']);
    const spread = engine.submit({ at: 0, work: 20, width: 2 }, 0);
    engine.advance(0);
    engine.setAliveComputeNodes(['a:9050']); // b dropped from the FE
    const later = engine.submit({ at: 100, work: 1, width: 2 }, 100);
    engine.advance(100);
    assert.deepEqual(later.cns, ['a:9050']);
    engine.advance(10_000);
    assert.equal(spread.finishedAt, 10_000);
    assert.equal(spread.failed, false);
  });

  it('a dropped CN that exits under a query leaves it hanging until its timeout: nothing watches the CN', () => {
    const engine = new QueryEngine({ slotsPerCN: 4 });
    engine.setAliveComputeNodes(['a:9050', 'b:9050']);
    const query = engine.submit({ at: 0, work: 60, width: 2, timeoutMs: 300_000 }, 0);
    engine.advance(0);
    engine.setFeView({ schedulable: ['a:9050'], registered: ['a:9050'], dead: [] }); // b dropped
    engine.exit('b:9050', 5_000);
    engine.advance(31_000); // long past its 30 s of work
    assert.equal(query.finishedAt, null);
    assert.deepEqual(engine.lostQueries(), [query]);
    assert.equal(engine.runningOn('a:9050'), 1, 'its fragment on a still holds the slot, waiting for b');
    engine.advance(299_999);
    assert.equal(query.finishedAt, null);
    engine.advance(300_000);
    assert.equal(query.error, 'timeout');
    assert.equal(engine.runningOn('a:9050'), 0);
  });

  it('a listed CN that exits under a query: cancelled once the FE declares it dead, re-planned once', () => {
    const engine = new QueryEngine({ slotsPerCN: 4 });
    engine.setAliveComputeNodes(['a:9050', 'b:9050']);
    const query = engine.submit({ at: 0, work: 60, width: 2 }, 0);
    engine.advance(0);
    engine.exit('b:9050', 5_000);
    // Still listed and alive until the 4th failed heartbeat: the query waits.
    engine.advance(15_000);
    assert.equal(query.finishedAt, null);
    engine.setFeView({ schedulable: ['a:9050'], registered: ['a:9050', 'b:9050'], dead: ['b:9050'] });
    engine.advance(20_000);
    assert.equal(query.retried, true);
    assert.deepEqual(query.cns, ['a:9050'], 're-planned on the CN left, from the start');
    assert.equal(query.endsAt, 80_000);
    engine.advance(80_000);
    assert.equal(query.failed, false);
  });

  it('a query already re-planned fails when a CN under it is declared dead', () => {
    const engine = new QueryEngine({ slotsPerCN: 4 });
    engine.setAliveComputeNodes(['a:9050', 'b:9050', 'c:9050']);
    const query = engine.submit({ at: 0, work: 60, width: 2 }, 0);
    engine.advance(0);
    const [first, second] = query.cns;
    engine.setFeView({
      schedulable: ['c:9050', second ?? ''],
      registered: ['a:9050', 'b:9050', 'c:9050'],
      dead: [first ?? ''],
    });
    engine.advance(1_000);
    assert.equal(query.retried, true);
    engine.setFeView({ schedulable: [], registered: ['a:9050', 'b:9050', 'c:9050'], dead: [...query.cns] });
    engine.advance(2_000);
    assert.equal(query.error, 'cn-lost');
  });

  it('SIGTERM: the CN rejects new fragments, waits for its running ones, and exits when they are done', () => {
    const engine = new QueryEngine({ slotsPerCN: 4 });
    engine.setAliveComputeNodes(['a:9050', 'b:9050']);
    const running = engine.submit({ at: 0, work: 10, width: 1 }, 0);
    engine.advance(0);
    const on = running.cns[0] ?? '';
    engine.stopGracefully(on, 1_000, 20_000);
    assert.equal(engine.processState(on), 'stopping');
    engine.advance(10_000);
    assert.equal(running.failed, false, 'finished within the graceful wait');
    engine.advance(10_001);
    assert.equal(engine.processState(on), 'exited', 'nothing left to wait for');
  });

  it('SIGTERM past the graceful wait: the CN exits with fragments still running (0 s on 3.3)', () => {
    const engine = new QueryEngine({ slotsPerCN: 4 });
    engine.setAliveComputeNodes(['a:9050']);
    const long = engine.submit({ at: 0, work: 60, width: 1 }, 0);
    engine.advance(0);
    engine.stopGracefully('a:9050', 1_000, 0);
    assert.equal(engine.processState('a:9050'), 'exited');
    assert.deepEqual(long.lostCns, ['a:9050']);
  });

  it('a query the FE places on a stopping CN is re-planned once without it; the FE then avoids that CN', () => {
    const engine = new QueryEngine({ slotsPerCN: 4 });
    engine.setAliveComputeNodes(['a:9050', 'b:9050']);
    engine.stopGracefully('a:9050', 0, 20_000); // the FE has not heard of it yet: still schedulable
    const first = engine.submit({ at: 0, work: 1, width: 1 }, 0);
    engine.advance(0);
    assert.equal(first.retried, true);
    assert.deepEqual(first.cns, ['b:9050']);
    const second = engine.submit({ at: 0, work: 1, width: 1 }, 0);
    engine.advance(0);
    assert.equal(second.retried, false, 'a is blacklisted by this FE after its first rejection');
    assert.equal(second.failed, false);
  });

  it('a query rejected again after its re-plan fails', () => {
    const engine = new QueryEngine({ slotsPerCN: 4 });
    engine.setAliveComputeNodes(['c:9050']);
    engine.submit({ at: 0, work: 100, width: 1 }, 0); // c is the busiest CN from now on
    engine.advance(0);
    engine.setAliveComputeNodes(['a:9050', 'b:9050', 'c:9050']);
    engine.stopGracefully('a:9050', 0, 20_000);
    engine.stopGracefully('b:9050', 0, 20_000);
    const query = engine.submit({ at: 0, work: 1, width: 1 }, 0);
    engine.advance(0);
    assert.equal(query.error, 'rejected', 'placed on a, then re-planned on b: both stopping');
  });

  it('a KILL fails a query at once and frees its slots; a queued query times out from its arrival', () => {
    const engine = new QueryEngine({ slotsPerCN: 1 });
    engine.setAliveComputeNodes(['a:9050']);
    const running = engine.submit({ at: 0, work: 100, width: 1 }, 0);
    const queued = engine.submit({ at: 0, work: 1, width: 1, timeoutMs: 5_000 }, 0);
    engine.advance(0);
    assert.deepEqual(engine.queriesOn('a:9050'), [running]);
    engine.advance(5_000);
    assert.equal(queued.error, 'timeout');
    assert.equal(engine.kill(running.id, 6_000), true);
    assert.equal(running.error, 'killed');
    assert.equal(engine.runningOn('a:9050'), 0);
  });
});
