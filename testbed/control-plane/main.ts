// CLI: `tsx testbed/control-plane/main.ts up|down|env|status --dir <run dir> [--bin-dir <dir>]`.
// Progress goes to stderr; `env` prints shell `export` lines on stdout for `eval`.
import { Command } from 'commander';
import { down, envLines, isHealthy, up, type Flavour } from './control-plane.js';

const log = (line: string): void => {
  process.stderr.write(`[control-plane ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

interface DirOptions {
  dir: string;
  binDir?: string;
  flavour?: string;
}

function parseFlavour(text: string | undefined): Flavour {
  if (text === undefined || text === 'kwok' || text === 'bare') return text ?? 'kwok';
  throw new Error(`--flavour ${text}: expected kwok or bare`);
}

const program = new Command('control-plane')
  .description('A real Kubernetes control plane on loopback for the end-to-end tests')
  .showHelpAfterError();

program
  .command('up')
  .description('start (or reuse) the control plane in the run folder; prints the export lines of `env`')
  .requiredOption('--dir <dir>', 'run folder (PKI, kubeconfigs, logs, pid files, audit log)')
  .option('--bin-dir <dir>', 'folder of the binaries (default: the build script cache)')
  .option('--flavour <flavour>', 'kwok (fake nodes, the e2e tier) or bare (no node: the real-node tier adds one)')
  .action(async (options: DirOptions) => {
    await up({ dir: options.dir, binDir: options.binDir, flavour: parseFlavour(options.flavour), log });
    // The same lines as `env`, so a script can `eval "$(... up --dir D)"` without a second start of node.
    process.stdout.write((await envLines(options.dir)).join('\n') + '\n');
  });

program
  .command('down')
  .description('stop every process of the run folder by pid (safe to repeat)')
  .requiredOption('--dir <dir>', 'run folder')
  .option('--bin-dir <dir>', 'folder of the binaries (default: the build script cache)')
  .action(async (options: DirOptions) => {
    await down({ dir: options.dir, binDir: options.binDir, log });
    log('stopped');
  });

program
  .command('env')
  .description('print export lines for KUBECONFIG, CONTROL_PLANE_DIR and KUBECTL')
  .requiredOption('--dir <dir>', 'run folder')
  .action(async (options: DirOptions) => {
    process.stdout.write((await envLines(options.dir)).join('\n') + '\n');
  });

program
  .command('status')
  .description('exit 0 when the control plane of the run folder is running and ready')
  .requiredOption('--dir <dir>', 'run folder')
  .action(async (options: DirOptions) => {
    const healthy = await isHealthy(options.dir);
    log(healthy ? 'running' : 'not running');
    process.exitCode = healthy ? 0 : 1;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
