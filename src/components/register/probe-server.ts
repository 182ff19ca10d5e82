// The sidecar's probe endpoints. /readyz is the rollout gate: 200 only while the FE reports this CN alive, so a
// StatefulSet rollout waits for the new CN to serve queries before it stops the next old one. /healthz tells the
// kubelet the control loop is not stuck. Served by the runtime's listener, as the manager's probes are.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, type RunningServer } from '../../runtime/http-server.js';

export interface ProbeStatus {
  ready(): boolean;
  live(): boolean;
  /** A short JSON-able description for humans reading the probe's body. */
  describe(): Record<string, unknown>;
}

export type ProbeServer = RunningServer;

/** Probes are tiny; a client that holds a socket open must not delay shutdown. */
const PROBE_KEEP_ALIVE_MS = 1000;

export async function startProbeServer(host: string, port: number, status: ProbeStatus): Promise<ProbeServer> {
  const answer = (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    const ok = path === '/readyz' ? status.ready() : path === '/healthz' ? status.live() : undefined;
    if (ok === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return Promise.resolve();
    }
    response
      .writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ ok, ...status.describe() }) + '\n');
    return Promise.resolve();
  };
  return listen({ host, port }, answer, { keepAliveTimeoutMs: PROBE_KEEP_ALIVE_MS });
}
