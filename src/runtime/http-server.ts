// A small HTTP listener shared by the probe and metrics endpoints: binds a BindAddress, reports the bound port
// (tests bind port 0), and closes within a bounded time even with keep-alive clients connected.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions as TlsOptions } from 'node:https';
import type { BindAddress } from './bind-address.js';

export interface RunningServer {
  /** The port actually bound (differs from the requested one when that was 0). */
  port: number;
  close(): Promise<void>;
}

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** Plain HTTP, or HTTPS with `tls` (certificate, key, and the CA client certificates are checked against). */
export async function listen(address: BindAddress, handler: RequestHandler, tls?: TlsOptions): Promise<RunningServer> {
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    handler(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  };
  const server = tls === undefined ? createServer(onRequest) : createTlsServer(tls, onRequest);
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
