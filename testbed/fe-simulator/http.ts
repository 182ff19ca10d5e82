// The FE's HTTP port (its `http_port`, 8030 by default), as far as the operator uses it: GET /api/idle_status
// (http/rest/IdleAction.java). Every other path gets the FE's NotFoundAction, which asks for a password first
// (401 with `WWW-Authenticate: Basic`), then answers 404. One HTTP port per simulator, on its listen host: it answers
// for the whole simulated cluster (a real FE counts only the SQL it runs itself; docs/fe-simulator.md).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdleChecker } from './idle.js';

export interface FeHttpOptions {
  host: string;
  port: number;
  hasIdleStatus: () => boolean;
  checker: IdleChecker;
  /** Samples the work and runs one check (the handler does, as IdleAction calls runAfterCatalogReady). */
  check: () => void;
  passwordOf: (user: string) => string | undefined;
}

export const IDLE_CHECK_OFF_TEXT = 'warehouse idle check is not enabled';

export class FeHttpServer {
  private readonly server: http.Server;

  constructor(private readonly options: FeHttpOptions) {
    this.server = http.createServer((request, response) => {
      this.handle(request, response);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  get port(): number {
    const address = this.server.address();
    return address !== null && typeof address === 'object' ? (address satisfies AddressInfo).port : 0;
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/api/idle_status' && this.options.hasIdleStatus()) {
      const { checker } = this.options;
      if (checker.enabled) this.options.check();
      send(response, 200, checker.enabled ? JSON.stringify(checker.body()) : IDLE_CHECK_OFF_TEXT);
    } else if (!this.authenticated(request.headers.authorization)) {
      response.setHeader('WWW-Authenticate', 'Basic realm=""');
      send(response, 401, 'Authentication Failed. <br/> If you are using Chrome, please try again.');
    } else {
      send(response, 404, '<html><body>this is 404 page.</body></html>');
    }
  }

  private authenticated(header: string | undefined): boolean {
    if (header === undefined || !header.startsWith('Basic ')) return false;
    const [user = '', ...rest] = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8').split(':');
    const password = this.options.passwordOf(user);
    return password !== undefined && password === rest.join(':');
  }
}

/** BaseAction answers text/html unless told otherwise; IdleAction does not say. */
function send(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
