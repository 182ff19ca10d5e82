import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScrapedCpu } from '../../../metrics-api/scrapes.js';

/** Feeds `millicores` for pod `name` every second over [fromMs, toMs]. */
function feed(cpu: ScrapedCpu, name: string, fromMs: number, toMs: number, millicores: number): void {
  for (let ms = fromMs; ms <= toMs; ms += 1000) cpu.record(name, ms, millicores);
}

describe('metrics-server resolution (ScrapedCpu)', () => {
  it('reports the mean over the last interval, not the usage of the moment', () => {
    const cpu = new ScrapedCpu(15_000);
    feed(cpu, 'a', 0, 15_000, 200);
    assert.equal(cpu.due(14_999), false);
    assert.equal(cpu.due(15_000), true);
    // Age 15 s: not fresh, no earlier scrape: no figure yet, as metrics-server has one point only.
    assert.equal(cpu.scrape(15_000).get('a'), undefined);
    // Half the interval at 200m, half at 1000m: the mean, 600m.
    feed(cpu, 'a', 16_000, 22_000, 200);
    feed(cpu, 'a', 23_000, 30_000, 1000);
    const figure = cpu.scrape(30_000).get('a');
    assert.ok(figure !== undefined && Math.abs(figure - 1000 * (8 / 15) - 200 * (7 / 15)) < 1, String(figure));
  });

  it('gives a container between 10 s and one resolution old its start as the first point', () => {
    const cpu = new ScrapedCpu(15_000);
    feed(cpu, 'young', 4_000, 15_000, 1000);
    assert.equal(cpu.scrape(15_000).get('young'), 1000);
  });

  it('gives a container younger than 10 s no figure until the next scrape', () => {
    const cpu = new ScrapedCpu(15_000);
    feed(cpu, 'baby', 8_000, 15_000, 1000);
    assert.equal(cpu.scrape(15_000).get('baby'), undefined);
    feed(cpu, 'baby', 16_000, 30_000, 500);
    assert.equal(cpu.scrape(30_000).get('baby'), 500);
  });

  it('starts a pod recreated under the same name over (a new uid)', () => {
    const cpu = new ScrapedCpu(15_000);
    for (let ms = 0; ms <= 15_000; ms += 1000) cpu.record('a', ms, 1000, 'uid-1');
    cpu.scrape(15_000);
    for (let ms = 24_000; ms <= 30_000; ms += 1000) cpu.record('a', ms, 400, 'uid-2');
    assert.equal(cpu.scrape(30_000).get('a'), undefined, '6 s old: no figure yet, whatever the old pod had');
  });

  it('starts a pod over once it is forgotten', () => {
    const cpu = new ScrapedCpu(15_000);
    feed(cpu, 'a', 0, 15_000, 1000);
    cpu.scrape(15_000);
    cpu.forget('a');
    feed(cpu, 'a', 20_000, 30_000, 400);
    assert.equal(cpu.scrape(30_000).get('a'), 400);
  });
});
