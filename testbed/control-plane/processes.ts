// Starting and stopping the control plane's processes by pid. A pid file alone is not trusted: after a crash or a
// reboot the pid may belong to another program, so a process is only signalled when its command line shows it is
// the expected binary started for this run folder.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandSpec } from './args.js';

export interface ExpectedProcess {
  /** The program path the process was started with (argv[0]). */
  readonly command: string;
  /** The run folder; every control-plane process has it in one of its arguments. */
  readonly runDir: string;
}

/** Whether a command line (argv as read from /proc/<pid>/cmdline) is the expected process of this run. Pure. */
export function isOurProcess(argv: readonly string[], expected: ExpectedProcess): boolean {
  const [program, ...rest] = argv;
  if (program === undefined) return false;
  const sameProgram = program === expected.command || path.basename(program) === path.basename(expected.command);
  const runDirPrefix = expected.runDir.endsWith(path.sep) ? expected.runDir : expected.runDir + path.sep;
  return sameProgram && rest.some((arg) => arg.includes(runDirPrefix));
}

/** Parses a pid file's text; null when it does not hold one positive integer. Pure. */
export function parsePid(text: string): number | null {
  const trimmed = text.trim();
  if (!/^[1-9][0-9]{0,9}$/.test(trimmed)) return null;
  const pid = Number(trimmed);
  return Number.isSafeInteger(pid) ? pid : null;
}

/** The argv of a running process, or null when there is no such process (Linux /proc). */
export async function readCmdline(pid: number): Promise<string[] | null> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    if (raw === '') return null; // zombies and kernel threads have an empty command line
    const argv = raw.split('\0');
    if (argv.at(-1) === '') argv.pop(); // the kernel ends every argument, the last one too, with a NUL
    return argv;
  } catch {
    return null;
  }
}

/** Whether the pid is a live process (a zombie counts as gone: it has exited, only its parent has not reaped it). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function readPidFile(pidFile: string): Promise<number | null> {
  try {
    return parsePid(await readFile(pidFile, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Starts a process detached from this one (it outlives the CLI that started it), output appended to `logFile`,
 * and records its pid. Resolves once the process has been spawned.
 */
/** What startProcess needs of a command: a name for messages, the program and its arguments. */
export type ProcessSpec = Pick<CommandSpec, 'command' | 'args'> & { readonly component: string };

export async function startProcess(spec: ProcessSpec, logFile: string, pidFile: string, cwd: string): Promise<number> {
  await mkdir(path.dirname(logFile), { recursive: true });
  await mkdir(path.dirname(pidFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], { cwd, detached: true, stdio: ['ignore', fd, fd] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (error) => {
        reject(new Error(`could not start ${spec.component} (${spec.command}): ${error.message}`));
      });
      child.once('spawn', () => {
        if (child.pid === undefined) reject(new Error(`${spec.component} started without a pid`));
        else resolve(child.pid);
      });
    });
    child.unref();
    await writeFile(pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(fd);
  }
}

export interface StopOptions {
  /** How long to wait after SIGTERM before SIGKILL. */
  readonly graceMs: number;
  /** How long to wait after SIGKILL before giving up. */
  readonly killWaitMs: number;
  readonly pollMs?: number;
}

export type StopOutcome = 'not-running' | 'not-ours' | 'terminated' | 'killed' | 'still-running';

async function waitGone(pid: number, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isAlive(pid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // ESRCH: it exited between the check and the signal, which is what we wanted.
    if (!(error instanceof Error && 'code' in error && error.code === 'ESRCH')) throw error;
  }
}

/** Stops the process recorded in `pidFile` if it is ours: SIGTERM, then SIGKILL after the grace period. */
export async function stopRecordedProcess(
  pidFile: string,
  expected: ExpectedProcess,
  options: StopOptions,
): Promise<StopOutcome> {
  const pid = await readPidFile(pidFile);
  if (pid === null) return 'not-running';
  const argv = await readCmdline(pid);
  let outcome: StopOutcome;
  if (argv === null || !(await isAlive(pid))) outcome = 'not-running';
  else if (!isOurProcess(argv, expected)) outcome = 'not-ours';
  else outcome = await terminate(pid, options);
  if (outcome !== 'still-running') await rm(pidFile, { force: true });
  return outcome;
}

async function terminate(pid: number, options: StopOptions): Promise<StopOutcome> {
  const pollMs = options.pollMs ?? 100;
  signal(pid, 'SIGTERM');
  if (await waitGone(pid, options.graceMs, pollMs)) return 'terminated';
  signal(pid, 'SIGKILL');
  return (await waitGone(pid, options.killWaitMs, pollMs)) ? 'killed' : 'still-running';
}

/** The pid in `pidFile` when that process is alive and ours, else null. */
export async function runningPid(pidFile: string, expected: ExpectedProcess): Promise<number | null> {
  const pid = await readPidFile(pidFile);
  if (pid === null || !(await isAlive(pid))) return null;
  const argv = await readCmdline(pid);
  return argv !== null && isOurProcess(argv, expected) ? pid : null;
}
