// Pure bookkeeping behind deduplicated Events: the first occurrence of (object, type, reason, action, note) creates an
// Event; repeats within the window update that Event's series (count, lastObservedTime) instead of creating new
// ones, and at most once per `minUpdateIntervalMs`, so a reconcile loop failing every few ms cannot flood the API.

export type EventType = 'Normal' | 'Warning';

/** The object an Event is about. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
}

export interface EventInput {
  subject: EventSubject;
  type: EventType;
  /** UpperCamelCase, machine-readable, e.g. `ComputeNodeAdded`. */
  reason: string;
  /** What the operator did or failed to do, e.g. `AddComputeNode`. */
  action: string;
  /** Human-readable; truncated to 1024 bytes. */
  note: string;
}

interface SeriesState {
  eventName: string | undefined;
  firstSeen: number;
  count: number;
  /** Count already written to the API server. */
  writtenCount: number;
  lastObserved: number;
  lastWrite: number;
}

export type EventDecision =
  | { kind: 'create'; key: string }
  /** Write series {count, lastObservedTime} to the existing Event `eventName`. */
  | { kind: 'update'; key: string; eventName: string; count: number; lastObserved: number }
  /** Counted locally; call `flush(key)` after `retryInMs` to write it. */
  | { kind: 'defer'; key: string; retryInMs: number };

export interface EventAggregatorOptions {
  /** Repeats within this time join the series. Default 10 minutes. */
  windowMs?: number;
  /** Minimum time between two writes of one series. Default 30 s. */
  minUpdateIntervalMs?: number;
  /** Series remembered at most (oldest forgotten first). Default 4096. */
  maxSeries?: number;
}

export function eventKey(input: EventInput): string {
  const { subject } = input;
  const who = subject.uid ?? `${subject.namespace}/${subject.kind}/${subject.name}`;
  return [who, input.type, input.reason, input.action, input.note].join('\u0000');
}

export class EventAggregator {
  private readonly series = new Map<string, SeriesState>();
  private readonly windowMs: number;
  private readonly minUpdateIntervalMs: number;
  private readonly maxSeries: number;

  constructor(options: EventAggregatorOptions = {}) {
    this.windowMs = options.windowMs ?? 600_000;
    this.minUpdateIntervalMs = options.minUpdateIntervalMs ?? 30_000;
    this.maxSeries = options.maxSeries ?? 4096;
  }

  /** Records one occurrence at `now` and says what to write. */
  observe(input: EventInput, now: number): EventDecision {
    const key = eventKey(input);
    const state = this.series.get(key);
    if (!state || now - state.firstSeen > this.windowMs) {
      this.remember(key, {
        eventName: undefined,
        firstSeen: now,
        count: 1,
        writtenCount: 0,
        lastObserved: now,
        lastWrite: now,
      });
      return { kind: 'create', key };
    }
    // A repeat while the create is still in flight (no name yet) is counted and deferred, never a second Event.
    state.count += 1;
    state.lastObserved = now;
    return this.decideWrite(key, state, now);
  }

  /** The Event for `key` was created under `eventName` (count 1 written). */
  created(key: string, eventName: string): void {
    const state = this.series.get(key);
    if (!state) return;
    state.eventName = eventName;
    state.writtenCount = Math.max(state.writtenCount, 1);
  }

  /** A create failed: forget the series so the next occurrence tries again. */
  failed(key: string): void {
    this.series.delete(key);
  }

  /** The series update with `count` was written at `now`. */
  updated(key: string, count: number, now: number): void {
    const state = this.series.get(key);
    if (!state) return;
    state.writtenCount = Math.max(state.writtenCount, count);
    state.lastWrite = now;
  }

  /** For a deferred series: what to write now (nothing when it was written meanwhile). */
  flush(key: string, now: number): EventDecision | undefined {
    const state = this.series.get(key);
    if (!state || state.eventName === undefined || state.count <= state.writtenCount) return undefined;
    return this.decideWrite(key, state, now);
  }

  private decideWrite(key: string, state: SeriesState, now: number): EventDecision {
    const wait = state.lastWrite + this.minUpdateIntervalMs - now;
    if (wait > 0 || state.eventName === undefined) return { kind: 'defer', key, retryInMs: Math.max(wait, 1) };
    return { kind: 'update', key, eventName: state.eventName, count: state.count, lastObserved: state.lastObserved };
  }

  private remember(key: string, state: SeriesState): void {
    this.series.delete(key);
    this.series.set(key, state);
    while (this.series.size > this.maxSeries) {
      const oldest = this.series.keys().next().value;
      if (oldest === undefined) break;
      this.series.delete(oldest);
    }
  }
}
