// `offline --namespace N --name G`: one FE membership clean-up pass for one group (the 2022 CronJob's program).
import type { Command } from 'commander';
import { createLogger } from '../runtime/logging.js';

interface OfflineFlags {
  namespace: string;
  name: string;
  timeoutSeconds: string;
}

/** Bound on the whole pass, whatever the API server or the FE do. */
const DEFAULT_TIMEOUT_SECONDS = '300';

export async function offlineMain(flags: OfflineFlags): Promise<never> {
  const logger = createLogger({ name: 'offline' });
  const timeoutSeconds = Number(flags.timeoutSeconds);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    logger.error({ event: 'bad-flag' }, `--timeout-seconds "${flags.timeoutSeconds}" must be a positive number`);
    process.exit(1);
  }
  setTimeout(() => {
    logger.error(
      { event: 'timeout' },
      `offline did not finish within ${timeoutSeconds} s; giving up (nothing more is sent)`,
    );
    logger.flush();
    process.exit(1);
  }, timeoutSeconds * 1000).unref();
  // Loaded here: the sidecar shares this program and should not pay for the API schema and client at start.
  const { runOffline } = await import('../components/offline/index.js');
  const code = await runOffline({ namespace: flags.namespace, name: flags.name, logger });
  logger.flush();
  process.exit(code);
}

/** Adds `offline` to the command-line program. */
export function addOfflineCommand(program: Command): Command {
  return program
    .command('offline')
    .description(
      "Drop from the FE the compute nodes of one ComputeNodeGroup whose pods are gone (never other groups' nodes).",
    )
    .requiredOption('--namespace <namespace>', "the group's namespace")
    .requiredOption('--name <name>', "the group's name")
    .option('--timeout-seconds <seconds>', 'bound on the whole pass', DEFAULT_TIMEOUT_SECONDS)
    .action(async (flags: OfflineFlags) => {
      await offlineMain(flags);
    });
}
