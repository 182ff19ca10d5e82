// A small raw REST client over node:http(s), authenticated by a KubeConnection (kubeconfig.ts). The list-watch caches,
// server-side apply, events and the lease use it instead of the generated APIs because it keeps objects as plain
// JSON (no class instances, no Date), sends exactly the content type asked for (apply-patch+yaml, merge-patch+json),
// bounds every request in time, streams watches line by line, and counts every request in
// rest_client_requests_total{code,method,host}.
import http from 'node:http';
import https from 'node:https';
import type { OperatorMetrics } from '../runtime/metrics.js';
import { KubeApiError, statusFromResponse } from './errors.js';
import type { KubeConnection } from './kubeconfig.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequest {
  method: HttpMethod;
  /** Absolute API path, e.g. `/api/v1/namespaces/ns/configmaps/x`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  /** Default `application/json` when there is a body. */
  contentType?: string;
  /** Default `application/json`; a metadata-only list or watch asks for PartialObjectMetadata here. */
  accept?: string;
  /** Per-request bound; default from the client (30 s). For streams it bounds only the wait for the headers. */
  timeoutMs?: number;
}

/** An open streaming response (a watch). */
export interface LineStream {
  /** Closes the connection; `done` then resolves. */
  stop(): void;
  /** Resolves when the stream ends: undefined for a clean end, the error otherwise. */
  done: Promise<Error | undefined>;
}

export interface KubeRestOptions {
  metrics?: OperatorMetrics;
  /** Default bound of a non-streaming request. Default 30 s. */
  requestTimeoutMs?: number;
  userAgent?: string;
}

export class KubeRest {
  /** host:port of the API server, the `host` label of rest_client_requests_total. */
  readonly host: string;
  private readonly server: URL;
  private agent: http.Agent | undefined;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly connection: KubeConnection,
    private readonly options: KubeRestOptions = {},
  ) {
    this.server = connection.server;
    this.host = this.server.host;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** Sends a request and returns the parsed JSON body; throws KubeApiError for a non-2xx answer. */
  async request(request: KubeRequest): Promise<unknown> {
    const { response, text } = await this.exchange(request);
    const code = response.statusCode ?? 0;
    if (code < 200 || code > 299) throw new KubeApiError(request.method, request.path, statusFromResponse(code, text));
    if (text === '') return undefined;
    return JSON.parse(text) as unknown;
  }

  /**
   * Opens a streaming GET (a watch) and calls `onLine` for each line received. Resolves once the server answered
   * 200; rejects with KubeApiError for another status, or with the network error.
   */
  async openLineStream(request: KubeRequest, onLine: (line: string) => void): Promise<LineStream> {
    const outgoing = await this.start(request);
    // Bound the wait for the response headers; once streaming, the caller's watchdog watches the data.
    const timeoutMs = request.timeoutMs ?? this.requestTimeoutMs;
    const timer = setTimeout(() => {
      outgoing.request.destroy(new Error(`no answer to the watch request within ${timeoutMs} ms`));
    }, timeoutMs);
    let response: http.IncomingMessage;
    try {
      response = await responseOf(outgoing.request);
    } catch (error: unknown) {
      this.count('<error>', request.method);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const code = response.statusCode ?? 0;
    this.count(code, request.method);
    if (code !== 200) {
      const text = await readBody(response);
      outgoing.request.destroy();
      throw new KubeApiError(request.method, request.path, statusFromResponse(code, text));
    }
    outgoing.request.socket?.setKeepAlive(true, 30_000);
    response.setEncoding('utf8');
    let pending = '';
    response.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== '') onLine(line);
        newline = pending.indexOf('\n');
      }
    });
    const done = new Promise<Error | undefined>((resolve) => {
      let settled = false;
      const settle = (error: Error | undefined): void => {
        if (settled) return;
        settled = true;
        resolve(error);
      };
      response.on('end', () => {
        settle(undefined);
      });
      response.on('error', settle);
      response.on('close', () => {
        settle(response.complete ? undefined : new Error('watch connection closed before the end of the response'));
      });
      outgoing.request.on('error', settle);
    });
    return {
      stop: () => {
        outgoing.request.destroy();
      },
      done,
    };
  }

  private async exchange(request: KubeRequest): Promise<{ response: http.IncomingMessage; text: string }> {
    const outgoing = await this.start(request);
    const timeoutMs = request.timeoutMs ?? this.requestTimeoutMs;
    const timer = setTimeout(() => {
      const error = new Error(`${request.method} ${request.path} timed out after ${timeoutMs} ms`);
      error.name = 'TimeoutError';
      outgoing.request.destroy(error);
    }, timeoutMs);
    try {
      const response = await responseOf(outgoing.request);
      const text = await readBody(response);
      this.count(response.statusCode ?? 0, request.method);
      return { response, text };
    } catch (error: unknown) {
      this.count('<error>', request.method);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async start(request: KubeRequest): Promise<{ request: http.ClientRequest }> {
    const authorization = await this.connection.authorization();
    const url = new URL(this.server.pathname.replace(/\/$/, '') + request.path, this.server);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const body =
      request.body === undefined
        ? undefined
        : typeof request.body === 'string'
          ? request.body
          : JSON.stringify(request.body);
    const headers: http.OutgoingHttpHeaders = {
      accept: request.accept ?? 'application/json',
      'user-agent': this.options.userAgent ?? 'starrocks-cn-operator',
    };
    if (authorization !== undefined) headers['authorization'] = authorization;
    if (body !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = { method: request.method, headers, agent: this.agentFor(secure) };
    const outgoing = secure ? https.request(url, options) : http.request(url, options);
    outgoing.end(body);
    return { request: outgoing };
  }

  /** One keep-alive agent for the client's lifetime, with the connection's TLS material. */
  private agentFor(secure: boolean): http.Agent {
    if (this.agent) return this.agent;
    const { tls } = this.connection;
    this.agent = secure
      ? new https.Agent({
          keepAlive: true,
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          servername: tls.servername,
          rejectUnauthorized: tls.rejectUnauthorized,
        })
      : new http.Agent({ keepAlive: true });
    return this.agent;
  }

  private count(code: number | '<error>', method: string): void {
    this.options.metrics?.countRestRequest(code, method, this.host);
  }

  /** Closes idle keep-alive connections (at shutdown). */
  close(): void {
    this.agent?.destroy();
  }
}

function responseOf(request: http.ClientRequest): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
}

function readBody(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    response.on('error', reject);
  });
}
