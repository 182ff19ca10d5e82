// The custom metrics API server inside the manager (off unless --custom-metrics-bind-address is set): HTTPS with the
// serving certificate from --custom-metrics-cert-dir (tls.crt, tls.key, and ca.crt when a CA signed them), the
// aggregator's front proxy authenticated by its client certificate, each metric read authorized by a
// SubjectAccessReview, and the values from the LoadBoard. Discovery (the group, its resources, the OpenAPI stubs and
// health) needs no authorization: it names metrics, never values.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BindAddress } from '../runtime/bind-address.js';
import { listenTls, type RunningTlsServer } from '../runtime/http-server.js';
import type { Logger } from '../runtime/logging.js';
import type { KubeRest } from '../kube/rest.js';
import { Applier } from '../kube/apply.js';
import { describeError } from '../kube/errors.js';
import type { KubeObject } from '../kube/objects.js';
import type { LoadBoard } from '../load/board.js';
import {
  API_SERVICE_NAME,
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
import type { ServiceRef } from '../runtime/service-ref.js';
import {
  API_SERVICE_PATH,
  API_SERVICE_RESOURCE,
  decideApiService,
  desiredApiService,
  type ApiServiceDecision,
} from './apiservice.js';

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
  /** Whether this replica leads (only the leader reads the FE and fills the board). */
  leading: () => boolean;
}

export interface CustomMetricsServer {
  close(): Promise<void>;
}

const REVIEW_TTL_MS = 10_000;
const REVIEW_CACHE_SIZE = 1_000;
/** How often the certificate files, the front proxy's CA and the APIService are checked again. */
const REFRESH_MS = 60_000;

interface Tls {
  cert: string;
  key: string;
  /** The APIService's caBundle: ca.crt, or the certificate itself when it is self-signed. */
  ca: string;
}

/**
 * Starts serving once the certificate and the front proxy's settings are readable, and keeps them (and the
 * APIService) current every minute. Nothing here stops the manager: a problem is logged and tried again, because
 * the custom metrics API is optional and reconciling must go on without it.
 */
export function startCustomMetricsServer(options: CustomMetricsOptions): CustomMetricsServer {
  const { logger } = options;
  const reviews = new DecisionCache(REVIEW_TTL_MS, REVIEW_CACHE_SIZE);
  const applier = new Applier(options.rest);
  let server: RunningTlsServer | undefined;
  let requestHeader: RequestHeaderConfig | undefined;
  let loaded = '';
  let lastApiService = '';
  let closed = false;
  const handler = (request: IncomingMessage, response: ServerResponse): Promise<void> =>
    answer(request, options, requestHeader, reviews).then(([code, body]) => {
      send(response, code, body);
    });

  const refresh = async (): Promise<void> => {
    const tls = await readTls(options.certDir);
    const config = await readRequestHeader(options.rest);
    const fingerprint = JSON.stringify([tls, config.clientCa]);
    requestHeader = config;
    const tlsOptions = { cert: tls.cert, key: tls.key, ca: config.clientCa };
    if (server === undefined) {
      // Client certificates are checked per request: discovery is open to any TLS client, values only to the proxy.
      const started = await listenTls(options.bind, handler, {
        ...tlsOptions,
        requestCert: true,
        rejectUnauthorized: false,
      });
      // Closed while it was starting: do not leave a listener behind.
      if (closed) {
        await started.close();
        return;
      }
      server = started;
      logger.info({ port: server.port }, 'custom metrics API listening');
    } else if (fingerprint !== loaded) {
      server.reloadTls(tlsOptions);
      logger.info('custom metrics API: new serving certificate or front-proxy CA loaded');
    }
    loaded = fingerprint;
    if (options.service !== undefined) {
      lastApiService = await keepApiService(applier, options.service, tls.ca, lastApiService, logger);
    }
  };
  const loop = repeatEvery(REFRESH_MS, refresh, (error) => {
    const message = error instanceof Error ? error.message : String(error);
    logger.error({ err: message }, `custom metrics API: ${message}; trying again in ${REFRESH_MS / 1000}s`);
  });
  return {
    async close() {
      closed = true;
      loop.stop();
      await server?.close();
    },
  };
}

/** Runs `task` now and `periodMs` after each run ends (never two at once), until stopped. */
function repeatEvery(periodMs: number, task: () => Promise<void>, onError: (error: unknown) => void): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    task()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, periodMs).unref();
      });
  };
  tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * Creates or updates the APIService when it is this operator's (or missing); one that another provider owns is
 * reported once per change of the decision. Returns the decision as last reported.
 */
