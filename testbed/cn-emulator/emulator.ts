// A compute node's HTTP server as far as the project needs it: GET /api/health answers 200
// {"status": "OK","msg": "To Be Added"} while the CN is up. Down means the connection is cut at once, as when the
// process is gone. Listens on an ephemeral loopback port, so many can run side by side.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const HEALTH_BODY = '{"status": "OK","msg": "To Be Added"}';

export type CnEmulatorState = 'up' | 'down' | 'stall';

export interface CnEmulatorOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  state?: CnEmulatorState;
}

export class CnEmulator {
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  state: CnEmulatorState;
  /** How many /api/health requests arrived (answered or not). */
  healthRequests = 0;

  constructor(private readonly options: CnEmulatorOptions = {}) {
    this.state = options.state ?? 'up';
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.boundPort;
  }

  /** `http://127.0.0.1:<port>/api/health`. */
  get healthUrl(): string {
    return `http://${this.host}:${this.boundPort}/api/health`;
  }

  async start(): Promise<number> {
    const server = http.createServer((request, response) => {
      this.handle(request, response);
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      if (this.state === 'down') socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this.boundPort;
  }

  /** Switches the CN up or down; going down also cuts connections already open. */
  setState(state: CnEmulatorState): void {
    this.state = state;
    if (state === 'down') for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (request.url === '/api/health' || request.url?.startsWith('/api/health?')) this.healthRequests += 1;
    if (this.state === 'down') {
      request.socket.destroy();
      return;
    }
    if (this.state === 'stall') return; // never answers; the socket is destroyed on stop()
    if (request.method === 'GET' && (request.url === '/api/health' || request.url?.startsWith('/api/health?'))) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(HEALTH_BODY);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found\n');
  }
}

/** Starts `count` emulators at once (each on its own ephemeral port). */
export async function startCnEmulators(count: number, options: CnEmulatorOptions = {}): Promise<CnEmulator[]> {
  const emulators = Array.from({ length: count }, () => new CnEmulator(options));
  await Promise.all(emulators.map((emulator) => emulator.start()));
  return emulators;
}
