// What metrics-server would report for each pod's CPU, from the usage a test feeds it: the resolution a real cluster
// runs, where the test's annotations otherwise give the HPA each pod's usage of the moment. Pure, on the caller's clock.
//
// Modelled on metrics-server's pod storage (pkg/storage/pod.go, v0.7): it scrapes each kubelet's cumulative CPU
// counter every `--metric-resolution` (15 s in its official manifest) and reports the rate between the last two
// scrapes, so a pod's CPU is its mean over the last interval. A pod has no figure until it has two points; a container
// that started between 10 s and one resolution before a scrape counts its start as the first point (usage 0 then).
// A pod without a figure is a pod the HPA has no metrics for: its controller then assumes 0 % for a scale-up.

/** metrics-server's `freshContainerMinMetricsResolution`: a younger container gets no figure from its start time. */
export const FRESH_CONTAINER_MIN_MS = 10_000;

interface PodCounter {
  /** The pod's uid: a pod recreated under the same name is a new container, counted from 0. */
  instance: string;
  startedMs: number;
  /** Cumulative CPU in millicore-milliseconds since the pod started. */
  cumulative: number;
  /** When usage was last added. */
  sampledMs: number;
  /** The point of the previous scrape. */
  scraped?: { ms: number; cumulative: number };
}

export class ScrapedCpu {
  private readonly pods = new Map<string, PodCounter>();
  private nextScrapeMs: number;

  constructor(
    private readonly resolutionMs: number,
    startMs = 0,
  ) {
    if (!(resolutionMs > 0)) throw new Error(`resolutionMs must be positive, got ${resolutionMs}`);
    this.nextScrapeMs = startMs + resolutionMs;
  }

  /**
   * The pod used `millicores` since its previous sample (or since it started, first seen at `ms`). A new `instance`
   * (uid) under a known name is a new pod: metrics-server drops the old point when the container's start moves.
   */
  record(pod: string, ms: number, millicores: number, instance = pod): void {
    const counter = this.pods.get(pod);
    if (counter?.instance !== instance) {
      this.pods.set(pod, { instance, startedMs: ms, cumulative: 0, sampledMs: ms });
      return;
    }
    counter.cumulative += millicores * Math.max(0, ms - counter.sampledMs);
    counter.sampledMs = ms;
  }

  /** A pod that went away: its counter is gone (a new pod of the same name starts over). */
  forget(pod: string): void {
    this.pods.delete(pod);
  }

  /** Whether a scrape is due at `ms`. */
  due(ms: number): boolean {
    return ms >= this.nextScrapeMs;
  }

  /** One scrape at `ms`: each pod's CPU in millicores, or undefined where metrics-server would have none yet. */
  scrape(ms: number): Map<string, number | undefined> {
    while (this.nextScrapeMs <= ms) this.nextScrapeMs += this.resolutionMs;
    const figures = new Map<string, number | undefined>();
    for (const [pod, counter] of this.pods) {
      figures.set(pod, figure(counter, ms, this.resolutionMs));
      counter.scraped = { ms, cumulative: counter.cumulative };
    }
    return figures;
  }
}

function figure(counter: PodCounter, ms: number, resolutionMs: number): number | undefined {
  const age = ms - counter.startedMs;
  if (age > 0 && age < resolutionMs && age >= FRESH_CONTAINER_MIN_MS) return counter.cumulative / age;
  const previous = counter.scraped;
  if (previous === undefined || ms <= previous.ms) return undefined;
  return (counter.cumulative - previous.cumulative) / (ms - previous.ms);
}
