// The CN emulator: /api/health like a CN (starrocks-fe.md section 7), switchable up/down, many at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CnEmulator, HEALTH_BODY, startCnEmulators } from '../../../cn-emulator/index.js';

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return { status: response.status, body: await response.text() };
}

describe('CN emulator', () => {
  it('answers GET /api/health with 200 and the CN body while up', async () => {
    const cn = new CnEmulator();
    await cn.start();
    try {
      assert.deepEqual(await get(cn.healthUrl), { status: 200, body: HEALTH_BODY });
      assert.equal(HEALTH_BODY, '{"status": "OK","msg": "To Be Added"}');
      assert.equal((await get(cn.healthUrl.replace('/api/health', '/other'))).status, 404);
      assert.equal(cn.healthRequests, 1);
    } finally {
      await cn.stop();
    }
  });

  it('down cuts the connection; up answers again on the same port', async () => {
    const cn = new CnEmulator();
    const port = await cn.start();
    try {
      cn.setState('down');
      await assert.rejects(get(cn.healthUrl));
      cn.setState('up');
      assert.equal(cn.port, port);
      assert.equal((await get(cn.healthUrl)).status, 200);
    } finally {
      await cn.stop();
    }
  });

  it('stall never answers', async () => {
    const cn = new CnEmulator({ state: 'stall' });
    await cn.start();
    try {
      await assert.rejects(fetch(cn.healthUrl, { signal: AbortSignal.timeout(200) }), /abort|timeout/i);
    } finally {
      await cn.stop();
    }
  });

  it('runs many at once on distinct loopback ports', async () => {
    const cns = await startCnEmulators(20);
    try {
      assert.equal(new Set(cns.map((cn) => cn.port)).size, 20);
      const answers = await Promise.all(cns.map((cn) => get(cn.healthUrl)));
      assert.ok(answers.every((answer) => answer.status === 200));
    } finally {
      await Promise.all(cns.map((cn) => cn.stop()));
    }
  });
});
