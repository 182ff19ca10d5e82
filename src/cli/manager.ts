// `manager`: the operator process. Flags have kubebuilder's names (see docs/operating.md). In the cluster it uses
// the pod's service account; outside it, KUBECONFIG.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { DEFAULT_OPERATOR_IMAGE } from '../builders/index.js';
import {
  createComputeNodeGroupController,
  type ComputeNodeGroupController,
} from '../controllers/computenodegroup/setup.js';
import { DEFAULT_RECONCILER_SETTINGS } from '../controllers/computenodegroup/reconciler.js';
import { GroupMetrics } from '../controllers/computenodegroup/metrics.js';
import { connectKube } from '../kube/client.js';
import { EventRecorder } from '../kube/events.js';
import { defaultIdentity, LeaderElector } from '../kube/leader-election.js';
import { SharedCaches } from '../kube/shared-caches.js';
import { parseManagerFlags, MANAGER_FLAGS, type ManagerSettings } from '../runtime/flags.js';
import { HealthChecks, startMetricsServer, startProbeServer } from '../runtime/health.js';
import type { RunningServer } from '../runtime/http-server.js';
import { createLogger, type Logger } from '../runtime/logging.js';
import { OperatorMetrics } from '../runtime/metrics.js';
import { LoadBoard } from '../load/board.js';
import { Shutdown } from '../runtime/shutdown.js';

/** How long the caches may take to list everything before the manager gives up and exits (to be restarted). */
const CACHE_SYNC_TIMEOUT_MS = 120_000;
/** Reconciles in progress get this long to finish on shutdown; FE calls inside them are bounded anyway. */
const DRAIN_TIMEOUT_MS = 15_000;
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
  const groupMetrics = new GroupMetrics(metrics.registry);
  const rest = await connectKube({ metrics });
  const checks = new HealthChecks();
  checks.addHealthz('ping', () => undefined);

  const recorder = new EventRecorder({
    rest,
    logger,
    controller: 'starrocks.com/cn-operator',
    instance: hostname(),
  });
  const operatorImage = process.env['OPERATOR_IMAGE'] ?? DEFAULT_OPERATOR_IMAGE;
  let controller: ComputeNodeGroupController | undefined;
  let caches: SharedCaches | undefined;
  /**
   * Lists, then reconciles; `leadership` aborts when the lease is lost (possibly while the caches still list), and
   * `mayAct` tells each write whether the lease is still valid.
   */
  const startController = async (leadership?: AbortSignal, mayAct?: () => boolean): Promise<void> => {
    const ownCaches = new SharedCaches({ rest, namespaces: flags.watchNamespaces, logger });
    const ownController = createComputeNodeGroupController({
      rest,
      caches: ownCaches,
      logger,
      metrics,
      recorder,
      load: board.sink,
      groupMetrics,
      resyncPeriodMs: flags.resyncPeriodMs,
      ...(mayAct === undefined ? {} : { mayAct }),
      settings: { ...DEFAULT_RECONCILER_SETTINGS, feSyncPeriodMs: flags.feSyncPeriodMs, operator: { operatorImage } },
    });
    logger.info(
      { namespaces: flags.watchNamespaces, operatorImage, caches: ownCaches.size },
      'starting the ComputeNodeGroup controller',
    );
    [caches, controller] = [ownCaches, ownController];
    ownCaches.start();
    const synced = await ownCaches.waitForSync(CACHE_SYNC_TIMEOUT_MS);
    // Leadership lost while listing: stopController has already stopped these caches; nothing more to do.
    if (leadership?.aborted === true) return;
    if (!synced) {
      throw new Error(`caches did not sync within ${CACHE_SYNC_TIMEOUT_MS / 1000}s: check RBAC and the API server`);
    }
    ownController.start();
    logger.info('caches synced; reconciling');
  };
  checks.addReadyz('caches', () => {
    // A follower waiting for the lease is ready (it serves probes and metrics); a leader once its caches synced.
    if (caches !== undefined && !caches.hasSynced()) throw new Error('caches not synced yet');
  });

  /** Stops acting: the controller (reconciles drain, FE sessions close), then the caches. A follower holds neither. */
  const stopController = async (): Promise<void> => {
    const [running, cached] = [controller, caches];
    controller = undefined;
    caches = undefined;
    await running?.stop(DRAIN_TIMEOUT_MS);
    await cached?.stop();
  };
  shutdown.register('controller', stopController);
  shutdown.register('events', () => recorder.flush());

  const servers: Closable[] = await startServers(flags, metrics, checks);
  if (flags.customMetricsBindAddress !== undefined) {
    // Loaded only when asked for: most installs leave the custom metrics API off.
    const { startCustomMetricsServer } = await import('../custom-metrics/server.js');
    servers.push(
      startCustomMetricsServer({
        bind: flags.customMetricsBindAddress,
        certDir: flags.customMetricsCertDir,
        service: flags.customMetricsService,
        rest,
        board,
        logger,
        maxAgeMs: 3 * flags.feSyncPeriodMs + 5_000,
        // Only the leader reads the FE, so only its board has figures.
        leading: () => controller !== undefined,
      }),
    );
  }
  if (!flags.leaderElect) {
    // The only replica acts: it reports itself as the leader, so "no leader" alerts mean what they say.
    metrics.leaderElectionMasterStatus.set({ name: flags.leaderElectionId }, 1);
    shutdown.register('http servers', () => closeAll(servers));
    await startController();
    return;
  }
  let elector: LeaderElector | undefined;
  // One identity for every term of this process: a lease it still holds when it campaigns again (after an API
  // outage nobody else could act in) is renewed at once instead of waited out.
  const identity = defaultIdentity();
  const campaign = (): void => {
    const term: LeaderElector = new LeaderElector({
      rest,
      identity,
      namespace: flags.leaderElectionNamespace ?? ownNamespace(),
      name: flags.leaderElectionId,
      logger,
      metrics,
      onStartedLeading: (leadership) => {
        startController(leadership, () => term.mayAct()).catch((error: unknown) => {
          logger.fatal({ err: error instanceof Error ? error.message : String(error) }, 'controller failed to start');
          void shutdown.run('controller start-up failure').then(() => process.exit(1));
        });
      },
      onStoppedLeading: (reason) => {
        if (reason === 'released') return; // an orderly shutdown released the lease and is already under way
        // Another replica may take over now: stop acting at once. The process stays (its probes, metrics and
        // connections with it) and campaigns again, so an API server that was away for a while costs no restart:
        // once it answers, this replica takes the lease back (or follows another one) and lists afresh.
        logger.error('lost the leader lease; stopping the controller and campaigning again');
        void stopController().then(() => {
          if (!shutdown.isRunning()) campaign();
        });
      },
    });
    elector = term;
    void term.run();
  };
  // After the controller stopped: releasing the lease lets a follower take over at once.
  shutdown.register('leader election', () => elector?.stop());
  shutdown.register('http servers', () => closeAll(servers));
  campaign();
}

async function startServers(
  flags: ManagerSettings,
  metrics: OperatorMetrics,
  checks: HealthChecks,
): Promise<RunningServer[]> {
  const servers: RunningServer[] = [];
  if (flags.metricsBindAddress !== undefined) servers.push(await startMetricsServer(flags.metricsBindAddress, metrics));
  if (flags.healthProbeBindAddress !== undefined) {
    servers.push(await startProbeServer(flags.healthProbeBindAddress, checks));
  }
  return servers;
}

interface Closable {
  close(): Promise<void>;
}

async function closeAll(servers: readonly Closable[]): Promise<void> {
  await Promise.all(servers.map((server) => server.close()));
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
