// A small HTTP listener shared by the manager's probe and metrics endpoints and the register sidecar's probes: binds a BindAddress, reports the bound port
// (tests bind port 0), and closes within a bounded time even with keep-alive clients connected.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions as TlsOptions } from 'node:https';
import type { BindAddress } from './bind-address.js';

export interface RunningServer {
  /** The port actually bound (differs from the requested one when that was 0). */
  port: number;
  close(): Promise<void>;
}

export interface RunningTlsServer extends RunningServer {
  /** New certificate, key or client CA for the connections that follow (a renewal, a rotated CA). */
  reloadTls(options: TlsOptions): void;
}

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export interface ListenOptions {
  /** How long an idle keep-alive connection stays open (Node's default, 5 s, when absent). */
  keepAliveTimeoutMs?: number;
}

export async function listen(
  address: BindAddress,
  handler: RequestHandler,
  options: ListenOptions = {},
): Promise<RunningServer> {
  const server = createServer(onRequestOf(handler));
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  return serve(server, address);
}

/** HTTPS with `tls`: certificate, key, and the CA client certificates are checked against. */
export async function listenTls(
  address: BindAddress,
  handler: RequestHandler,
  tls: TlsOptions,
): Promise<RunningTlsServer> {
  const server = createTlsServer(tls, onRequestOf(handler));
  const running = await serve(server, address);
  return {
    ...running,
    reloadTls: (options) => {
      server.setSecureContext(options);
    },
  };
}

function onRequestOf(handler: RequestHandler): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handler(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  };
}

async function serve(server: Server, address: BindAddress): Promise<RunningServer> {
  // Probes and scrapes are short; a stuck client must not hold the server open.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: address.port, host: address.host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
