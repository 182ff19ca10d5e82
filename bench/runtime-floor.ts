// What a Node runtime costs before the manager does any work: for each `--node <binary>`, the resident memory of a
// bare process that only waits, then of the compiled manager that has loaded its modules and waits for an API server
// that is not there (a kubeconfig to a closed loopback port), without V8 flags and with each `--flags` set. Each figure
// is VmRSS split into anonymous and file pages (/proc/<pid>/status) after `--settle` seconds. `--write` puts the
// table into docs/benchmarks.md (section runtime-floor). No cluster needed; Linux only.
//   npm run build && node --import tsx bench/runtime-floor.ts --node /path/to/node24 [--node ...]
//       [--flags="--max-semi-space-size=1" ...] [--settle 12] [--write]   (the = is needed: the value starts with -)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { compiledCli } from '../test/support/e2e.js';
import { docSection } from './support/doc-section.js';
import { statusKiB } from './support/proc.js';

const { values } = parseArgs({
  options: {
    node: { type: 'string', multiple: true },
    flags: { type: 'string', multiple: true },
    settle: { type: 'string', default: '12' },
    write: { type: 'boolean', default: false },
  },
});
const settleMs = Number(values.settle) * 1000;
if (!Number.isFinite(settleMs) || settleMs < 1000 || settleMs > 120_000) throw new Error('--settle: 1 to 120 seconds');

/** Resident memory in MiB, or why there is none: the process ended before it was read. */
type Figures = { rss: number; anon: number; file: number } | { exited: string };

interface Floor {
  node: string;
  what: string;
  figures: Figures;
}

const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  // Port 1 on loopback: nothing listens, so the manager waits (and retries) without an API server.
  'clusters: [{name: none, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
  'users: [{name: none, user: {token: none}}]',
  'contexts: [{name: none, context: {cluster: none, user: none}}]',
  'current-context: none',
  '',
].join('\n');

/** Starts `args` on `node`, waits, reads its memory, stops it by its pid. A process that ended says why. */
async function measure(node: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Figures> {
  // Both outputs kept (the last 4 KiB): the manager logs a fatal error as JSON on stdout, Node its own on stderr.
  const child = spawn(node, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${node} did not start`);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4096);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  try {
    await sleep(settleMs);
    if (child.exitCode !== null) {
      const reason = /^\w*Error: .*$/m.exec(output)?.[0] ?? /"msg":"[^"]*"/.exec(output)?.[0] ?? 'no error printed';
      return { exited: `exited with ${child.exitCode}: ${reason}` };
    }
    const mib = (field: 'VmRSS' | 'RssAnon' | 'RssFile') => statusKiB(pid, field) / 1024;
    return { rss: mib('VmRSS'), anon: mib('RssAnon'), file: mib('RssFile') };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000, undefined, { ref: false })]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function version(node: string): string {
  return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
}

function cells(figures: Figures): string {
  if ('exited' in figures) return `${figures.exited} | | `;
  const mib = (value: number) => `${value.toFixed(1)} MiB`;
  return `${mib(figures.rss)} | ${mib(figures.anon)} | ${mib(figures.file)}`;
}

function table(rows: readonly Floor[]): string {
  const lines = rows.map((row) => `| ${row.node} | ${row.what} | ${cells(row.figures)} |`);
  return ['| Node | process | resident | anonymous | file |', '| --- | --- | --- | --- | --- |', ...lines].join('\n');
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'runtime-floor-'));
try {
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfig, KUBECONFIG, { mode: 0o600 });
  const env = { PATH: process.env['PATH'], HOME: process.env['HOME'], KUBECONFIG: kubeconfig };
  const manager = [...compiledCli(), 'manager', '--metrics-bind-address=0', '--health-probe-bind-address=127.0.0.1:0'];
  const flagSets = (values.flags ?? []).map((set) => set.split(/\s+/).filter((flag) => flag !== ''));
  const rows: Floor[] = [];
  for (const node of values.node ?? [process.execPath]) {
    const runs: [string, string[]][] = [
      ['bare (`node -e` waiting)', ['-e', 'setTimeout(() => undefined, 600000)']],
      ['manager, no V8 flags', manager],
      ...flagSets.map((flags): [string, string[]] => [`manager, \`${flags.join(' ')}\``, [...flags, ...manager]]),
    ];
    const nodeVersion = version(node);
    for (const [what, args] of runs) {
      const figures = await measure(node, args, env);
      rows.push({ node: nodeVersion, what, figures });
      console.log(`${nodeVersion} ${what}: ${cells(figures)}`);
    }
  }
  const text = table(rows);
  console.log(`\n${text}`);
  if (values.write) {
    const section = await docSection('runtime-floor', 'bench/runtime-floor.ts');
    const when = new Date().toISOString().slice(0, 10);
    await section.write(`After ${settleMs / 1000} s, run of ${when}:\n\n${text}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
