import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, parseLevel } from '../../../src/runtime/logging.js';

function capture(): { stream: PassThrough; lines: () => Record<string, unknown>[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with a level label and the logger name', () => {
    const out = capture();
    createLogger({ name: 'register', level: 'info', destination: out.stream }).info(
      { address: '10.0.0.1:9050' },
      'added',
    );
    const lines = out.lines();
    assert.equal(lines.length, 1);
    assert.ok(!('name' in (lines[0] ?? {})), 'no pino name field to clash with object names');
    assert.deepEqual(
      {
        level: lines[0]?.['level'],
        logger: lines[0]?.['logger'],
        msg: lines[0]?.['msg'],
        address: lines[0]?.['address'],
      },
      { level: 'info', logger: 'register', msg: 'added', address: '10.0.0.1:9050' },
    );
  });

  it('redacts passwords wherever they are nested', () => {
    const out = capture();
    createLogger({ name: 't', level: 'info', destination: out.stream }).info(
      { password: 'hunter2', fe: { password: 'hunter3', user: 'root' }, FE_PWD: 'hunter4' },
      'connecting',
    );
    const text = JSON.stringify(out.lines());
    assert.ok(!text.includes('hunter'), text);
    assert.ok(text.includes('root'));
  });
});

describe('parseLevel', () => {
  it('accepts known levels in any case and refuses others', () => {
    assert.equal(parseLevel('DEBUG'), 'debug');
    assert.equal(parseLevel(' warn '), 'warn');
    assert.equal(parseLevel('verbose'), undefined);
    assert.equal(parseLevel(undefined), undefined);
  });
});
