// What the manager runs, grouped as controller-runtime groups its runnables (pkg/manager/runnable_group.go): the
// HTTP servers run for the life of the process, on every replica; the controller with its caches runs only while
// this replica leads (or always, without leader election), and a lost lease stops it and starts a new campaign in
// the same process.
import {
  createComputeNodeGroupController,
  type ComputeNodeGroupController,
} from '../controllers/computenodegroup/setup.js';
import { DEFAULT_RECONCILER_SETTINGS } from '../controllers/computenodegroup/reconciler.js';
import type { GroupMetrics } from '../controllers/computenodegroup/metrics.js';
import type { EventRecorder } from '../kube/events.js';
import { defaultIdentity, LeaderElector } from '../kube/leader-election.js';
import type { KubeRest } from '../kube/rest.js';
import { SharedCaches } from '../kube/shared-caches.js';
import type { LoadBoard } from '../load/board.js';
import type { ManagerSettings } from '../runtime/flags.js';
import { startMetricsServer, startProbeServer, type HealthChecks } from '../runtime/health.js';
import type { Logger } from '../runtime/logging.js';
import type { OperatorMetrics } from '../runtime/metrics.js';
import type { Shutdown } from '../runtime/shutdown.js';
import type { MayAct } from '../runtime/write-fence.js';

/** How long the caches may take to list everything before the manager gives up and exits (to be restarted). */
const CACHE_SYNC_TIMEOUT_MS = 120_000;
/** Reconciles in progress get this long to finish on shutdown; FE calls inside them are bounded anyway. */
const DRAIN_TIMEOUT_MS = 15_000;

export interface ManagerParts {
  flags: ManagerSettings;
  rest: KubeRest;
  logger: Logger;
  metrics: OperatorMetrics;
  recorder: EventRecorder;
  board: LoadBoard;
  groupMetrics: GroupMetrics;
  operatorImage: string;
}

/** The leader-elected group: the controller and the caches it reads, made afresh for every term. */
export class ControllerRunnable {
  private controller: ComputeNodeGroupController | undefined;
  private caches: SharedCaches | undefined;

  constructor(private readonly parts: ManagerParts) {}

  /** Whether this replica reconciles now (only its board then has figures). */
  get running(): boolean {
    return this.controller !== undefined;
  }

  /** The readiness check: a follower waiting for the lease is ready, a leader once its caches synced. */
  readonly readiness = (): void => {
    if (this.caches !== undefined && !this.caches.hasSynced()) throw new Error('caches not synced yet');
  };

  /**
   * Lists, then reconciles; `leadership` aborts when the lease is lost (possibly while the caches still list), and
   * `mayAct` is the write fence every write of the controller asks.
   */
  async start(leadership?: AbortSignal, mayAct?: MayAct): Promise<void> {
    const { flags, rest, logger, operatorImage } = this.parts;
    const caches = new SharedCaches({ rest, namespaces: flags.watchNamespaces, logger });
    const controller = createComputeNodeGroupController({
      rest,
      caches,
      logger,
      metrics: this.parts.metrics,
      recorder: this.parts.recorder,
      load: this.parts.board.sink,
      groupMetrics: this.parts.groupMetrics,
      resyncPeriodMs: flags.resyncPeriodMs,
      ...(mayAct === undefined ? {} : { mayAct }),
      settings: {
        ...DEFAULT_RECONCILER_SETTINGS,
        feSyncPeriodMs: flags.feSyncPeriodMs,
        busyFeSyncPeriodMs: flags.busyFeSyncPeriodMs,
        operator: { operatorImage },
      },
    });
    logger.info(
      { namespaces: flags.watchNamespaces, operatorImage, caches: caches.size },
      'starting the ComputeNodeGroup controller',
    );
    [this.caches, this.controller] = [caches, controller];
    caches.start();
    const synced = await caches.waitForSync(CACHE_SYNC_TIMEOUT_MS);
    // Leadership lost while listing: stop() has already stopped these caches; nothing more to do.
    if (leadership?.aborted === true) return;
    if (!synced) {
      throw new Error(`caches did not sync within ${CACHE_SYNC_TIMEOUT_MS / 1000}s: check RBAC and the API server`);
    }
    controller.start();
    logger.info('caches synced; reconciling');
  }

