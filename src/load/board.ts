// The latest load figures of every group, written by the reconciler after each FE read and read by the two places
// that publish them: the Prometheus metrics (at scrape time) and the custom metrics API (on each HPA request). One
// store, so both always say the same thing.
import type { Registry } from 'prom-client';
import { registerGroupGauges } from '../runtime/group-gauges.js';
import { QUERY_LOAD_METRIC } from '../api/v1alpha1/constants.js';
import type { GroupLoad } from './figures.js';

export interface BoardEntry {
  namespace: string;
  name: string;
  load: GroupLoad;
  /** When the FE answered the read the figures come from. */
  observedAt: Date;
}

/** The names under which a figure is published: the custom metrics API's name and the Prometheus series. */
export const LOAD_METRICS = [
  {
    metric: QUERY_LOAD_METRIC,
    series: 'starrocks_cn_group_query_load',
    help: "Running queries summed over the group's alive CNs plus the group's share of the FE's queue",
    read: (load: GroupLoad) => load.queryLoad,
  },
  {
    metric: 'running_queries',
    series: 'starrocks_cn_group_running_queries',
    help: "NumRunningQueries summed over the group's alive CNs (a query on n CNs counts n times)",
    read: (load: GroupLoad) => load.runningQueries,
  },
  {
    metric: 'pending_queries',
    series: 'starrocks_cn_group_pending_queries',
    help: "The group's share of the queries waiting in the FE's queue (by its share of the alive CNs)",
    read: (load: GroupLoad) => load.pendingQueries,
  },
  {
    metric: 'slot_load',
    series: 'starrocks_cn_group_slot_load',
    help: "The group's share of the query queue's slots, running and waiting (1 per query under queue v1)",
    read: (load: GroupLoad) => load.slotLoad,
  },
  {
    metric: 'cpu_used_percent',
    series: 'starrocks_cn_group_cpu_used_percent',
    help: "Mean CpuUsedPct the FE reports for the group's alive CNs",
    read: (load: GroupLoad) => load.cpuUsedPercent,
  },
  {
    metric: 'mem_used_percent',
    series: 'starrocks_cn_group_mem_used_percent',
    help: "Mean MemUsedPct the FE reports for the group's alive CNs",
    read: (load: GroupLoad) => load.memUsedPercent,
  },
  {
    metric: 'alive_compute_nodes',
    series: 'starrocks_cn_group_alive_compute_nodes',
    help: "The group's CNs the FE reports alive",
    read: (load: GroupLoad) => load.aliveComputeNodes,
  },
] as const;

export type LoadMetricName = (typeof LOAD_METRICS)[number]['metric'];

export function isLoadMetricName(value: string): value is LoadMetricName {
  return LOAD_METRICS.some((entry) => entry.metric === value);
}

export class LoadBoard {
  private readonly entries = new Map<string, BoardEntry>();

  /** The reconciler's side of the board. */
  readonly sink = {
    report: (namespace: string, name: string, load: GroupLoad, observedAt: Date): void => {
      this.set({ namespace, name, load, observedAt });
    },
    forget: (namespace: string, name: string): void => {
      this.delete(namespace, name);
    },
  };

  set(entry: BoardEntry): void {
    this.entries.set(key(entry.namespace, entry.name), entry);
  }

  delete(namespace: string, name: string): void {
    this.entries.delete(key(namespace, name));
  }

  get(namespace: string, name: string): BoardEntry | undefined {
    return this.entries.get(key(namespace, name));
  }

  all(): IterableIterator<BoardEntry> {
    return this.entries.values();
  }

  /** Gauges labelled by namespace and group, computed from the board when Prometheus scrapes. */
  register(registry: Registry): void {
    const gauges = LOAD_METRICS.map(({ series, help, read }) => ({
      series,
      help,
      read: (entry: BoardEntry) => read(entry.load),
    }));
    registerGroupGauges(
      registry,
      gauges,
      () => this.all(),
      ({ namespace, name }) => ({ namespace, group: name }),
    );
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
