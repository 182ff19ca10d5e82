// The CN emulator image's program and scripts, run on the host: the esbuild bundle the image ships, started by
// start_cn.sh and stopped by stop_cn.sh under busybox sh (the image's shell), on loopback ports.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { HEALTH_BODY } from '../../../cn-emulator/index.js';
import { bundleCnEmulator } from '../../../images/cn-emulator-files.js';
import { START_CN_SH, STOP_CN_SH } from '../../../images/cn-scripts.js';
import { run } from '../../../images/run.js';
import { freePorts } from '../../../helpers/ports.js';
import { REPO_ROOT } from '../../../helpers/repo.js';

const BUSYBOX = '/usr/bin/busybox';

const Heartbeat = z.object({
  status: z.enum(['OK', 'SHUTDOWN']),
  bePort: z.number(),
  httpPort: z.number(),
  brpcPort: z.number(),
  version: z.string(),
});
const Counts = z.object({ running: z.number(), finished: z.number(), refused: z.number(), stopping: z.boolean() });

interface Cn {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
  http: string;
  heartbeat: string;
}

describe('CN emulator process with start_cn.sh / stop_cn.sh', { skip: !existsSync(BUSYBOX) && 'no busybox' }, () => {
  let home = '';
  let bundle = '';
  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'cn-emulator-'));
    for (const folder of ['bin', 'conf', 'lib']) await mkdir(path.join(home, folder));
    await writeFile(path.join(home, 'bin', 'start_cn.sh'), START_CN_SH);
    await writeFile(path.join(home, 'bin', 'stop_cn.sh'), STOP_CN_SH);
    await chmod(path.join(home, 'bin', 'stop_cn.sh'), 0o755);
    bundle = path.join(home, 'lib', 'cn-emulator.mjs');
    await bundleCnEmulator(REPO_ROOT, bundle);
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  const env = () => ({
    ...process.env,
    STARROCKS_HOME: home,
    CN_EMULATOR_NODE: process.execPath,
    CN_LISTEN_HOST: '127.0.0.1',
  });

  async function startCn(extraConf = ''): Promise<Cn> {
    const [heartbeat, be, web, brpc] = await freePorts(4);
    await writeFile(
      path.join(home, 'conf', 'cn.conf'),
      `heartbeat_service_port = ${heartbeat}\nbe_port = ${be}\nbe_http_port = ${web}\nbrpc_port = ${brpc}\n${extraConf}`,
    );
    const child = spawn(BUSYBOX, ['sh', path.join(home, 'bin', 'start_cn.sh')], { env: env(), stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        resolve({ code, signal });
      });
    });
    const deadline = Date.now() + 10_000;
    while (!output.includes('"event":"started"')) {
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`CN did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return {
      child,
      exit,
      output: () => output,
      http: `http://127.0.0.1:${web}`,
      heartbeat: `http://127.0.0.1:${heartbeat}/heartbeat`,
    };
  }

  const getJson = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(2000) })).json();
  const fragment = (cn: Cn, ms: number) =>
    fetch(`${cn.http}/test/fragments?ms=${ms}`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  /** How a fragment ended, settled at once so a cut-off is never an unhandled rejection. */
  const fragmentOutcome = (cn: Cn, ms: number) =>
    fragment(cn, ms).then(
      // The status line comes at once; a cut-off shows while the body is read.
      (response) =>
        response.text().then(
          () => `answered ${response.status}`,
          () => 'cut',
        ),
      () => 'cut',
    );
  const stopCn = (...args: string[]) =>
    run(BUSYBOX, ['sh', path.join(home, 'bin', 'stop_cn.sh'), ...args], { env: env() });

  it('answers health and heartbeats, then stop_cn.sh -g lets a running fragment finish and refuses new ones', async () => {
    const cn = await startCn();
    const health = await fetch(`${cn.http}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), HEALTH_BODY);
    const beat = Heartbeat.parse(await getJson(cn.heartbeat));
    assert.equal(beat.status, 'OK');
    assert.equal(beat.version, '3.4.5-emulator');
    assert.equal((await readFile(path.join(home, 'bin', 'cn.pid'), 'utf8')).trim(), String(cn.child.pid));

    const running = fragment(cn, 800);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = stopCn('-g', '--timeout', '10');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(Heartbeat.parse(await getJson(cn.heartbeat)).status, 'SHUTDOWN');
    const refused = await fragment(cn, 10);
    assert.equal(refused.status, 503);
    assert.deepEqual(await refused.json(), { outcome: 'refused' });
    assert.deepEqual(Counts.parse(await getJson(`${cn.http}/test/fragments`)), {
      running: 1,
      finished: 0,
      refused: 1,
      stopping: true,
    });
    const metrics = await (await fetch(`${cn.http}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    assert.match(metrics, /^starrocks_be_pip_query_ctx_cnt 1$/m, 'the running query, as the CN counts it');
    assert.match(metrics, /^starrocks_be_plan_fragment_count 0$/m, 'non-pipeline fragments only: none');
    const finished = await running;
    assert.equal(finished.status, 200);
    assert.deepEqual(await finished.json(), { outcome: 'finished', ms: 800 });
    assert.match(await stopping, /stopped/);
    assert.deepEqual(await cn.exit, { code: 0, signal: null });
    assert.ok(!existsSync(path.join(home, 'bin', 'cn.pid')));
    assert.match(cn.output(), /"event":"graceful-stop-began"/);
  });

  it('a graceful exit cuts fragments still running at its bound', async () => {
    const cn = await startCn('emulator_graceful_exit_seconds = 1\n');
    const running = fragmentOutcome(cn, 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await stopCn('-g');
    assert.equal(await running, 'cut');
    assert.ok(Date.now() - started < 4000);
    assert.deepEqual(await cn.exit, { code: 0, signal: null });
    assert.match(cn.output(), /"event":"fragments-cut","count":1/);
  });

  it('stop_cn.sh without -g kills the CN at once, cutting what runs', async () => {
    const cn = await startCn();
    const running = fragmentOutcome(cn, 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stopCn();
    assert.equal(await running, 'cut');
    assert.deepEqual(await cn.exit, { code: null, signal: 'SIGKILL' });
  });
});