  /** Stops acting: the controller (reconciles drain, FE sessions close), then the caches. A follower holds neither. */
  async stop(): Promise<void> {
    const [controller, caches] = [this.controller, this.caches];
    this.controller = undefined;
    this.caches = undefined;
    await controller?.stop(DRAIN_TIMEOUT_MS);
    await caches?.stop();
  }
}

/**
 * Campaigns for the lease and runs the controller while this replica holds it. One identity for every term of this
 * process: a lease it still holds when it campaigns again (after an API outage nobody else could act in) is renewed
 * at once instead of waited out.
 */
export class Campaign {
  private readonly identity = defaultIdentity();
  private elector: LeaderElector | undefined;

  private readonly leadershipListeners: (() => void)[] = [];

  constructor(
    private readonly parts: ManagerParts & { namespace: string; shutdown: Shutdown },
    private readonly controller: ControllerRunnable,
  ) {}

  /** The write fence of the current term: false between terms. */
  readonly mayAct = (): boolean => this.elector?.mayAct() ?? false;

  /** `listener` runs whenever this replica starts or stops leading (the leader pod label follows). */
  onLeadershipChange(listener: () => void): void {
    this.leadershipListeners.push(listener);
  }

  private leadershipChanged(): void {
    for (const listener of this.leadershipListeners) listener();
  }

  start(): void {
    const { flags, rest, logger, metrics, shutdown } = this.parts;
    const term: LeaderElector = new LeaderElector({
      rest,
      identity: this.identity,
      namespace: this.parts.namespace,
      name: flags.leaderElectionId,
      logger,
      metrics,
      onStartedLeading: (leadership) => {
        this.controller
          .start(leadership, () => term.mayAct())
          .catch((error: unknown) => {
            logger.fatal({ err: error instanceof Error ? error.message : String(error) }, 'controller failed to start');
            void shutdown.run('controller start-up failure').then(() => process.exit(1));
          });
        this.leadershipChanged();
      },
      onStoppedLeading: (reason) => {
        if (reason === 'released') return; // an orderly shutdown released the lease and is already under way
        // Another replica may take over now: stop acting at once. The process stays (its probes, metrics and
        // connections with it) and campaigns again, so an API server that was away for a while costs no restart:
        // once it answers, this replica takes the lease back (or follows another one) and lists afresh.
        logger.error('lost the leader lease; stopping the controller and campaigning again');
        const stopped = this.controller.stop();
        this.leadershipChanged();
        void stopped.then(() => {
          if (!shutdown.isRunning()) this.start();
        });
      },
    });
    this.elector = term;
    void term.run();
  }

  /** Releases the lease (after the controller stopped), so a follower takes over at once. */
  async stop(): Promise<void> {
    await this.elector?.stop();
  }
}

/** The servers every replica runs for the life of the process: metrics, probes and, when asked, custom metrics. */
export async function startServers(
  parts: ManagerParts,
  checks: HealthChecks,
  controller: ControllerRunnable,
): Promise<Closable[]> {
  const { flags, metrics } = parts;
  const servers: Closable[] = [];
  if (flags.metricsBindAddress !== undefined) servers.push(await startMetricsServer(flags.metricsBindAddress, metrics));
  if (flags.healthProbeBindAddress !== undefined) {
    servers.push(await startProbeServer(flags.healthProbeBindAddress, checks));
  }
  if (flags.customMetricsBindAddress !== undefined) {
    // Loaded only when asked for: most installs leave the custom metrics API off.
    const { startCustomMetricsServer } = await import('../custom-metrics/server.js');
    servers.push(
      startCustomMetricsServer({
        bind: flags.customMetricsBindAddress,
        certDir: flags.customMetricsCertDir,
        service: flags.customMetricsService,
        rest: parts.rest,
        board: parts.board,
        logger: parts.logger,
        maxAgeMs: 3 * flags.feSyncPeriodMs + 5_000,
        // Only the leader reads the FE, so only its board has figures.
        leading: () => controller.running,
      }),
    );
  }
  return servers;
}

export interface Closable {
  close(): Promise<void>;
}

export async function closeAll(servers: readonly Closable[]): Promise<void> {
  await Promise.all(servers.map((server) => server.close()));
}
