import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { createLogger } from '../../../src/runtime/logging.js';
import { Shutdown } from '../../../src/runtime/shutdown.js';

function fakeProcess(): EventEmitter & Pick<NodeJS.Process, 'on' | 'off'> {
  return new EventEmitter() as EventEmitter & Pick<NodeJS.Process, 'on' | 'off'>;
}

const logger = createLogger({ name: 'test', level: 'silent' });

describe('Shutdown', () => {
  it('runs the steps in order on SIGTERM and exits 0', async () => {
    const source = fakeProcess();
    const order: string[] = [];
    const exited = new Promise<number>((resolve) => {
      const shutdown = new Shutdown({ logger, signalSource: source, exit: resolve });
      shutdown.register('controllers', async () => {
        await new Promise((r) => setTimeout(r, 20));
        order.push('controllers');
      });
      shutdown.register('lease', () => {
        order.push('lease');
      });
      shutdown.install();
    });
    source.emit('SIGTERM', 'SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(order, ['controllers', 'lease']);
  });

  it('bounds the whole shutdown, keeps going after a failed step and exits 1', async () => {
    const ran: string[] = [];
    const shutdown = new Shutdown({ logger, timeoutMs: 100, exit: () => undefined, signalSource: fakeProcess() });
    shutdown.register('hangs', () => new Promise<void>(() => undefined));
    shutdown.register('throws', () => {
      throw new Error('boom');
    });
    shutdown.register('after', () => {
      ran.push('after');
    });
    const started = Date.now();
    assert.equal(await shutdown.run('test'), 1);
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(ran, ['after'], 'later steps still run (with no time left they time out at once or finish)');
  });

  it('exits at once on a second signal', async () => {
    const source = fakeProcess();
    const codes: number[] = [];
    const shutdown = new Shutdown({ logger, signalSource: source, exit: (code) => codes.push(code) });
    shutdown.register('slow', () => new Promise<void>((r) => setTimeout(r, 200)));
    shutdown.install();
    source.emit('SIGINT', 'SIGINT');
    source.emit('SIGINT', 'SIGINT');
    assert.deepEqual(codes, [1]);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(codes, [1, 0]);
  });
});
