// Gauges labelled by namespace and group, computed when Prometheus scrapes from whatever holds the groups' figures
// (the load board, the cached groups' status). A figure a group does not have yields no series rather than a 0.
import { Gauge, type Registry } from 'prom-client';

export interface GroupGauge<Entry> {
  series: string;
  help: string;
  /** The entry's figure; null or undefined when it has none. */
  read: (entry: Entry) => number | null | undefined;
}

export interface GroupLabels {
  namespace: string;
  group: string;
}

export function registerGroupGauges<Entry>(
  registry: Registry,
  gauges: readonly GroupGauge<Entry>[],
  entries: () => Iterable<Entry>,
  labelsOf: (entry: Entry) => GroupLabels,
): void {
  for (const { series, help, read } of gauges) {
    new Gauge({
      name: series,
      help,
      labelNames: ['namespace', 'group'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const entry of entries()) {
          const value = read(entry);
          if (value !== null && value !== undefined) this.set(labelsOf(entry), value);
        }
      },
    });
  }
}
