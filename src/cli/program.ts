// The command-line program. Each subcommand lives in its own module and adds itself here.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { addManagerCommand } from './manager.js';
import { addOfflineCommand } from './offline.js';
import { addRegisterCommand } from './register.js';
import { addRenderCommand } from './render.js';

type AddCommand = (program: Command) => Command;

export const SUBCOMMANDS: readonly AddCommand[] = [
  addRenderCommand,
  addManagerCommand,
  addRegisterCommand,
  addOfflineCommand,
];

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

export function buildProgram(): Command {
  const program = new Command('cngctl')
    .description('StarRocks compute node operator: the manager, the CN components and user tools')
    .version(packageVersion())
    .showHelpAfterError();
  for (const add of SUBCOMMANDS) add(program);
  return program;
}
