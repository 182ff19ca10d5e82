// Plays a query trace against a group on the test control plane: queries arrive into the FE simulator's query
// engine, and each CN's fragments become its pod's CPU (the metrics API reads the annotations). A CN whose pod stops
// or goes away gets SIGTERM in the engine: it rejects new fragments and exits when its running ones are done or
// after its graceful wait (20 s here, the default from StarRocks 3.4). What happens then to the queries still there
// is the engine's model (query-engine.ts): cancelled once the FE declares the CN dead if the FE still lists it, left
// to their timeout if it was dropped before. KWOK pods vanish at once, so the graceful wait is modelled here.
// Used by the end-to-end test of query-aware autoscaling and by bench/query-autoscaling.ts.
import { setPodMetrics } from '@starrocks-cn-operator/testbed/control-plane';
import type { FeSimulator, QueryEngine, QueryRecord, TraceQuery } from '@starrocks-cn-operator/testbed/fe-simulator';
import { groupPods } from './operator.js';

export const GRACEFUL_STOP_MS = 20_000;

export interface WorkloadOptions {
  fe: FeSimulator;
  engine: QueryEngine;
  namespace: string;
  group: string;
  /** Arrivals in ms from the start, sorted. */
  trace: readonly TraceQuery[];
  /** The pods' CPU request in cores (usage is fragments / slots of it). Default 1. */
  cpuCores?: number;
  /** How often the pods are read and their CPU written. Default 2000. */
  podsEveryMs?: number;
  /** Every pod's memory use (constant: the engine does not model memory). Default 200Mi. */
  memory?: string;
}

export class QueryWorkload {
  readonly records: QueryRecord[] = [];
  private next = 0;
  private lastPods = -Infinity;

  /** Queries that failed, for any reason (QueryRecord.error says which). */
  get failed(): number {
    return this.records.filter((record) => record.failed).length;
  }

  constructor(private readonly options: WorkloadOptions) {}

  /** One step at `ms` since the start: arrivals, the engine, then (now and then) pods. */
  async step(ms: number): Promise<void> {
    const { trace, engine, fe } = this.options;
    for (; this.next < trace.length && (trace[this.next]?.at ?? Infinity) <= ms; this.next++) {
      const query = trace[this.next];
      if (query !== undefined) this.records.push(engine.submit(query, ms));
    }
    fe.advanceQueries(ms);
    if (ms - this.lastPods >= (this.options.podsEveryMs ?? 2000)) {
      this.lastPods = ms;
      await this.syncPods(ms);
    }
  }

  /** Arrived and not finished (queued or running). */
  unfinished(): number {
    return this.records.filter((record) => record.finishedAt === null).length;
  }

  private async syncPods(ms: number): Promise<void> {
    const { namespace, group, engine } = this.options;
    const pods = await groupPods(namespace, group).catch(() => undefined);
    if (pods === undefined) return;
    const live = new Set<string>();
    const millicores = (this.options.cpuCores ?? 1) * 1000;
    for (const pod of pods) {
      if (pod.ip === undefined || pod.deletionTimestamp !== undefined) continue;
      const address = `${pod.ip}:9050`;
      live.add(address);
      // A new pod on the address of a CN that stopped: a new process.
      if (engine.processState(address) === 'exited') engine.restart(address);
      const cpu = `${Math.round((engine.cpuPercent(address) / 100) * millicores)}m`;
      const memory = this.options.memory ?? '200Mi';
      await setPodMetrics(namespace, pod.name, { cpu, memory }).catch(() => undefined);
    }
    // A CN dropped from the FE keeps its fragments until its pod stops, so the engine's records, not the FE's list,
    // say which CNs still work; a pod that stopped or went away sends its CN SIGTERM.
    const working = this.records
      .filter((record) => record.startedAt !== null && record.finishedAt === null)
      .flatMap((record) => record.cns);
    for (const address of new Set(working)) {
      if (!live.has(address)) engine.stopGracefully(address, ms, GRACEFUL_STOP_MS);
    }
  }
}
