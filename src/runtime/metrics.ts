// The operator's Prometheus metrics, named as controller-runtime names them so existing dashboards and alerts work:
// controller_runtime_*, workqueue_*, rest_client_requests_total, leader_election_master_status, plus the process and
// Node.js defaults. Each OperatorMetrics owns its own registry (tests create several side by side).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InFlightSnapshot, WorkQueueMetricsSink } from './queue.js';

const EVENT_LOOP_SAMPLE_MS = 100;

/** The outcome label of controller_runtime_reconcile_total. */
export const RECONCILE_RESULTS = ['success', 'error', 'requeue_after'] as const;
export type ReconcileResultLabel = (typeof RECONCILE_RESULTS)[number];

const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2,
  2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's workqueue buckets: 10 ns to 10 s, factor 10. */
const WORKQUEUE_BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

export interface OperatorMetricsOptions {
  /** Collect process_* and nodejs_* metrics. Default true; tests switch it off for speed. */
  defaultMetrics?: boolean;
}

export class OperatorMetrics {
  readonly registry = new Registry();

  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'] as const,
    buckets: RECONCILE_TIME_BUCKETS,
    registers: [this.registry],
  });
  readonly maxConcurrentReconciles = new Gauge({
    name: 'controller_runtime_max_concurrent_reconciles',
    help: 'Maximum number of concurrent reconciles per controller',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly activeWorkers = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Number of currently used workers per controller',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly restClientRequests = new Counter({
    name: 'rest_client_requests_total',
    help: 'Number of HTTP requests to the Kubernetes API, partitioned by status code, method, and host',
    labelNames: ['code', 'method', 'host'] as const,
    registers: [this.registry],
  });
  readonly leaderElectionMasterStatus = new Gauge({
    name: 'leader_election_master_status',
    help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  private readonly workqueue: WorkQueueSeries;

  constructor(options: OperatorMetricsOptions = {}) {
    // The event-loop delay histogram samples every 100 ms instead of prom-client's 10 ms: at 10 ms its timer alone was
    // most of an idle manager's CPU (docs/benchmarks.md, "The lean-manager work"); a 100 ms sample rate still sees
    // every stall that matters.
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    this.workqueue = new WorkQueueSeries(this.registry);
  }

  /**
   * The sink a WorkQueue reports to, labelled name=controller=`queueName`. Pass `inFlight` (usually
   * `() => queue.inFlight()`) once the queue exists so the unfinished-work gauges are computed at scrape time.
   */
  workQueueSink(queueName: string): WorkQueueMetricsSink & { observeInFlight(read: () => InFlightSnapshot): void } {
    return this.workqueue.sink(queueName);
  }

  /**
   * A controller's series from its start, as controller-runtime initializes them: the reconcile counters at 0 for
   * every result, so `rate(...errors...)` is 0 rather than no data while nothing has failed.
   */
  controllerStarted(controller: string, workers: number): void {
    this.maxConcurrentReconciles.set({ controller }, workers);
    this.activeWorkers.set({ controller }, 0);
    this.reconcileErrors.inc({ controller }, 0);
    for (const result of RECONCILE_RESULTS) this.reconcileTotal.inc({ controller, result }, 0);
  }

  /** Counts one API request; `code` is the HTTP status or '<error>' when no response came. */
  countRestRequest(code: number | '<error>', method: string, host: string): void {
    this.restClientRequests.inc({ code: String(code), method: method.toUpperCase(), host });
  }

  /** The Prometheus text exposition of every metric. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

class WorkQueueSeries {
  private readonly inFlightReaders = new Map<string, () => InFlightSnapshot>();
  private readonly depth: Gauge<'name' | 'controller'>;
  private readonly adds: Counter<'name' | 'controller'>;
  private readonly queueDuration: Histogram<'name' | 'controller'>;
  private readonly workDuration: Histogram<'name' | 'controller'>;
  private readonly retries: Counter<'name' | 'controller'>;

  constructor(registry: Registry) {
    const labelNames = ['name', 'controller'] as const;
    const registers = [registry];
    this.depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames, registers });
    this.adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames,
      registers,
    });
    this.queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames,
      buckets: WORKQUEUE_BUCKETS,
      registers,
    });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames,
      buckets: WORKQUEUE_BUCKETS,
      registers,
    });
    this.retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames,
      registers,
    });
    const readers = this.inFlightReaders;
    new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work has been done that is in progress and has not been observed by work_duration',
      labelNames,
      registers,
      collect() {
        for (const [name, read] of readers) this.set({ name, controller: name }, read().unfinishedSeconds);
      },
    });
    new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running',
      labelNames,
      registers,
      collect() {
        for (const [name, read] of readers) this.set({ name, controller: name }, read().longestRunningSeconds);
      },
    });
  }

  sink(name: string): WorkQueueMetricsSink & { observeInFlight(read: () => InFlightSnapshot): void } {
    const labels = { name, controller: name };
    // The counters exist from the start at 0, as client-go's queue metrics do: a dashboard's rate is 0, not empty.
    this.adds.inc(labels, 0);
    this.retries.inc(labels, 0);
    return {
      depthChanged: (depth) => {
        this.depth.set(labels, depth);
      },
      added: () => {
        this.adds.inc(labels);
      },
      queued: (seconds) => {
        this.queueDuration.observe(labels, seconds);
      },
      worked: (seconds) => {
        this.workDuration.observe(labels, seconds);
      },
      retried: () => {
        this.retries.inc(labels);
      },
      observeInFlight: (read) => {
        this.inFlightReaders.set(name, read);
      },
    };
  }
}
