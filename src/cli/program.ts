// The command-line program. Each subcommand lives in its own module, loaded only when that command runs: the
// register sidecar must not pay (in start-up time and memory) for the manager, the schema or the Kubernetes client.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';

/** Adds one subcommand; `fullProgram` builds the program with every subcommand (completion lists them all). */
type AddCommand = (program: Command, fullProgram: () => Promise<Command>) => Command;

export const SUBCOMMANDS: Readonly<Record<string, () => Promise<AddCommand>>> = {
  render: async () => (await import('./render.js')).addRenderCommand,
  status: async () => (await import('./status.js')).addStatusCommand,
  manager: async () => (await import('./manager.js')).addManagerCommand,
  register: async () => (await import('./register.js')).addRegisterCommand,
  offline: async () => (await import('./offline.js')).addOfflineCommand,
  completion: async () => (await import('./completion.js')).addCompletionCommand,
};

function packageVersion(): string {
  // src/cli and dist/cli both sit two levels below the package root.
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') {
      return parsed.version;
    }
  } catch {
    // a copy of the program without its package.json still runs; it just cannot say its version
  }
  return 'unknown';
}

/** The program for `argv`: with a known subcommand only that one is loaded, otherwise all (for the help). */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('cngctl')
    .description('StarRocks compute node operator: the manager, the CN components and user tools')
    .version(packageVersion())
    .showHelpAfterError();
  const requested = argv[2];
  const names = requested !== undefined && requested in SUBCOMMANDS ? [requested] : Object.keys(SUBCOMMANDS);
  for (const name of names) {
    const load = SUBCOMMANDS[name];
    if (load !== undefined) (await load())(program, () => buildProgram(['node', 'cngctl']));
  }
  return program;
}
