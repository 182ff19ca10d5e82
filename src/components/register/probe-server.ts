// The sidecar's probe endpoints. /readyz is the rollout gate: 200 only while the FE reports this CN alive, so a
// StatefulSet rollout waits for the new CN to serve queries before it stops the next old one. /healthz tells the
// kubelet the control loop is not stuck.
import { createServer, type Server } from 'node:http';

export interface ProbeStatus {
  ready(): boolean;
  live(): boolean;
  /** A short JSON-able description for humans reading the probe's body. */
  describe(): Record<string, unknown>;
}

export interface ProbeServer {
  port: number;
  close(): Promise<void>;
}

export async function startProbeServer(host: string, port: number, status: ProbeStatus): Promise<ProbeServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const ok = path === '/readyz' ? status.ready() : path === '/healthz' ? status.live() : undefined;
    if (ok === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    response
      .writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ ok, ...status.describe() }) + '\n');
  });
  // Probes are tiny; a client that holds a socket open must not delay shutdown.
  server.keepAliveTimeout = 1000;
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  return {
    port: typeof bound === 'object' && bound !== null ? bound.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
