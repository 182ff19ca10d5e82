// Runs the build's helper programs (apt-get, dpkg-deb, npm, tar, esbuild, bash) and fails with their stderr, so a
// broken build says which step broke and why instead of "exit code 1".
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (error) => {
      reject(new Error(`${command}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      const out = Buffer.concat(stdout).toString('utf8');
      if (code === 0) {
        resolve(out);
        return;
      }
      const err = Buffer.concat(stderr).toString('utf8').trim();
      const how = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
      reject(new Error(`${command} ${args.join(' ')} failed (${how})${err === '' ? '' : `:\n${tail(err)}`}`));
    });
  });
}

function tail(text: string): string {
  const lines = text.split('\n');
  return lines.slice(-20).join('\n');
}
