// The raw REST client against a loopback HTTP server standing in for the API server's wire behaviour.
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { isNotFound, statusOf } from '../../../src/kube/errors.js';
import type { KubeConnection } from '../../../src/kube/kubeconfig.js';
import { KubeRest } from '../../../src/kube/rest.js';
import { OperatorMetrics } from '../../../src/runtime/metrics.js';

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

describe('KubeRest', () => {
  let server: Server;
  let port = 0;
  const seen: Seen[] = [];
  const routes = new Map<string, (request: IncomingMessage, response: ServerResponse) => void>();

  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({
          method: request.method ?? '',
          url: request.url ?? '',
          contentType: request.headers['content-type'],
          authorization: request.headers.authorization,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const path = new URL(request.url ?? '/', 'http://x').pathname;
        const route = routes.get(path);
        if (route) route(request, response);
        else
          response
            .writeHead(404)
            .end(JSON.stringify({ kind: 'Status', reason: 'NotFound', message: `${path} not found`, code: 404 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function client(metrics?: OperatorMetrics, requestTimeoutMs?: number): KubeRest {
    const connection: KubeConnection = {
      server: new URL(`http://127.0.0.1:${port}`),
      tls: { rejectUnauthorized: true },
      authorization: () => Promise.resolve('Bearer secret-token'),
      source: 'test',
    };
    return new KubeRest(connection, { metrics, requestTimeoutMs });
  }

  it('sends the content type asked for, the query and the bearer token, and parses the JSON answer', async () => {
    routes.set('/api/v1/namespaces/ns/configmaps/x', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"metadata":{"name":"x"}}');
    });
    const rest = client();
    const answer = await rest.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/ns/configmaps/x',
      query: { fieldManager: 'm', force: true, skipped: undefined },
      body: { data: { k: 'v' } },
      contentType: 'application/apply-patch+yaml',
    });
    assert.deepEqual(answer, { metadata: { name: 'x' } });
    const last = seen.at(-1);
    assert.equal(last?.contentType, 'application/apply-patch+yaml');
    assert.equal(last.url, '/api/v1/namespaces/ns/configmaps/x?fieldManager=m&force=true');
    assert.equal(last.authorization, 'Bearer secret-token');
    assert.equal(last.body, '{"data":{"k":"v"}}');
    rest.close();
  });

  it('throws a classified error for a non-2xx answer and counts requests by code', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const rest = client(metrics);
    const error = await rest.request({ method: 'GET', path: '/api/v1/nothing' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal(isNotFound(error), true);
    assert.equal(statusOf(error)?.message, '/api/v1/nothing not found');
    const values = (await metrics.registry.getMetricsAsJSON()).find(
      (m) => m.name === 'rest_client_requests_total',
    )?.values;
    assert.deepEqual(values?.[0]?.labels, { code: '404', method: 'GET', host: `127.0.0.1:${port}` });
    rest.close();
  });

  it('bounds a request that gets no answer and counts it as <error>', async () => {
    routes.set('/hang', () => undefined);
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const rest = client(metrics, 200);
    await assert.rejects(rest.request({ method: 'GET', path: '/hang' }), /timed out after 200 ms/);
    const values = (await metrics.registry.getMetricsAsJSON()).find(
      (m) => m.name === 'rest_client_requests_total',
    )?.values;
    assert.equal(values?.[0]?.labels['code'], '<error>');
    rest.close();
  });

  it('streams a watch line by line across chunk boundaries and reports the end', async () => {
    routes.set('/watch', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"type":"ADDED","object":{"a":1}}\n{"type":"MOD');
      setTimeout(() => response.end('IFIED","object":{"a":2}}\n'), 20);
    });
    const lines: string[] = [];
    const rest = client();
    const stream = await rest.openLineStream({ method: 'GET', path: '/watch', query: { watch: true } }, (line) =>
      lines.push(line),
    );
    assert.equal(await stream.done, undefined);
    assert.deepEqual(lines, ['{"type":"ADDED","object":{"a":1}}', '{"type":"MODIFIED","object":{"a":2}}']);
    rest.close();
  });

  it('rejects a refused watch with the Status of the answer', async () => {
    routes.set('/gone', (_request, response) => {
      response.writeHead(410).end(JSON.stringify({ kind: 'Status', reason: 'Expired', message: 'too old', code: 410 }));
    });
    const rest = client();
    await assert.rejects(
      rest.openLineStream({ method: 'GET', path: '/gone' }, () => undefined),
      /410 Expired: too old/,
    );
    rest.close();
  });
});
