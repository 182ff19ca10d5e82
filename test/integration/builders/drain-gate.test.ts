// The drain gate of the CN's preStop hook, run for real: the script the operator puts into every pod, under the
// machine's /bin/sh and under busybox sh (the shell of small images), against a CN /metrics served on loopback.
// It must stop the CN once it runs no query, not before the lead, and never later than the window.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  DRAIN_LEAD_SECONDS,
  cnLifecycle,
  drainGateDeadlineSeconds,
  drainGracePeriodSeconds,
} from '../../../src/builders/drain-gate.js';

const BUSYBOX = '/usr/bin/busybox';
/** The applets the gate and the stop script need, as a busybox-only image has them (no curl: wget reads /metrics). */
const APPLETS = ['sh', 'sed', 'date', 'sleep', 'timeout', 'wget', 'echo', 'printf', '['];

interface Shell {
  label: string;
  program: string[];
  /** PATH for the run: the machine's, or a directory of busybox applets only. */
  busyboxOnly: boolean;
}

const SHELLS: Shell[] = [
  { label: '/bin/sh with curl', program: ['/bin/sh'], busyboxOnly: false },
  ...(existsSync(BUSYBOX) ? [{ label: 'busybox sh with wget', program: [BUSYBOX, 'sh'], busyboxOnly: true }] : []),
];

interface Run {
  seconds: number;
  log: string;
  stopped: boolean;
}

/**
 * A CN /metrics whose running-query count follows `count(secondsSinceStart)`; null answers 500, 'absent' serves
 * metrics without the gauge.
 */
