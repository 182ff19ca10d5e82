// Plays a query trace against a group on the test control plane: queries arrive into the FE simulator's query
// engine, and each CN's fragments become its pod's CPU (the metrics API reads the annotations). A CN whose pod stops
// or goes away is stopped the way its pod's preStop hook would (builders/drain-gate.ts), since KWOK runs no
// container and deletes a pod at once: with `spec.drain.order: Drain` the gate first gives the operator its lead,
// then waits until the CN runs no query or the window is over; then (and with the other orders at once) the CN gets
// SIGTERM in the engine: it rejects new fragments and exits when its running ones are done or after its graceful wait
// (the FE profile's: 0 s on 3.3, 20 s from 3.4). What happens then to the queries still there is the engine's model
// (query-engine.ts): cancelled once the FE declares the CN dead if the FE still lists it, left to their timeout if it
// was dropped before. Used by the end-to-end tests of query-aware autoscaling and draining, and by the benchmarks.
import { kubectl, setPodMetrics } from '@starrocks-cn-operator/testbed/control-plane';
import type { FeSimulator, QueryEngine, QueryRecord, TraceQuery } from '@starrocks-cn-operator/testbed/fe-simulator';
import { ScrapedCpu } from '@starrocks-cn-operator/testbed/metrics-api';
import { DEFAULT_DRAIN_WINDOW_SECONDS, DRAIN_ORDERS, type DrainOrder } from '../../src/api/v1alpha1/index.js';
import { drainGateDeadlineSeconds, drainLeadSeconds } from '../../src/builders/drain-gate.js';
import { groupPods } from './operator.js';

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
  /**
   * With a value, the CPU the HPA sees is metrics-server's at this resolution (the mean of each interval, none for a
   * new pod until it has two points: ScrapedCpu); without, each pod's usage of the moment at every pods' read.
   */
  metricsResolutionMs?: number;
  /** Every pod's memory use (constant: the engine does not model memory). Default 200Mi. */
  memory?: string;
  /** The group's spec.drain, which decides the pods' preStop hook. Default: the API's default (Drain, 300 s). */
  drain?: { order: DrainOrder; windowSeconds: number };
  /**
   * Hold each pod with a finalizer and let it go once its CN exited: a deleted pod then stays Terminating while its
   * preStop hook and graceful stop run, as on a real kubelet (KWOK deletes it at once). Call release() before the
   * group is deleted.
   */
  holdPods?: boolean;
}

/** A CN whose pod is leaving, while its preStop gate waits (since: when its pod was first seen leaving). */
interface Gate {
  since: number;
  /** The terminating pod, when it is still there (held by this workload until its CN exits). */
  pod: string | undefined;
}

/** Keeps a pod Terminating until its modelled CN exited, as a kubelet keeps it while the preStop hook runs. */
export const HOLD_FINALIZER = 'testbed.starrocks.com/cn-process';

export class QueryWorkload {
  readonly records: QueryRecord[] = [];
  private next = 0;
  private lastPods = -Infinity;
  private readonly gates = new Map<string, Gate>();
  private readonly held = new Set<string>();
  /** When each CN got SIGTERM (ms since the start), for the benchmarks. */
  readonly stoppedAt = new Map<string, number>();
  private readonly scraped: ScrapedCpu | undefined;

  /** Queries that failed, for any reason (QueryRecord.error says which). */
  get failed(): number {
    return this.records.filter((record) => record.failed).length;
  }

