// Polling with a bound: what a test waits for on a cluster or a process, with an error that says what it waited for.
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  readonly description: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/**
 * Polls `condition` until it returns a value other than undefined/false/null, which is returned. Bounded by
 * `timeoutMs`; the timeout error names what was awaited and the last error or value seen.
 */
export async function waitFor<T>(
  condition: () => Promise<T | undefined | null | false>,
  options: WaitForOptions,
): Promise<T> {
  const intervalMs = options.intervalMs ?? 250;
  const deadline = Date.now() + options.timeoutMs;
  let last: string;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== null && value !== false) return value;
      last = `condition returned ${String(value)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() + intervalMs > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.description} (last: ${last})`);
    }
    await sleep(intervalMs);
  }
}
