// `manager`: the operator process. Flags have kubebuilder's names (see docs/operating.md). In the cluster it uses
// the pod's service account; outside it, KUBECONFIG.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { DEFAULT_OPERATOR_IMAGE } from '../builders/index.js';
import { GroupMetrics } from '../controllers/computenodegroup/metrics.js';
import { connectKube } from '../kube/client.js';
import { EventRecorder } from '../kube/events.js';
import { isLabelValue, LEADER_POD_LABEL, LeaderPodMarker } from '../kube/leader-pod.js';
import { parseManagerFlags, MANAGER_FLAGS, type ManagerSettings } from '../runtime/flags.js';
import { HealthChecks } from '../runtime/health.js';
import { createLogger, type Logger } from '../runtime/logging.js';
import { OperatorMetrics } from '../runtime/metrics.js';
import { LoadBoard } from '../load/board.js';
import { Shutdown } from '../runtime/shutdown.js';
import type { MayAct } from '../runtime/write-fence.js';
import { Campaign, closeAll, ControllerRunnable, startServers, type ManagerParts } from './manager-runnables.js';

const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export async function managerMain(argv: readonly string[]): Promise<void> {
  const parsed = parseManagerFlags(argv);
  if (!parsed.ok) {
    process.stderr.write(`manager: ${parsed.errors.join('\n manager: ')}\n`);
    process.exit(2);
  }
  const flags = parsed.value;
  const logger = createLogger({ name: 'manager', level: flags.logLevel });
  const shutdown = new Shutdown({ logger });
  shutdown.install();
  try {
    await run(flags, logger, shutdown);
  } catch (error) {
    logger.fatal({ err: error instanceof Error ? error.message : String(error) }, 'manager failed to start');
    await shutdown.run('start-up failure');
    process.exit(1);
  }
}

async function run(flags: ManagerSettings, logger: Logger, shutdown: Shutdown): Promise<void> {
  const metrics = new OperatorMetrics();
  const board = new LoadBoard();
  board.register(metrics.registry);
  const rest = await connectKube({ metrics });
  const recorder = new EventRecorder({ rest, logger, controller: 'starrocks.com/cn-operator', instance: hostname() });
  const parts: ManagerParts = {
    flags,
    rest,
    logger,
    metrics,
    recorder,
    board,
    groupMetrics: new GroupMetrics(metrics.registry),
    operatorImage: process.env['OPERATOR_IMAGE'] ?? DEFAULT_OPERATOR_IMAGE,
  };
  const controller = new ControllerRunnable(parts);
  const checks = new HealthChecks();
  checks.addHealthz('ping', () => undefined);
  checks.addReadyz('caches', controller.readiness);
  shutdown.register('controller', () => controller.stop());
  shutdown.register('events', () => recorder.flush());
  const servers = await startServers(parts, checks, controller);
  if (!flags.leaderElect) {
    // The only replica acts: it reports itself as the leader, so "no leader" alerts mean what they say.
    metrics.leaderElectionMasterStatus.set({ name: flags.leaderElectionId }, 1);
    if (flags.customMetricsBindAddress !== undefined) {
      logger.warn(
        `without --leader-elect no pod carries the label ${LEADER_POD_LABEL}: a custom metrics Service that selects ` +
          'it (deploy/custom-metrics/service.yaml) reaches no pod; the chart selects it only with leader election',
      );
    }
    shutdown.register('http servers', () => closeAll(servers));
    await controller.start();
    return;
  }
  const namespace = flags.leaderElectionNamespace ?? ownNamespace();
  const campaign = new Campaign({ ...parts, namespace, shutdown }, controller);
  const marker = leaderPodMarker(parts, () => controller.running, campaign.mayAct);
  if (marker !== undefined) {
    campaign.onLeadershipChange(() => {
      marker.nudge();
    });
  }
  // After the controller stopped: the pod loses the leader label, then releasing the lease lets a follower take over
  // at once (and mark its own pod).
  shutdown.register('leader election', async () => {
    await marker?.stop();
    await campaign.stop();
  });
  marker?.start();
  shutdown.register('http servers', () => closeAll(servers));
  campaign.start();
}

/**
 * The marker of the leader's pod (kube/leader-pod.ts), when the downward API names the pod (POD_NAME and
 * POD_NAMESPACE, as deploy/manager.yaml and the chart set them); undefined outside a pod, said louder when the
 * custom metrics API is on (its Service selects the label, so it would reach no pod).
 */
function leaderPodMarker(parts: ManagerParts, leading: () => boolean, mayAct: MayAct): LeaderPodMarker | undefined {
  const { flags, logger } = parts;
  const pod = process.env['POD_NAME'];
  const namespace = process.env['POD_NAMESPACE'];
  const report = (message: string): void => {
    if (flags.customMetricsBindAddress === undefined) logger.info(message);
    else logger.warn(`${message}; the custom metrics Service that selects it reaches no pod`);
  };
  if (pod === undefined || pod === '' || namespace === undefined || namespace === '') {
    report(`POD_NAME or POD_NAMESPACE is not set: no pod gets the label ${LEADER_POD_LABEL}`);
    return undefined;
  }
  const leaseName = flags.leaderElectionId;
  if (!isLabelValue(leaseName)) {
    report(`--leader-election-id ${leaseName} cannot be a label value (63 characters at most): no pod is labelled`);
    return undefined;
  }
  return new LeaderPodMarker({ rest: parts.rest, logger, namespace, pod, leaseName, leading, mayAct });
}

/** The namespace this pod runs in (for the Lease), from the downward API or the service account mount. */
function ownNamespace(): string {
  const fromEnv = process.env['POD_NAMESPACE'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim();
  } catch {
    throw new Error('cannot tell which namespace to keep the leader Lease in: set --leader-election-namespace');
  }
}

/** Adds `manager` to the command-line program. Its flags are parsed by the runtime's kubebuilder-style parser. */
export function addManagerCommand(program: Command): Command {
  const help = MANAGER_FLAGS.map(
    (flag) =>
      `  --${flag.name}${flag.kind === 'string' ? '=<value>' : ''}  ${flag.help} (default ${JSON.stringify(flag.default)})`,
  );
  return program
    .command('manager')
    .description('Run the operator (reconciles ComputeNodeGroups).')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[flags...]')
    .addHelpText('after', `\nFlags:\n${help.join('\n')}`)
    .action(async (args: string[]) => {
      await managerMain(args);
    });
}
