// The log of what ADD and DROP statements changed (FeSimulator.membershipChanges), which the e2e tests ask instead of
// matching the statements' text: proven here on DROPs spelled as the operator's own FE client spells them (single
// quotes today), in double quotes, in another case and with spaces, and on a DROP that failed half-way.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FeClient } from '../../../../src/fe/client.js';
import { FeSimulator } from '../../../fe-simulator/index.js';
import { sql } from './clients.js';

describe('FE simulator: the membership log', () => {
  let sim: FeSimulator;
  let port: number;
  before(async () => {
    sim = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 60_000 });
    await sim.start();
    port = sim.ports[0] ?? 0;
  });
  after(async () => {
    await sim.stop();
  });

  it("logs the CNs the operator's FE client adds and drops, whatever the quoting", async () => {
    const client = new FeClient({ addresses: [`127.0.0.1:${port}`], user: 'root', password: '' });
    try {
      const before = new Date();
      await client.addComputeNodes(['10.0.2.1:9050', '10.0.2.2:9050', '[fd00::7]:9050']);
      await client.dropComputeNodes(['10.0.2.1:9050', '[fd00::7]:9050']);
      assert.deepEqual(sim.membershipChanges('add', before), ['10.0.2.1:9050', '10.0.2.2:9050', '[fd00::7]:9050']);
      assert.deepEqual(sim.membershipChanges('drop', before), ['10.0.2.1:9050', '[fd00::7]:9050']);
    } finally {
      await client.close();
    }
    assert.equal((await sql(port, `alter system DROP compute node " 10.0.2.2 : 9050 "`)).ok, true);
    assert.ok(sim.membershipChanges('drop').includes('10.0.2.2:9050'));
  });

  it('logs only what the FE applied: a DROP that stops at an unknown node keeps the ones before it (3.3)', async () => {
    const before = new Date();
    assert.equal((await sql(port, `ALTER SYSTEM ADD COMPUTE NODE '10.0.3.1:9050'`)).ok, true);
    const answer = await sql(port, `ALTER SYSTEM DROP COMPUTE NODE '10.0.3.1:9050', '10.0.3.9:9050'`);
    assert.equal(answer.ok, false);
    assert.deepEqual(sim.membershipChanges('drop', before), ['10.0.3.1:9050']);
  });
});
