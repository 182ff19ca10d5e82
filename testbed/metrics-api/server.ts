// The HTTPS server of the test metrics backend. The API server's aggregator proxies metrics.k8s.io requests here
// (APIService + ExternalName Service to 127.0.0.1); pods are read from the API server on each request, so what a
// test writes into a pod's annotations is what the HPA sees on its next sync.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  apiGroup,
  apiResourceList,
  emptyOpenApiV2,
  podMetrics,
  podMetricsList,
  route,
  status,
  type PodView,
} from './metrics.js';

export interface PodSource {
  listPods(namespace: string | null, labelSelector: string | undefined): Promise<PodView[]>;
  getPod(namespace: string, name: string): Promise<PodView | null>;
}

export interface MetricsServerOptions {
  readonly source: PodSource;
  readonly cert: string;
  readonly key: string;
  readonly onError?: (message: string) => void;
  readonly now?: () => Date;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function answer(req: IncomingMessage, options: MetricsServerOptions): Promise<[number, unknown]> {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  if (req.method !== 'GET') return [405, status(405, 'MethodNotAllowed', `${req.method ?? ''} is not supported`)];
  const now = (options.now ?? (() => new Date()))();
  const target = route(url.pathname);
  const labelSelector = url.searchParams.get('labelSelector') ?? undefined;
  switch (target.kind) {
    case 'health':
      return [200, 'ok'];
    case 'openapi-v2':
      return [200, emptyOpenApiV2()];
    case 'openapi-v3':
      return [200, { paths: {} }];
    case 'group':
      return [200, apiGroup()];
    case 'resources':
      return [200, apiResourceList()];
    case 'pods':
      return [200, podMetricsList(await options.source.listPods(target.namespace, labelSelector), now)];
    case 'pod': {
      const pod = await options.source.getPod(target.namespace, target.name);
      const metrics = pod === null ? null : podMetrics(pod, now);
      if (metrics === null) return [404, status(404, 'NotFound', `podmetrics "${target.name}" not found`)];
      return [200, metrics];
    }
    case 'nodes':
      return [200, { kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items: [] }];
    case 'node':
      return [404, status(404, 'NotFound', `nodemetrics "${target.name}" not found`)];
    case 'not-found':
      return [404, status(404, 'NotFound', `the server could not find ${url.pathname}`)];
  }
}

export function createMetricsServer(options: MetricsServerOptions): https.Server {
  return https.createServer({ cert: options.cert, key: options.key }, (req, res) => {
    answer(req, options)
      .then(([code, body]) => {
        if (typeof body === 'string') {
          res.writeHead(code, { 'content-type': 'text/plain' });
          res.end(body);
        } else send(res, code, body);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        options.onError?.(`${req.url ?? ''}: ${message}`);
        send(res, 500, status(500, 'InternalError', message));
      });
  });
}
