// `register`: the sidecar of every CN pod (docs/components.md). Settings come from the environment only, as in 2022.
import type { Command } from 'commander';
import { EXIT_FAILED, parseRegisterConfig, runRegister } from '../components/register/index.js';
import { createLogger } from '../runtime/logging.js';

const DEFAULT_SHUTDOWN_MS = 5000;

/**
 * Runs the sidecar in this process and exits it. SIGTERM or SIGINT stops the loop; whatever the FE does, the
 * process exits within REGISTER_SHUTDOWN_TIMEOUT_SECONDS (default 5) of the signal.
 */
export async function registerMain(env: NodeJS.ProcessEnv = process.env): Promise<never> {
  const logger = createLogger({ name: 'register' });
  const parsed = parseRegisterConfig(env);
  const shutdownMs = parsed.ok ? parsed.value.shutdownTimeoutMs : DEFAULT_SHUTDOWN_MS;
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) return;
    logger.info({ event: 'signal', signal }, `received ${signal}: stopping (at most ${shutdownMs} ms)`);
    stop.abort();
    // The last resort: nothing the FE or a socket does may keep the pod from terminating.
    setTimeout(() => {
      logger.warn({ event: 'forced-exit' }, 'shutdown took too long; exiting now');
      process.exit(0);
    }, shutdownMs).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let code: number;
  try {
    code = await runRegister({ env, signal: stop.signal, logger });
  } catch (error) {
    logger.error(
      { event: 'crashed', error: error instanceof Error ? error.message : String(error) },
      'register failed unexpectedly',
    );
    code = EXIT_FAILED;
  }
  logger.flush();
  process.exit(code);
}

/** Adds `register` to the command-line program. */
export function addRegisterCommand(program: Command): Command {
  return program
    .command('register')
    .description(
      'CN sidecar: wait for the CN, add it to the FE, keep it there, serve /readyz and /healthz. ' +
        'Settings from the environment: FE_ADDRS, FE_USR, FE_PWD, CN_HOST, CN_PORT, CN_HTTP_PORT, REGISTER_PROBE_PORT.',
    )
    .action(async () => {
      await registerMain();
    });
}