async function keepApiService(
  applier: Applier,
  service: ServiceRef,
  ca: string,
  lastReport: string,
  logger: Logger,
): Promise<string> {
  const decision = await ensureApiService(applier, service, ca);
  const report = JSON.stringify(decision);
  if (decision.kind === 'foreign' && report !== lastReport) {
    logger.warn(
      { apiService: API_SERVICE_PATH, owner: decision.owner },
      `${CUSTOM_METRICS_GROUP} is served by ${decision.owner}, not this operator; left unchanged. Serve ` +
        'query_load there (docs/autoscaling.md: prometheus-adapter rule or KEDA) or remove that APIService',
    );
  } else if (decision.kind === 'create' || decision.kind === 'update') {
    logger.info({ apiService: API_SERVICE_PATH, action: decision.kind }, 'APIService written');
  }
  return report;
}

async function readTls(certDir: string): Promise<Tls> {
  try {
    const cert = await readFile(path.join(certDir, 'tls.crt'), 'utf8');
    const key = await readFile(path.join(certDir, 'tls.key'), 'utf8');
    const ca = await readFile(path.join(certDir, 'ca.crt'), 'utf8').catch(() => cert);
    return { cert, key, ca };
  } catch (error) {
    throw new Error(
      `no serving certificate in ${certDir} (tls.crt, tls.key, ca.crt): mount the TLS Secret there ` +
        `(--custom-metrics-cert-dir): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

async function readRequestHeader(rest: KubeRest): Promise<RequestHeaderConfig> {
  const { namespace, name } = AUTHENTICATION_CONFIG_MAP;
  let configMap: unknown;
  try {
    configMap = await rest.request({ method: 'GET', path: `/api/v1/namespaces/${namespace}/configmaps/${name}` });
  } catch (error) {
    throw new Error(
      `cannot read ConfigMap ${namespace}/${name} (bind the Role extension-apiserver-authentication-reader): ` +
        describeError(error),
      { cause: error },
    );
  }
  const parsed = parseRequestHeaderConfig(configMap);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

/** Reads the APIService, and creates or updates it when the decision says so (through the Applier). */
export async function ensureApiService(applier: Applier, service: ServiceRef, ca: string): Promise<ApiServiceDecision> {
  let existing: KubeObject | undefined;
  try {
    existing = await applier.getObject(API_SERVICE_RESOURCE, undefined, API_SERVICE_NAME);
  } catch (error) {
    throw new Error(`reading APIService failed: ${describeError(error)}`, { cause: error });
  }
  const decision = decideApiService(existing, service, ca);
  if (decision.kind === 'create' || decision.kind === 'update') {
    const desired = desiredApiService(service, ca);
    // An update carries the resourceVersion it decided on: an APIService changed since (another provider taking it
    // over) fails the apply with a conflict, read again at the next refresh, instead of being overwritten. A create
    // cannot (an apply creates or updates): one created by another provider in the round trip since the read would
    // be taken over, as a POST would have failed on it.
    const resourceVersion = decision.kind === 'update' ? decision.resourceVersion : undefined;
    const metadata = { ...desired.metadata, ...(resourceVersion === undefined ? {} : { resourceVersion }) };
    await applier.applyObject(API_SERVICE_RESOURCE, { ...desired, metadata });
  }
  return decision;
}

async function answer(
  request: IncomingMessage,
  options: CustomMetricsOptions,
  config: RequestHeaderConfig | undefined,
  reviews: DecisionCache,
): Promise<[number, unknown]> {
  if (request.method !== 'GET') return [405, statusObject(405, 'MethodNotAllowed', 'only GET is served')];
  const url = new URL(request.url ?? '/', 'https://localhost');
  const target = route(url.pathname);
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
  if (config === undefined) return [503, statusObject(503, 'ServiceUnavailable', 'starting')];
  const caller = authenticate(request, config);
  if (!caller.ok) return [401, statusObject(401, 'Unauthorized', caller.message)];
  // The figures are per group, never per label: a selector would be silently ignored, so it is refused.
  if ((url.searchParams.get('metricLabelSelector') ?? '') !== '') {
    return [400, statusObject(400, 'BadRequest', 'metric selectors are not supported: remove metric.selector')];
  }
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
  if (!options.leading()) {
    return [503, statusObject(503, 'ServiceUnavailable', 'this replica does not lead; only the leader reads the FE')];
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
