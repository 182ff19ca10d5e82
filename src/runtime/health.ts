// Liveness and readiness endpoints (/healthz, /readyz, and /healthz/<check>, /readyz/<check>) on the probe address,
// and /metrics on its own address, as controller-runtime serves them. A check is a function that resolves when
// healthy and throws (with the reason) when not; each run is bounded by a timeout so a hung check fails the probe
// instead of hanging it.
import type { BindAddress } from './bind-address.js';
import { listen, type RunningServer } from './http-server.js';
import type { OperatorMetrics } from './metrics.js';

export type HealthCheck = () => Promise<void> | void;

export interface CheckOutcome {
  name: string;
  error: string | undefined;
}

/** The named liveness and readiness checks. Add checks before or after the server starts. */
export class HealthChecks {
  readonly healthz = new Map<string, HealthCheck>();
  readonly readyz = new Map<string, HealthCheck>();

  constructor(private readonly timeoutMs = 5000) {}

  addHealthz(name: string, check: HealthCheck): void {
    this.healthz.set(name, check);
  }

  addReadyz(name: string, check: HealthCheck): void {
    this.readyz.set(name, check);
  }

  /** Runs every check of the set (or only `only`), in parallel, each bounded in time. */
  async run(kind: 'healthz' | 'readyz', only?: string): Promise<CheckOutcome[]> {
    const checks = [...this[kind]].filter(([name]) => only === undefined || name === only);
    return Promise.all(checks.map(([name, check]) => this.runOne(name, check)));
  }

  private async runOne(name: string, check: HealthCheck): Promise<CheckOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(check), timeout]);
      return { name, error: undefined };
    } catch (error: unknown) {
      return { name, error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The text body and status of a probe answer, in controller-runtime's format. */
export function renderProbe(
  kind: string,
  outcomes: CheckOutcome[],
  verbose: boolean,
): { status: number; body: string } {
  const failed = outcomes.filter((outcome) => outcome.error !== undefined);
  const status = failed.length === 0 ? 200 : 500;
  if (!verbose && failed.length === 0) return { status, body: 'ok' };
  const lines = outcomes.map((outcome) =>
    outcome.error === undefined ? `[+]${outcome.name} ok` : `[-]${outcome.name} failed: ${outcome.error}`,
  );
  lines.push(failed.length === 0 ? `${kind} check passed` : `${kind} check failed`);
  return { status, body: lines.join('\n') + '\n' };
}

/** Serves /healthz and /readyz (plus /<kind>/<check>; `?verbose` lists every check). */
export function startProbeServer(address: BindAddress, checks: HealthChecks): Promise<RunningServer> {
  return listen(address, async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://probe');
    const [, kind, only] = url.pathname.split('/');
    if ((kind !== 'healthz' && kind !== 'readyz') || (only !== undefined && !checks[kind].has(only))) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const outcomes = await checks.run(kind, only);
    const { status, body } = renderProbe(kind, outcomes, url.searchParams.has('verbose'));
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
  });
}

/** Serves /metrics in the Prometheus text format. */
export function startMetricsServer(address: BindAddress, metrics: OperatorMetrics): Promise<RunningServer> {
  return listen(address, async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://metrics').pathname;
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const { contentType, body } = await metrics.exposition();
    response.writeHead(200, { 'content-type': contentType }).end(body);
  });
}
