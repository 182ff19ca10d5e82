// The completion scripts, run in the shells they are for: bash completes subcommands and each one's options; zsh
// parses the script and offers the same subcommands.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { buildProgram } from '../../../src/cli/program.js';
import { completionEntries, completionScript } from '../../../src/cli/completion.js';

async function script(shell: 'bash' | 'zsh'): Promise<string> {
  return completionScript(shell, await buildProgram(['node', 'cngctl']));
}

/** What bash offers for the words typed so far (the last one is being completed). */
function bashComplete(completion: string, words: string[]): string[] {
  const program = `${completion}
COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')})
COMP_CWORD=${words.length - 1}
_cngctl
printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['--norc', '-c', program], { encoding: 'utf8', timeout: 10_000 })
    .split('\n')
    .filter(Boolean);
}

describe('cngctl completion', () => {
  it('lists every subcommand with its long options, and the manager with its flag table', async () => {
    const entries = completionEntries(await buildProgram(['node', 'cngctl']));
    const names = entries.map((entry) => entry.name);
    for (const name of ['render', 'status', 'manager', 'register', 'offline', 'completion']) {
      assert.ok(names.includes(name), name);
    }
    const status = entries.find((entry) => entry.name === 'status');
    assert.deepEqual(
      status?.options.map((option) => option.flag),
      ['--namespace', '--output', '--timeout-seconds'],
    );
    const manager = entries.find((entry) => entry.name === 'manager');
    assert.ok(manager?.options.some((option) => option.flag === '--leader-elect'));
  });

  it('completes in bash: subcommands, then the options of the one typed', async () => {
    const bash = await script('bash');
    assert.deepEqual(bashComplete(bash, ['cngctl', 'st']), ['status']);
    assert.deepEqual(bashComplete(bash, ['cngctl', 're']).sort(), ['register', 'render']);
    assert.deepEqual(bashComplete(bash, ['cngctl', 'status', '--n']), ['--namespace']);
    assert.deepEqual(bashComplete(bash, ['cngctl', 'manager', '--leader-election-']).sort(), [
      '--leader-election-id',
      '--leader-election-namespace',
    ]);
    assert.deepEqual(bashComplete(bash, ['cngctl', 'offline', '--timeout']), ['--timeout-seconds']);
  });

  it('writes a zsh script zsh parses, offering the same subcommands', async () => {
    const zsh = await script('zsh');
    execFileSync('zsh', ['-n', '-c', zsh], { timeout: 10_000 });
    assert.match(zsh, /^#compdef cngctl\n/);
    for (const name of ['render', 'status', 'manager', 'offline']) assert.match(zsh, new RegExp(`'${name}:`));
    assert.match(zsh, /'--namespace\[the groups namespace\]:value:_files'/, 'quotes in descriptions are neutralised');
  });
});
