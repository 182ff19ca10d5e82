// Resident memory and CPU of the register sidecar as the image runs it (compiled JavaScript, `node dist/cli/main.js
// register`, default timing), registered against the FE simulator: RSS once it is ready, then RSS and the CPU spent
// in each sampling interval, up to the end. Linux only (reads /proc/<pid>/status and /proc/<pid>/stat).
//
//   node --import tsx bench/register-memory.ts [seconds] [--every S] [--image-entry-only] [--node-flags="..."]
//       (defaults: 60 s, a sample every 60 s; 3600 for the hour the lean-manager issue asks about)
//
// Two entries are measured: the image's `cli/main.js register` (which loads every subcommand's module), and an
// entry that loads only the register module (what main.js costs once subcommands are loaded lazily);
// --image-entry-only measures the first alone.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CnEmulator } from '@starrocks-cn-operator/testbed/cn-emulator';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { cpuSeconds, statusKiB } from './support/proc.js';

const CN_IP = '10.244.7.9';
const CN_ADDRESS = `${CN_IP}:9050`;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    every: { type: 'string', default: '60' },
    'image-entry-only': { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
  },
});
const seconds = Number(positionals[0] ?? '60');
const everySeconds = Number(values.every);
const nodeFlags = values['node-flags'].split(' ').filter((flag) => flag !== '');
if (!Number.isInteger(seconds) || seconds < 1) throw new Error('seconds must be a positive integer');
if (!Number.isInteger(everySeconds) || everySeconds < 1) throw new Error('--every must be a positive integer');

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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

interface Sample {
  atSeconds: number;
  rssKiB: number;
  /** Private pages (heap, stacks); the rest of the RSS is file pages, mostly the Node binary's, shared. */
  anonKiB: number;
  cpuSeconds: number;
}

interface Measurement {
  readyAfterMs: number;
  atReadyKiB: number;
  samples: Sample[];
  laterKiB: number;
  stillReady: boolean;
  shows: number;
}

async function measure(entry: string[]): Promise<Measurement> {
  const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 1000 });
  const cn = new CnEmulator({ state: 'up' });
  let pid: number | undefined;
  try {
    await cn.start();
    fe.liveness.mapToEndpoint(CN_ADDRESS, cn.healthUrl);
    await fe.start();
    const probePort = 18099 + Math.floor(Math.random() * 1000);
    const child = spawn(process.execPath, [...nodeFlags, ...entry], {
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
    const atReadyKiB = statusKiB(pid, 'VmRSS');
    const samples: Sample[] = [];
    let cpuBefore = cpuSeconds(pid);
    for (let elapsed = 0; elapsed < seconds;) {
      const step = Math.min(everySeconds, seconds - elapsed);
      await sleep(step * 1000);
      elapsed += step;
      const cpuNow = cpuSeconds(pid);
      samples.push({
        atSeconds: elapsed,
        rssKiB: statusKiB(pid, 'VmRSS'),
        anonKiB: statusKiB(pid, 'RssAnon'),
        cpuSeconds: cpuNow - cpuBefore,
      });
      cpuBefore = cpuNow;
    }
    return {
      readyAfterMs,
      atReadyKiB,
      samples,
      laterKiB: statusKiB(pid, 'VmRSS'),
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
  const peak = Math.max(m.atReadyKiB, ...m.samples.map((sample) => sample.rssKiB));
  const cpu = m.samples.reduce((sum, sample) => sum + sample.cpuSeconds, 0);
  console.log(`${''.padEnd(28)} peak RSS ${mib(peak)} MiB   CPU ${cpu.toFixed(2)} s in ${seconds} s`);
  for (const sample of m.samples) {
    console.log(
      `${''.padEnd(28)} +${String(sample.atSeconds).padStart(5)} s   RSS ${mib(sample.rssKiB)} MiB ` +
        `(private ${mib(sample.anonKiB)})   ` +
        `CPU ${sample.cpuSeconds.toFixed(2)} s in the interval`,
    );
  }
}

// Compiled into an ignored folder inside the repository so that node_modules resolves as in the image.
mkdirSync('.tmp', { recursive: true });
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
  console.log(
    `register sidecar (compiled, node ${process.version} ${nodeFlags.join(' ')}, default 10 s period), FE simulator 3.5`,
  );
  report('cli/main.js register', await measure([join(buildDir, 'cli', 'main.js'), 'register']));
  if (!values['image-entry-only']) report('register module only', await measure([registerOnly]));
} finally {
  rmSync(buildDir, { recursive: true, force: true });
}
