// The custom metrics API server inside the manager (off unless --custom-metrics-bind-address is set): HTTPS with the
// serving certificate from --custom-metrics-cert-dir (tls.crt, tls.key, and ca.crt when a CA signed them), the
// aggregator's front proxy authenticated by its client certificate, each metric read authorized by a
// SubjectAccessReview, and the values from the LoadBoard. Discovery (the group, its resources, the OpenAPI stubs and
// health) needs no authorization: it names metrics, never values.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BindAddress } from '../runtime/bind-address.js';
import { listen, type RunningServer } from '../runtime/http-server.js';
import type { Logger } from '../runtime/logging.js';
import type { KubeRest } from '../kube/rest.js';
import { describeError, isNotFound } from '../kube/errors.js';
import type { LoadBoard } from '../load/board.js';
import {
  apiGroup,
  apiResourceList,
  CUSTOM_METRICS_GROUP,
  GROUP_RESOURCE,
  metricList,
  metricValueList,
  route,
  statusObject,
} from './api.js';
import {
  accessReview,
  authenticate,
  AUTHENTICATION_CONFIG_MAP,
  DecisionCache,
  parseRequestHeaderConfig,
  parseReviewAnswer,
  type Caller,
  type RequestHeaderConfig,
} from './auth.js';
import type { ServiceRef } from '../kube/service-ref.js';
import { API_SERVICE_PATH, decideApiService, desiredApiService, type ApiServiceDecision } from './apiservice.js';

export interface CustomMetricsOptions {
  bind: BindAddress;
  certDir: string;
  /** The Service in front of this server: the APIService is then created or kept by the operator. */
  service: ServiceRef | undefined;
  rest: KubeRest;
  board: LoadBoard;
  logger: Logger;
  /** Figures older than this are not served (three FE sync periods is a good value). */
  maxAgeMs: number;
}

export interface CustomMetricsServer extends RunningServer {
  /** What the operator did about the APIService (undefined without --custom-metrics-service). */
  apiService: ApiServiceDecision | undefined;
}

const REVIEW_TTL_MS = 10_000;
const REVIEW_CACHE_SIZE = 1_000;

export async function startCustomMetricsServer(options: CustomMetricsOptions): Promise<CustomMetricsServer> {
  const { rest, logger } = options;
  const cert = await readFile(path.join(options.certDir, 'tls.crt'), 'utf8');
  const key = await readFile(path.join(options.certDir, 'tls.key'), 'utf8');
  const ca = await readFile(path.join(options.certDir, 'ca.crt'), 'utf8').catch(() => cert);
  const configMap = await rest.request({
    method: 'GET',
    path: `/api/v1/namespaces/${AUTHENTICATION_CONFIG_MAP.namespace}/configmaps/${AUTHENTICATION_CONFIG_MAP.name}`,
  });
  const requestHeader = parseRequestHeaderConfig(configMap);
  if (!requestHeader.ok) throw new Error(requestHeader.message);
  const reviews = new DecisionCache(REVIEW_TTL_MS, REVIEW_CACHE_SIZE);
  const handler = (request: IncomingMessage, response: ServerResponse): Promise<void> =>
    answer(request, options, requestHeader.value, reviews).then(([code, body]) => {
      send(response, code, body);
    });
  const server = await listen(options.bind, handler, {
    cert,
    key,
    ca: requestHeader.value.clientCa,
    requestCert: true,
    // Checked per request: discovery is open to any TLS client, metric values only to the front proxy.
    rejectUnauthorized: false,
  });
  const apiService = options.service === undefined ? undefined : await ensureApiService(rest, options.service, ca);
  if (apiService?.kind === 'foreign') {
    logger.warn(
      { apiService: API_SERVICE_PATH, owner: apiService.owner },
      `${CUSTOM_METRICS_GROUP} is served by ${apiService.owner}, not this operator; left unchanged. Serve query_load ` +
        'there (docs/autoscaling.md: prometheus-adapter rule or KEDA) or remove that APIService',
    );
  }
  logger.info({ port: server.port, apiService: apiService?.kind }, 'custom metrics API listening');
  return { ...server, apiService };
}

async function ensureApiService(rest: KubeRest, service: ServiceRef, ca: string): Promise<ApiServiceDecision> {
  let existing: unknown;
  try {
    existing = await rest.request({ method: 'GET', path: API_SERVICE_PATH });
  } catch (error) {
    if (!isNotFound(error)) throw new Error(`reading APIService failed: ${describeError(error)}`, { cause: error });
  }
  const decision = decideApiService(existing, service, ca);
  const body = desiredApiService(service, ca);
  if (decision.kind === 'create') {
    await rest.request({ method: 'POST', path: '/apis/apiregistration.k8s.io/v1/apiservices', body });
  } else if (decision.kind === 'update') {
    const metadata = { ...(body['metadata'] as object), resourceVersion: decision.resourceVersion };
    await rest.request({ method: 'PUT', path: API_SERVICE_PATH, body: { ...body, metadata } });
  }
  return decision;
}

async function answer(
  request: IncomingMessage,
  options: CustomMetricsOptions,
  config: RequestHeaderConfig,
  reviews: DecisionCache,
): Promise<[number, unknown]> {
  if (request.method !== 'GET') return [405, statusObject(405, 'MethodNotAllowed', 'only GET is served')];
  const target = route(new URL(request.url ?? '/', 'https://localhost').pathname);
  switch (target.kind) {
    case 'health':
      return [200, 'ok'];
    case 'openapi':
      return [200, { swagger: '2.0', info: { title: CUSTOM_METRICS_GROUP, version: 'v1beta2' }, paths: {} }];
    case 'group':
      return [200, apiGroup()];
    case 'resources':
      return [200, apiResourceList()];
    case 'not-found':
      return [404, statusObject(404, 'NotFound', target.reason)];
    case 'metric':
      break;
  }
  const caller = authenticate(request, config);
  if (!caller.ok) return [401, statusObject(401, 'Unauthorized', caller.message)];
  const attributes = {
    namespace: target.namespace,
    resource: GROUP_RESOURCE,
    name: target.name,
    subresource: target.metric,
  };
  const decision = await authorize(options.rest, reviews, caller.value, attributes);
  if (!decision.allowed) {
    const what = `${GROUP_RESOURCE}/${target.name}/${target.metric} in namespace ${target.namespace}`;
    const reason = decision.reason === '' ? '' : `: ${decision.reason}`;
    return [403, statusObject(403, 'Forbidden', `user ${caller.value.user} may not get ${what}${reason}`)];
  }
  const { items, missing } = metricValueList(target, options.board.all(), {
    now: new Date(),
    maxAgeMs: options.maxAgeMs,
  });
  if (target.name !== '*' && items.length === 0) {
    const message = missing ?? `no figures for ${GROUP_RESOURCE} ${target.namespace}/${target.name} yet`;
    return [404, statusObject(404, 'NotFound', message)];
  }
  return [200, metricList(items)];
}

async function authorize(
  rest: KubeRest,
  reviews: DecisionCache,
  caller: Caller,
  attributes: Parameters<typeof accessReview>[1],
): Promise<{ allowed: boolean; reason: string }> {
  const key = JSON.stringify([caller.user, [...caller.groups].sort(), attributes]);
  const cached = reviews.get(key);
  if (cached !== undefined) return cached;
  const review = await rest.request({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    body: accessReview(caller, attributes, CUSTOM_METRICS_GROUP),
  });
  const decision = parseReviewAnswer(review);
  reviews.set(key, decision);
  return decision;
}

function send(response: ServerResponse, code: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(code, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
