// Shared set-up of the register integration tests: an FE simulator whose heartbeats of the CN's (fake) address go
// to a CN emulator on loopback, and the sidecar started in this process or as a child process. Only 127.0.0.1 is
// ever dialed: the CN's registered IP is a fake private address the simulator maps to the emulator.
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { CnEmulator } from '@starrocks-cn-operator/testbed/cn-emulator';
import { FeSimulator, type FeSimulatorOptions } from '@starrocks-cn-operator/testbed/fe-simulator';
import { parseRegisterConfig, startRegister, type RunningRegister } from '../../../src/components/register/index.js';
import { createLogger } from '../../../src/runtime/logging.js';

export const CN_IP = '10.244.7.9';
export const CN_ADDRESS = `${CN_IP}:9050`;
export const FQDN = 'g-0.g-cn.ns.svc.cluster.local';

export interface Fixture {
  fe: FeSimulator;
  cn: CnEmulator;
  stop(): Promise<void>;
}

export async function startFixture(options: FeSimulatorOptions, cnAddress = CN_ADDRESS): Promise<Fixture> {
  const fe = new FeSimulator({ heartbeatPeriodMs: 100, heartbeatTimeoutMs: 200, ...options });
  const cn = new CnEmulator({ state: 'up' });
  await cn.start();
  fe.liveness.mapToEndpoint(cnAddress, cn.healthUrl);
  await fe.start();
  return {
    fe,
    cn,
    stop: async () => {
      await fe.stop();
      await cn.stop();
    },
  };
}

/** Settings for the sidecar under test: short periods so that each scenario takes about a second. */
export function sidecarEnv(
  fixture: Fixture,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    FE_ADDRS: fixture.fe.addresses.join(','),
    FE_USR: 'root',
    FE_PWD: '',
    CN_HOST: CN_IP,
    CN_PORT: '9050',
    CN_HTTP_PORT: String(fixture.cn.port),
    CN_HEALTH_HOST: '127.0.0.1',
    REGISTER_PROBE_HOST: '127.0.0.1',
    REGISTER_PROBE_PORT: '0',
    REGISTER_PERIOD_SECONDS: '0.3',
    REGISTER_HEALTH_POLL_SECONDS: '0.05',
    REGISTER_ERROR_RETRY_MAX_SECONDS: '0.4',
    FE_CONNECT_TIMEOUT_MS: '500',
    FE_QUERY_TIMEOUT_MS: '1000',
    ...overrides,
  };
}

export type LogLine = Record<string, unknown> & { event?: string; msg?: string; level?: string };

export interface Sidecar {
  running: RunningRegister;
  logs(): LogLine[];
  events(): string[];
  probe(path: '/readyz' | '/healthz'): Promise<number>;
  stop(): Promise<void>;
}

function lineReader(): { stream: PassThrough; lines: () => LogLine[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
  };
}

export async function startSidecar(env: Record<string, string | undefined>): Promise<Sidecar> {
  const parsed = parseRegisterConfig(env);
  if (!parsed.ok) throw new Error(`bad test settings: ${JSON.stringify(parsed.errors)}`);
  const out = lineReader();
  const logger = createLogger({ name: 'register', level: 'debug', destination: out.stream });
  const stop = new AbortController();
  const running = await startRegister(parsed.value, logger, stop.signal);
  return {
    running,
    logs: out.lines,
    events: () => out.lines().flatMap((line) => (typeof line.event === 'string' ? [line.event] : [])),
    probe: async (path) => {
      const response = await fetch(`http://127.0.0.1:${running.probePort}${path}`, {
        signal: AbortSignal.timeout(2000),
      });
      await response.body?.cancel();
      return response.status;
    },
    stop: async () => {
      stop.abort();
      await running.finished;
    },
  };
}

/** Polls until the check passes; fails after timeoutMs with the description. Never unbounded. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ChildSidecar {
  child: ChildProcess;
  lines(): LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Runs `node --import tsx src/cli/main.ts register` (the image's command, from source) with the given env. */
export function spawnSidecar(env: Record<string, string | undefined>): ChildSidecar {
  const clean: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], LOG_LEVEL: 'debug' };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) clean[key] = value;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'register'], {
    env: clean,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal, at: Date.now() });
    });
  });
  return {
    child,
    exited,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
  };
}

/** Stops a child by its pid (SIGKILL) if it is still running; for test clean-up. */
export function killIfRunning(sidecar: ChildSidecar): void {
  if (sidecar.child.exitCode === null && sidecar.child.signalCode === null && sidecar.child.pid !== undefined) {
    process.kill(sidecar.child.pid, 'SIGKILL');
  }
}
