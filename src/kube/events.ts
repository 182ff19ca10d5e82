// Kubernetes Events (events.k8s.io/v1) on the operator's objects, deduplicated by EventAggregator. Recording never
// throws and never blocks a reconcile: writes run in the background, failures are logged. Times are MicroTime with
// six fraction digits (the API server rejects three).
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock, type TimerHandle } from '../runtime/clock.js';
import type { Logger } from '../runtime/logging.js';
import { describeError } from './errors.js';
import {
  EventAggregator,
  type EventAggregatorOptions,
  type EventDecision,
  type EventInput,
} from './event-aggregator.js';
import { formatMicroTime } from './microtime.js';
import type { KubeRest } from './rest.js';

export type { EventInput, EventSubject, EventType } from './event-aggregator.js';

const NOTE_LIMIT = 1024;
const EVENTS_PATH = (namespace: string): string =>
  `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`;

export interface EventRecorderOptions extends EventAggregatorOptions {
  rest: Pick<KubeRest, 'request'>;
  logger: Logger;
  /** reportingController, e.g. `starrocks.com/cn-operator`. */
  controller: string;
  /** reportingInstance: the manager pod's name. */
  instance: string;
  clock?: Clock;
}

/** The body of a new events.k8s.io/v1 Event; pure, exported for tests. */
export function newEventBody(
  input: EventInput,
  name: string,
  now: Date,
  controller: string,
  instance: string,
): unknown {
  const { subject } = input;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name, namespace: subject.namespace },
    eventTime: formatMicroTime(now),
    reportingController: controller,
    reportingInstance: instance,
    action: input.action.slice(0, 128),
    reason: input.reason.slice(0, 128),
    note: truncateUtf8(input.note, NOTE_LIMIT),
    type: input.type,
    regarding: {
      apiVersion: subject.apiVersion,
      kind: subject.kind,
      name: subject.name,
      namespace: subject.namespace,
      ...(subject.uid !== undefined ? { uid: subject.uid } : {}),
    },
  };
}

function truncateUtf8(text: string, limitBytes: number): string {
  if (Buffer.byteLength(text) <= limitBytes) return text;
  let cut = text.slice(0, limitBytes);
  while (Buffer.byteLength(cut) > limitBytes - 3) cut = cut.slice(0, -1);
  return `${cut}...`;
}

export class EventRecorder {
  private readonly aggregator: EventAggregator;
  private readonly clock: Clock;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly flushTimers = new Map<string, TimerHandle>();
  private readonly pendingInputs = new Map<string, EventInput>();
  /** Series with a write in flight: one write per series at a time, so counts never arrive out of order. */
  private readonly busy = new Set<string>();

  constructor(private readonly options: EventRecorderOptions) {
    this.aggregator = new EventAggregator(options);
    this.clock = options.clock ?? systemClock;
  }

  /** Records an Event (or counts a repeat). Returns at once; never throws. */
  record(input: EventInput): void {
    const decision = this.aggregator.observe(input, this.clock.now());
    this.pendingInputs.set(decision.key, input);
    this.act(decision, input);
  }

  /** Waits for writes in progress (tests, shutdown). Deferred series updates are written first. */
  async flush(): Promise<void> {
    for (const [key, timer] of this.flushTimers) {
      timer.cancel();
      this.flushTimers.delete(key);
      this.flushKey(key);
    }
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private act(decision: EventDecision, input: EventInput): void {
    // The write in flight re-checks the series when it completes.
    if (this.busy.has(decision.key)) return;
    switch (decision.kind) {
      case 'create':
        this.track(decision.key, this.create(decision.key, input));
        return;
      case 'update':
        this.track(decision.key, this.update(decision.key, input.subject.namespace, decision));
        return;
      case 'defer':
        if (!this.flushTimers.has(decision.key)) {
          const timer = this.clock.setTimer(() => {
            this.flushTimers.delete(decision.key);
            this.flushKey(decision.key);
          }, decision.retryInMs);
          this.flushTimers.set(decision.key, timer);
        }
        return;
    }
  }

  private flushKey(key: string): void {
    const input = this.pendingInputs.get(key);
    const decision = this.aggregator.flush(key, this.clock.now());
    if (decision && input) this.act(decision, input);
  }

  private track(key: string, work: Promise<void>): void {
    this.busy.add(key);
    const settled = work.finally(() => {
      this.busy.delete(key);
      this.inFlight.delete(settled);
      this.flushKey(key);
    });
    this.inFlight.add(settled);
  }

  private async create(key: string, input: EventInput): Promise<void> {
    const now = new Date(this.clock.now());
    const name = `${input.subject.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`;
    const body = newEventBody(input, name, now, this.options.controller, this.options.instance);
    try {
      await this.options.rest.request({ method: 'POST', path: EVENTS_PATH(input.subject.namespace), body });
      this.aggregator.created(key, name);
    } catch (error: unknown) {
      this.aggregator.failed(key);
      this.options.logger.warn({ err: describeError(error), reason: input.reason }, 'could not record event');
    }
  }

  private async update(
    key: string,
    namespace: string,
    decision: Extract<EventDecision, { kind: 'update' }>,
  ): Promise<void> {
    const series = { count: decision.count, lastObservedTime: formatMicroTime(new Date(decision.lastObserved)) };
    try {
      await this.options.rest.request({
        method: 'PATCH',
        path: `${EVENTS_PATH(namespace)}/${encodeURIComponent(decision.eventName)}`,
        body: { series },
        contentType: 'application/merge-patch+json',
      });
      this.aggregator.updated(key, decision.count, this.clock.now());
    } catch (error: unknown) {
      // The Event may have expired (TTL 1 h): start a new series on the next occurrence.
      this.aggregator.failed(key);
      this.options.logger.warn(
        { err: describeError(error), event: decision.eventName },
        'could not update event series',
      );
    }
  }
}
