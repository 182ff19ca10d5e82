// The register sidecar's control loop: observe (CN health, the FE's view of this CN), decide (decide.ts, pure),
// act (ADD), sleep. Every wait is bounded and every await gives way to shutdown at once.
import http from 'node:http';
import { isFeError, type FeErrorKind } from '../../fe/index.js';
import { addressKey, addressKeyOf } from '../../cn/index.js';
import type { Logger } from '../../runtime/logging.js';
import type { RegisterConfig } from './config.js';
import {
  decideAfterAdd,
  decideTick,
  initialState,
  type AddOutcome,
  type Decision,
  type DecisionTiming,
  type FeObservation,
  type RegisterState,
} from './decide.js';
import type { ProbeStatus } from './probe-server.js';

/** What the loop needs from the FE; FeClient provides it. */
export interface FeMembership {
  showComputeNodes(): Promise<readonly { host: string; heartbeatPort: number; alive: boolean }[]>;
  addComputeNodes(addresses: string[]): Promise<void>;
}

export interface LoopDependencies {
  fe: FeMembership;
  checkCnHealth(signal: AbortSignal): Promise<boolean>;
  logger: Logger;
  now?: () => number;
  random?: () => number;
}

export class ShutdownRequested extends Error {
  constructor() {
    super('shutdown requested');
    this.name = 'ShutdownRequested';
  }
}

/** Resolves with the promise, or rejects with ShutdownRequested as soon as the signal aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ShutdownRequested());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new ShutdownRequested());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Sleeps for ms, or less when the signal aborts (then it resolves without error). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * GET <url>; true only for a 200 answer within timeoutMs. node:http with an explicit deadline rather than fetch:
 * a deadline that cannot be lost, and one fresh connection per check (no pooled socket to a restarted CN).
 */
export function fetchHealth(url: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const request = http.get(url, { agent: false, signal }, (response) => {
      response.resume();
      finish(response.statusCode === 200);
    });
    const timer = setTimeout(() => {
      finish(false);
    }, timeoutMs);
    request.on('error', () => {
      finish(false);
    });
    function finish(healthy: boolean): void {
      clearTimeout(timer);
      request.destroy();
      resolve(healthy);
    }
  });
}

function errorKind(error: unknown): { error: FeErrorKind; message: string } {
  if (isFeError(error)) return { error: error.kind, message: error.message };
  return { error: 'Unknown', message: error instanceof Error ? error.message : String(error) };
}

export class RegisterLoop implements ProbeStatus {
  private state: RegisterState = initialState;
  private readonly timing: DecisionTiming;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly ownKey: string | null;
  /** The loop must report again before this time, or /healthz fails (the loop is stuck). */
  private liveUntil = 0;
  private running = false;
  private ticks = 0;

  constructor(
    private readonly config: RegisterConfig,
    private readonly deps: LoopDependencies,
  ) {
    this.timing = {
      periodMs: config.periodMs,
      healthPollMs: config.healthPollMs,
      errorRetryMaxMs: config.errorRetryMaxMs,
      configErrorRetryMs: config.configErrorRetryMs,
    };
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.ownKey = addressKeyOf(config.cnAddress);
  }

  ready(): boolean {
    return this.running && this.state.ready;
  }

  live(): boolean {
    return this.running && this.now() <= this.liveUntil;
  }

  describe(): Record<string, unknown> {
    return { address: this.config.cnAddress, phase: this.state.phase, ready: this.ready(), ticks: this.ticks };
  }

  get currentState(): RegisterState {
    return this.state;
  }

  /** Runs until the signal aborts. Never throws for FE or CN trouble: those become decisions. */
  async run(signal: AbortSignal): Promise<void> {
    this.running = true;
    this.deps.logger.info(
      { event: 'start', address: this.config.cnAddress, fe: this.config.feAddresses, periodMs: this.config.periodMs },
      'register started: waiting for the CN to be healthy, then adding it to the FE',
    );
    try {
      while (!signal.aborted) {
        const decision = await this.tick(signal);
        this.ticks++;
        this.liveUntil = this.now() + decision.delayMs + this.workBudgetMs();
        await sleep(decision.delayMs, signal);
      }
    } catch (error) {
      if (!(error instanceof ShutdownRequested)) throw error;
    } finally {
      this.running = false;
    }
  }

  /** The longest one tick may take: a health check, then SHOW and ADD, each over every FE with one reconnect. */
  private workBudgetMs(): number {
    const perCall =
      this.config.feAddresses.length * 2 * (this.config.feConnectTimeoutMs + this.config.feQueryTimeoutMs + 1000);
    return this.config.healthTimeoutMs + 2 * perCall + 5000;
  }

  private async tick(signal: AbortSignal): Promise<Decision> {
    this.liveUntil = this.now() + this.workBudgetMs();
    const cnHealthy = await untilAborted(this.deps.checkCnHealth(signal), signal);
    const fe = cnHealthy ? await this.observe(signal) : null;
    let decision = decideTick(this.state, { now: this.now(), cnHealthy, fe, random: this.random() }, this.timing);
    this.apply(decision);
    if (decision.action === 'add') {
      const outcome = await this.add(signal);
      decision = decideAfterAdd(this.state, outcome, { now: this.now(), random: this.random() }, this.timing);
      this.apply(decision);
    }
    return decision;
  }

  private async observe(signal: AbortSignal): Promise<FeObservation> {
    try {
      const rows = await untilAborted(this.deps.fe.showComputeNodes(), signal);
      const own = rows.filter((row) => addressKey({ host: row.host, port: row.heartbeatPort }) === this.ownKey);
      if (own.length === 0) return { kind: 'missing' };
      return { kind: 'listed', alive: own.some((row) => row.alive) };
    } catch (error) {
      if (error instanceof ShutdownRequested) throw error;
      return { kind: 'error', ...errorKind(error) };
    }
  }

  private async add(signal: AbortSignal): Promise<AddOutcome> {
    try {
      await untilAborted(this.deps.fe.addComputeNodes([this.config.cnAddress]), signal);
      return { ok: true };
    } catch (error) {
      if (error instanceof ShutdownRequested) throw error;
      return { ok: false, ...errorKind(error) };
    }
  }

  private apply(decision: Decision): void {
    this.state = decision.state;
    const { level, event, reason } = decision.log;
    this.deps.logger[level](
      {
        event,
        address: this.config.cnAddress,
        phase: decision.state.phase,
        ready: decision.state.ready,
        action: decision.action,
        nextCheckMs: decision.delayMs,
      },
      reason,
    );
  }
}
