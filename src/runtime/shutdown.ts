// Ordered, bounded shutdown on SIGTERM/SIGINT. Steps run one after another in the order they were registered
// (e.g. stop controllers, release the lease, stop caches, close the servers), each within what is left of the
// overall deadline; a second signal or the deadline ends the process at once with a non-zero code.
import type { Logger } from './logging.js';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

export interface ShutdownOptions {
  logger: Logger;
  /** Total time for all steps. Default 25 s, inside Kubernetes' default 30 s grace period. */
  timeoutMs?: number;
  signals?: readonly NodeJS.Signals[];
  /** Injectable for tests; defaults to process.exit. */
  exit?: (code: number) => void;
  /** Injectable for tests; defaults to process. */
  signalSource?: Pick<NodeJS.Process, 'on' | 'off'>;
}

export class Shutdown {
  private readonly steps: ShutdownStep[] = [];
  private started: Promise<number> | undefined;
  private readonly timeoutMs: number;
  private readonly exit: (code: number) => void;
  private readonly source: Pick<NodeJS.Process, 'on' | 'off'>;
  private readonly signals: readonly NodeJS.Signals[];
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.handleSignal(signal);
  };

  constructor(private readonly options: ShutdownOptions) {
    this.timeoutMs = options.timeoutMs ?? 25_000;
    this.exit =
      options.exit ??
      ((code) => {
        process.exit(code);
      });
    this.source = options.signalSource ?? process;
    this.signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  }

  /** Adds a step; steps run in registration order. */
  register(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  /** Whether the shutdown has begun (a step that would start work should not). */
  isRunning(): boolean {
    return this.started !== undefined;
  }

  /** Starts listening for the signals. */
  install(): void {
    for (const signal of this.signals) this.source.on(signal, this.onSignal);
  }

  /**
   * Runs the steps (once; later calls return the same result) and resolves the exit code: 0 when every step
   * finished in time, 1 otherwise. Does not exit; `handleSignal` does.
   */
  run(reason: string): Promise<number> {
    this.started ??= this.runSteps(reason);
    return this.started;
  }

  private handleSignal(signal: NodeJS.Signals): void {
    if (this.started) {
      this.options.logger.warn({ signal }, 'second signal during shutdown; exiting now');
      this.exit(1);
      return;
    }
    void this.run(signal).then((code) => {
      for (const s of this.signals) this.source.off(s, this.onSignal);
      this.exit(code);
    });
  }

  private async runSteps(reason: string): Promise<number> {
    const logger = this.options.logger;
    const deadline = Date.now() + this.timeoutMs;
    logger.info({ reason, timeoutMs: this.timeoutMs }, 'shutting down');
    let code = 0;
    for (const step of this.steps) {
      const remaining = deadline - Date.now();
      const outcome = await runBounded(step.run, Math.max(0, remaining));
      if (outcome === 'ok') {
        logger.info({ step: step.name }, 'shutdown step done');
        continue;
      }
      code = 1;
      if (outcome === 'timeout') logger.error({ step: step.name }, 'shutdown step timed out');
      else logger.error({ step: step.name, err: outcome.error }, 'shutdown step failed');
    }
    logger.info({ code }, 'shutdown complete');
    return code;
  }
}

async function runBounded(
  run: () => Promise<void> | void,
  timeoutMs: number,
): Promise<'ok' | 'timeout' | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(run)
        .then(() => 'ok' as const),
      timeout,
    ]);
  } catch (error: unknown) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}
