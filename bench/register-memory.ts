// Resident memory of the register sidecar as the image runs it (compiled JavaScript, `node dist/cli/main.js
// register`, default timing), registered against the FE simulator: RSS once it is ready, and after one minute.
// Linux only (reads /proc/<pid>/status).
//
//   node --import tsx bench/register-memory.ts [seconds]    (default 60)
//
// Two entries are measured: the image's `cli/main.js register` (which loads every subcommand's module), and an
// entry that loads only the register module (what main.js costs once subcommands are loaded lazily).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CnEmulator } from '../test/support/cn-emulator/index.js';
import { FeSimulator } from '../test/support/fe-simulator/index.js';

const CN_IP = '10.244.7.9';
const CN_ADDRESS = `${CN_IP}:9050`;
const seconds = Number(process.argv[2] ?? '60');

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? NaN);
}

async function readyz(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

interface Measurement {
  readyAfterMs: number;
  atReadyKiB: number;
  laterKiB: number;
  stillReady: boolean;
  shows: number;
}

async function measure(entry: string[]): Promise<Measurement> {
  const fe = new FeSimulator({ version: 'latest', heartbeatPeriodMs: 1000 });
  const cn = new CnEmulator({ state: 'up' });
  let pid: number | undefined;
  try {
    await cn.start();
    fe.liveness.mapToEndpoint(CN_ADDRESS, cn.healthUrl);
    await fe.start();
    const probePort = 18099 + Math.floor(Math.random() * 1000);
    const child = spawn(process.execPath, entry, {
      env: {
        PATH: process.env['PATH'],
        FE_ADDRS: fe.addresses.join(','),
        FE_USR: 'root',
        FE_PWD: '',
        CN_HOST: CN_IP,
        CN_PORT: '9050',
        CN_HTTP_PORT: String(cn.port),
        REGISTER_PROBE_HOST: '127.0.0.1',
        REGISTER_PROBE_PORT: String(probePort),
      },
      stdio: 'ignore',
    });
    pid = child.pid;
    if (pid === undefined) throw new Error('register did not start');
    const startedAt = Date.now();
    while (!(await readyz(probePort))) {
      if (Date.now() - startedAt > 60_000) throw new Error('register not ready within 60 s');
      await sleep(50);
    }
    const readyAfterMs = Date.now() - startedAt;
    const atReadyKiB = rssKiB(pid);
    await sleep(seconds * 1000);
    return {
      readyAfterMs,
      atReadyKiB,
      laterKiB: rssKiB(pid),
      stillReady: await readyz(probePort),
      shows: fe.statementsMatching(/SHOW COMPUTE NODES/i).length,
    };
  } finally {
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await fe.stop();
    await cn.stop();
  }
}

function report(name: string, m: Measurement): void {
  const mib = (kib: number): string => (kib / 1024).toFixed(1);
  console.log(
    `${name.padEnd(28)} start->ready ${String(m.readyAfterMs).padStart(6)} ms   RSS ready ${mib(m.atReadyKiB)} MiB   ` +
      `RSS +${seconds}s ${mib(m.laterKiB)} MiB   still ready ${m.stillReady}   SHOWs ${m.shows}`,
  );
}

// Compiled into an ignored folder inside the repository so that node_modules resolves as in the image.
const buildDir = mkdtempSync(join('.tmp', 'register-memory-'));
try {
  execFileSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', buildDir],
    {
      stdio: 'inherit',
    },
  );
  const registerOnly = join(buildDir, 'register-only.js');
  writeFileSync(registerOnly, "import { registerMain } from './cli/register.js';\nawait registerMain();\n");
  console.log(`register sidecar (compiled, node ${process.version}, default 10 s period), FE simulator 'latest'`);
  report('cli/main.js register', await measure([join(buildDir, 'cli', 'main.js'), 'register']));
  report('register module only', await measure([registerOnly]));
} finally {
  rmSync(buildDir, { recursive: true, force: true });
}
