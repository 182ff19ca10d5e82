import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  isAlive,
  isOurProcess,
  parsePid,
  readCmdline,
  startProcess,
  stopRecordedProcess,
} from '../../../control-plane/processes.js';

describe('isOurProcess', () => {
  const expected = { command: '/cache/bin/etcd', runDir: '/var/lib/cn-run' };
  it('accepts the expected binary started with an argument inside the run folder', () => {
    assert.equal(isOurProcess(['/cache/bin/etcd', '--data-dir=/var/lib/cn-run/etcd-data'], expected), true);
  });
  it('rejects another program, even with the run folder in its arguments', () => {
    assert.equal(isOurProcess(['/usr/bin/vim', '/var/lib/cn-run/etcd-data'], expected), false);
  });
  it('rejects the same binary of another run folder, also one whose name starts with ours', () => {
    assert.equal(isOurProcess(['/cache/bin/etcd', '--data-dir=/var/lib/other/etcd-data'], expected), false);
    assert.equal(isOurProcess(['/cache/bin/etcd', '--data-dir=/var/lib/cn-run2/etcd-data'], expected), false);
  });
  it('rejects an empty command line (zombie or kernel thread)', () => {
    assert.equal(isOurProcess([], expected), false);
  });
});

describe('parsePid', () => {
  it('reads one positive integer with surrounding whitespace', () => {
    assert.equal(parsePid(' 1234\n'), 1234);
  });
  it('rejects garbage, zero, negatives and several numbers', () => {
    for (const text of ['', 'abc', '0', '-5', '12 13', '1e3', '99999999999']) assert.equal(parsePid(text), null, text);
  });
});

// These start small node processes: the real /proc checks and signals are what is under test.
describe('stopRecordedProcess', () => {
  let dir = '';
  const stop = { graceMs: 2000, killWaitMs: 2000, pollMs: 50 };
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  async function startSleeper(name: string, ignoreTerm: boolean): Promise<{ pid: number; pidFile: string }> {
    dir = dir !== '' ? dir : await mkdtemp(path.join(os.tmpdir(), 'cp-proc-'));
    const script = ignoreTerm
      ? "process.on('SIGTERM', () => {}); console.log('handler installed'); setInterval(() => {}, 1000);"
      : 'setInterval(() => {}, 1000);';
    const pidFile = path.join(dir, `${name}.pid`);
    const pid = await startProcess(
      { component: 'etcd', command: process.execPath, args: ['-e', script, path.join(dir, 'marker')] },
      path.join(dir, `${name}.log`),
      pidFile,
      dir,
    );
    return { pid, pidFile };
  }

  it('stops our process with SIGTERM and removes the pid file', async () => {
    const { pid, pidFile } = await startSleeper('term', false);
    assert.equal(Number((await readFile(pidFile, 'utf8')).trim()), pid);
    assert.ok((await readCmdline(pid))?.includes(path.join(dir, 'marker')));
    const outcome = await stopRecordedProcess(pidFile, { command: process.execPath, runDir: dir }, stop);
    assert.equal(outcome, 'terminated');
    assert.equal(await isAlive(pid), false);
    await assert.rejects(readFile(pidFile, 'utf8'));
  });

  it('falls back to SIGKILL when SIGTERM is ignored', async () => {
    const { pid, pidFile } = await startSleeper('kill', true);
    // Wait (bounded) until it has installed its SIGTERM handler, or SIGTERM would still end it.
    const logFile = path.join(dir, 'kill.log');
    const deadline = Date.now() + 10_000;
    while (!(await readFile(logFile, 'utf8')).includes('handler installed') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const outcome = await stopRecordedProcess(
      pidFile,
      { command: process.execPath, runDir: dir },
      { ...stop, graceMs: 300 },
    );
    assert.equal(outcome, 'killed');
    assert.equal(await isAlive(pid), false);
  });

  it('leaves a live process alone when a stale pid file points at it but it is not ours', async () => {
    dir = dir !== '' ? dir : await mkdtemp(path.join(os.tmpdir(), 'cp-proc-'));
    const pidFile = path.join(dir, 'stale.pid');
    await writeFile(pidFile, `${process.pid}\n`); // this test process: alive, but not started for the run folder
    const outcome = await stopRecordedProcess(pidFile, { command: process.execPath, runDir: dir }, stop);
    assert.equal(outcome, 'not-ours');
    assert.equal(await isAlive(process.pid), true);
  });

  it('treats a pid file of an exited process as not running', async () => {
    const { pid, pidFile } = await startSleeper('gone', false);
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 3000;
    while ((await isAlive(pid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const outcome = await stopRecordedProcess(pidFile, { command: process.execPath, runDir: dir }, stop);
    assert.equal(outcome, 'not-running');
  });
});