  constructor(private readonly options: WorkloadOptions) {
    const resolution = options.metricsResolutionMs;
    this.scraped = resolution === undefined ? undefined : new ScrapedCpu(resolution);
  }

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
    this.openGates(ms);
  }

  /** Arrived and not finished (queued or running). */
  unfinished(): number {
    return this.records.filter((record) => record.finishedAt === null).length;
  }

  /**
   * With `holdPods`, the pods this workload held (a finalizer) are let go, so a deletion can finish; call it before
   * deleting the group. Gates still open are closed without stopping anything.
   */
  async release(): Promise<void> {
    this.gates.clear();
    const pods = await groupPods(this.options.namespace, this.options.group).catch(() => []);
    for (const pod of pods) await this.letGo(pod.name);
  }

  private async syncPods(ms: number): Promise<void> {
    const { namespace, group, engine } = this.options;
    const pods = await groupPods(namespace, group).catch(() => undefined);
    if (pods === undefined) return;
    const live = new Set<string>();
    const millicores = (this.options.cpuCores ?? 1) * 1000;
    for (const pod of pods) {
      if (pod.ip === undefined) continue;
      const address = `${pod.ip}:9050`;
      if (pod.deletionTimestamp !== undefined) {
        await this.terminating(pod.name, address, ms);
        continue;
      }
      live.add(address);
      if (this.options.holdPods === true && !this.held.has(pod.name)) await this.hold(pod.name);
      // A new pod on the address of a CN that stopped: a new process.
      if (engine.processState(address) === 'exited') engine.restart(address);
      const usage = (engine.cpuPercent(address) / 100) * millicores;
      if (this.scraped === undefined) await this.writeMetrics(pod.name, usage);
      else this.scraped.record(pod.name, ms, usage, pod.uid);
    }
    await this.scrape(
      ms,
      pods.map((pod) => pod.name),
    );
    // A pod gone at once (KWOK without holdPods): its CN, if it still works, is stopped as its hook would.
    const working = this.records
      .filter((record) => record.startedAt !== null && record.finishedAt === null)
      .flatMap((record) => record.cns);
    for (const address of new Set(working)) {
      if (!live.has(address) && !this.gates.has(address) && engine.processState(address) === 'running') {
        this.gates.set(address, { since: ms, pod: undefined });
      }
    }
    this.openGates(ms);
  }

  /** With a metrics resolution: on each scrape, the figures metrics-server would have (none yet for a new pod). */
  private async scrape(ms: number, present: readonly string[]): Promise<void> {
    if (this.scraped === undefined || !this.scraped.due(ms)) return;
    for (const [pod, millicores] of this.scraped.scrape(ms)) {
      if (!present.includes(pod)) this.scraped.forget(pod);
      else if (millicores !== undefined) await this.writeMetrics(pod, millicores);
    }
  }

  private async writeMetrics(pod: string, millicores: number): Promise<void> {
    const cpu = `${Math.round(millicores)}m`;
    const memory = this.options.memory ?? '200Mi';
    await setPodMetrics(this.options.namespace, pod, { cpu, memory }).catch(() => undefined);
  }

  /** A pod being deleted: its preStop hook starts; once its CN has exited, the pod may go (the kubelet's part). */
  private async terminating(pod: string, address: string, ms: number): Promise<void> {
    const gate = this.gates.get(address);
    if (gate === undefined && this.options.engine.processState(address) === 'running') {
      this.gates.set(address, { since: ms, pod });
    } else if (gate === undefined && this.options.engine.processState(address) === 'exited') {
      await this.letGo(pod);
    }
  }

  private async hold(pod: string): Promise<void> {
    const patched = await this.setFinalizers(pod, [HOLD_FINALIZER]);
    if (patched.code === 0) this.held.add(pod);
  }

  private async letGo(pod: string): Promise<void> {
    if (!this.held.has(pod)) return;
    const patched = await this.setFinalizers(pod, null);
    // Gone already is let go too.
    if (patched.code === 0 || /NotFound/.test(patched.stderr)) this.held.delete(pod);
  }

  private setFinalizers(pod: string, finalizers: string[] | null): ReturnType<typeof kubectl> {
    const patch = JSON.stringify({ metadata: { finalizers } });
    return kubectl(['patch', 'pod', pod, '-n', this.options.namespace, '--type=merge', '-p', patch]);
  }

  /** The preStop hook of each leaving CN: the drain gate (order Drain), then `stop_cn.sh -g`. */
  private openGates(ms: number): void {
    const { engine, fe } = this.options;
    const { order, windowSeconds } = this.options.drain ?? {
      order: DRAIN_ORDERS[0],
      windowSeconds: DEFAULT_DRAIN_WINDOW_SECONDS,
    };
    const gated = order === 'Drain' && windowSeconds > 0;
    for (const [address, gate] of this.gates) {
      const waited = ms - gate.since;
      const idle = waited >= drainLeadSeconds(windowSeconds) * 1000 && engine.runningOn(address) === 0;
      if (gated && !idle && waited < drainGateDeadlineSeconds(windowSeconds) * 1000) continue;
      this.gates.delete(address);
      this.stoppedAt.set(address, ms);
      engine.stopGracefully(address, ms, fe.profile.cnGracefulWaitMs);
    }
  }
}
