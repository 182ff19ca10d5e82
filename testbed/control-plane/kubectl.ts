// Runs the kubectl built with the control plane, bounded in time, with a kubeconfig of this run.
import { spawn } from 'node:child_process';

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KubectlOptions {
  readonly kubectl: string;
  readonly kubeconfig: string;
  /** Written to kubectl's standard input (for `apply -f -`). */
  readonly input?: string;
  readonly timeoutMs?: number;
}

export function runKubectl(args: readonly string[], options: KubectlOptions): Promise<KubectlResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(options.kubectl, [`--kubeconfig=${options.kubeconfig}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: options.kubeconfig },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run kubectl (${options.kubectl}): ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: signal === null ? stderr : `${stderr}\nkubectl ${args.join(' ')}: stopped after ${timeoutMs} ms`,
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs kubectl and returns stdout; throws with kubectl's message when it fails. */
export async function kubectlOk(args: readonly string[], options: KubectlOptions): Promise<string> {
  const result = await runKubectl(args, options);
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} failed (exit ${String(result.code)}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}