async function metricsServer(
  count: (seconds: number) => number | null | 'absent',
): Promise<{ server: Server; port: number }> {
  const started = Date.now();
  const server = createServer((request, response) => {
    const value = count((Date.now() - started) / 1000);
    if (request.url !== '/metrics' || value === null) {
      response.writeHead(500).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' });
    const gauge =
      value === 'absent'
        ? ''
        : `# TYPE starrocks_be_pip_query_ctx_cnt gauge\nstarrocks_be_pip_query_ctx_cnt ${value}\n`;
    response.end(`${gauge}starrocks_be_pipe_drivers 7\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('the drain gate of the preStop hook', { concurrency: true }, () => {
  test('busybox is there, or the busybox cases below are missing', () => {
    // hack/prerequisites.sh installs busybox-static (the real-node image's shell): its absence is a broken setup.
    assert.ok(existsSync(BUSYBOX), `${BUSYBOX} is missing: run hack/prerequisites.sh`);
  });

  let dir = '';
  let allApplets = '';
  let withoutDate = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'drain-gate-'));
    allApplets = path.join(dir, 'bin');
    withoutDate = path.join(dir, 'bin-without-date');
    await mkdir(allApplets);
    await mkdir(withoutDate);
    if (!existsSync(BUSYBOX)) return;
    for (const applet of APPLETS) {
      await symlink(BUSYBOX, path.join(allApplets, applet));
      if (applet !== 'date') await symlink(BUSYBOX, path.join(withoutDate, applet));
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function runGate(
    shell: Shell,
    name: string,
    window: number,
    count: (s: number) => number | null | 'absent',
    applets = '',
  ) {
    const { server, port } = await metricsServer(count);
    try {
      const stopMarker = path.join(dir, `${name}.stopped`);
      const stopScript = path.join(dir, `${name}-stop_cn.sh`);
      await writeFile(stopScript, `#!/bin/sh\n[ "$1" = "-g" ] && echo graceful > '${stopMarker}'\n`);
      await chmod(stopScript, 0o755);
      const lifecycle = cnLifecycle({
        order: 'Drain',
        windowSeconds: window,
        gracePeriodSeconds: drainGracePeriodSeconds('Drain', window, 0),
        httpPort: port,
        stopScript,
      });
      const command = lifecycle?.preStop?.exec?.command;
      assert.ok(command !== undefined && command[0] === '/bin/sh' && command[1] === '-c');
      const logFile = path.join(dir, `${name}.log`);
      const started = Date.now();
      const [program, ...args] = shell.program;
      const pathEnv = shell.busyboxOnly ? applets || allApplets : (process.env['PATH'] ?? '/usr/bin:/bin');
      await promisify(execFile)(program ?? '/bin/sh', [...args, '-c', command[2] ?? ''], {
        env: { PATH: pathEnv, DRAIN_LOG: logFile },
        timeout: (window + 20) * 1000,
      });
      const run: Run = {
        seconds: (Date.now() - started) / 1000,
        log: await readFile(logFile, 'utf8').catch(() => ''),
        stopped: existsSync(stopMarker),
      };
      return run;
    } finally {
      server.close();
    }
  }

  test('busybox without date: time from the loop, so the window still ends, never early', async () => {
    const shell = { label: 'busybox without date', program: [BUSYBOX, 'sh'], busyboxOnly: true };
    const run = await runGate(shell, 'no-date', 6, () => 1, withoutDate);
    const deadline = drainGateDeadlineSeconds(6);
    assert.ok(run.seconds >= deadline && run.seconds < deadline + 6, `stopped after ${run.seconds} s`);
    assert.match(run.log, /window of 6s over/);
    assert.ok(run.stopped, 'stop_cn.sh -g still ran (bounded by timeout)');
  });

  for (const [index, shell] of SHELLS.entries()) {
    const label = shell.label;
    test(`${label}: stops once the CN runs no query, after the lead`, async () => {
      // Busy for 7 s, then idle: the gate must wait for it.
      const run = await runGate(shell, `drains-${index}`, 30, (s) => (s < 7 ? 2 : 0));
      assert.ok(run.seconds >= 7 && run.seconds < 12, `stopped after ${run.seconds} s`);
      assert.match(run.log, /no running query after \d+s: stopping/);
      assert.ok(run.stopped, 'stop_cn.sh -g ran');
    });

    test(`${label}: an idle CN still waits for the lead (the operator's DROP) before it stops`, async () => {
      const run = await runGate(shell, `idle-${index}`, 30, () => 0);
      // The operator takes a terminating pod's CN out of scheduling within about a second: 4 s leaves it room.
      assert.ok(run.seconds >= 4 && run.seconds < DRAIN_LEAD_SECONDS + 4, `after ${run.seconds} s`);
      assert.ok(run.stopped);
    });

    test(`${label}: stops when the window ends, queries or not`, async () => {
      const run = await runGate(shell, `window-${index}`, 8, () => 3);
      // The window counts from the end of the lead (the operator's DROP), and never ends early.
      const deadline = drainGateDeadlineSeconds(8);
      assert.equal(deadline, DRAIN_LEAD_SECONDS + 8);
      assert.ok(run.seconds >= deadline && run.seconds < deadline + 4, `stopped after ${run.seconds} s`);
      assert.match(run.log, /window of 8s over: stopping the CN now/);
      assert.ok(run.stopped);
    });

    test(`${label}: a /metrics without the gauge ends the wait after a few reads, and says so`, async () => {
      const run = await runGate(shell, `absent-${index}`, 60, () => 'absent');
      assert.ok(run.seconds < DRAIN_LEAD_SECONDS + 8, `stopped after ${run.seconds} s`);
      assert.match(run.log, /has no starrocks_be_pip_query_ctx_cnt: stopping/);
      assert.ok(run.stopped);
    });

    test(`${label}: a /metrics that does not answer ends the wait after a few reads`, async () => {
      const run = await runGate(shell, `silent-${index}`, 60, () => null);
      assert.ok(run.seconds < DRAIN_LEAD_SECONDS + 8, `stopped after ${run.seconds} s`);
      assert.match(run.log, /does not answer: stopping/);
      assert.ok(run.stopped);
    });
  }
});
