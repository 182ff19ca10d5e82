// Readiness probes and a bounded wait. Every probe has its own timeout and every wait a deadline, and a wait gives
// up at once when the process it waits for has exited, naming the log to read.
import https from 'node:https';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface HttpProbe {
  readonly url: string;
  /** PEM of the CA that signed the server certificate; absent: the server has a self-signed certificate. */
  readonly ca?: string;
  readonly token?: string;
  readonly timeoutMs?: number;
}

export interface ProbeResult {
  readonly status: number;
  readonly body: string;
}

/** One GET to a loopback URL. Rejects on connection errors and timeouts. */
export function httpGet(probe: HttpProbe): Promise<ProbeResult> {
  const url = new URL(probe.url);
  if (!isLoopbackHost(url.hostname)) return Promise.reject(new Error(`refusing to probe non-loopback ${probe.url}`));
  const headers: Record<string, string> = { accept: 'application/json, */*' };
  if (probe.token !== undefined) headers['authorization'] = `Bearer ${probe.token}`;
  const timeout = probe.timeoutMs ?? 3000;
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    };
    const req =
      url.protocol === 'https:'
        ? https.get(url, { headers, timeout, ca: probe.ca, rejectUnauthorized: probe.ca !== undefined }, onResponse)
        : http.get(url, { headers, timeout }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${probe.url} within ${timeout} ms`)));
    req.on('error', reject);
  });
}

/** 127.0.0.0/8, ::1 and localhost. Pure. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare === '::1') return true;
  const parts = bare.split('.');
  return parts.length === 4 && parts[0] === '127' && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

export interface WaitOptions {
  readonly description: string;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Checked before each attempt: a reason to stop waiting at once (for example "etcd exited"), or null. */
  readonly abort?: () => Promise<string | null>;
}

/**
 * Polls `check` until it returns true, at most until the deadline. `check` returns true or a short reason why not
 * yet; the last reason is part of the timeout error, so a failed start says what was still missing.
 */
export async function waitUntil(check: () => Promise<true | string>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastReason: string;
  for (;;) {
    const abortReason = options.abort ? await options.abort() : null;
    if (abortReason !== null) throw new Error(`${options.description}: ${abortReason}`);
    try {
      const result = await check();
      if (result === true) return;
      lastReason = result;
    } catch (error) {
      lastReason = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() + options.intervalMs > deadline) {
      throw new Error(`${options.description}: not ready after ${options.timeoutMs} ms (last: ${lastReason})`);
    }
    await sleep(options.intervalMs);
  }
}

/** The last lines of a log file, for error messages. */
export async function logTail(file: string, lines = 15): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
