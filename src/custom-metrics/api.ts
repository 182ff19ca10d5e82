// The custom.metrics.k8s.io/v1beta2 answers: the groups' load figures as `Object` metrics describing each
// ComputeNodeGroup, the one object kind this server knows. Pure: a path and the board's entries in, API objects out.
//
// Paths (as the API server's aggregator forwards them):
//   /apis/custom.metrics.k8s.io                                   APIGroup
//   /apis/custom.metrics.k8s.io/v1beta2                           APIResourceList: computenodegroups.starrocks.com/<metric>
//   /apis/custom.metrics.k8s.io/v1beta2/namespaces/<ns>/computenodegroups.starrocks.com/<name|*>/<metric>
//                                                                  MetricValueList (one item per group)
import { API_VERSION, GROUP, KIND, PLURAL } from '../api/v1alpha1/index.js';
import { isLoadMetricName, LOAD_METRICS, type LoadMetricName } from '../load/board.js';
import type { BoardEntry } from '../load/board.js';

export const CUSTOM_METRICS_GROUP = 'custom.metrics.k8s.io';
export const CUSTOM_METRICS_VERSION = 'v1beta2';
export const GROUP_VERSION = `${CUSTOM_METRICS_GROUP}/${CUSTOM_METRICS_VERSION}`;
/** The APIService that routes the version here: `<version>.<group>`. */
export const API_SERVICE_NAME = `${CUSTOM_METRICS_VERSION}.${CUSTOM_METRICS_GROUP}`;
/** The resource as the metrics API names it: `<plural>.<group>`. */
export const GROUP_RESOURCE = `${PLURAL}.${GROUP}`;

export type Route =
  | { kind: 'health' }
  | { kind: 'openapi' }
  | { kind: 'group' }
  | { kind: 'resources' }
  /** `name` is `*` for every group of the namespace. */
  | { kind: 'metric'; namespace: string; name: string; metric: LoadMetricName }
  | { kind: 'not-found'; reason: string };

export function route(pathname: string): Route {
  const parts = pathname.split('/').filter((part) => part !== '');
  if (pathname === '/healthz' || pathname === '/livez' || pathname === '/readyz') return { kind: 'health' };
  if (parts[0] === 'openapi') return { kind: 'openapi' };
  if (parts[0] !== 'apis' || parts[1] !== CUSTOM_METRICS_GROUP) return notFound(`${pathname} is not served here`);
  if (parts.length === 2) return { kind: 'group' };
  if (parts[2] !== CUSTOM_METRICS_VERSION) return notFound(`version ${parts[2] ?? ''} is not served; use v1beta2`);
  if (parts.length === 3) return { kind: 'resources' };
  const [, , , namespaces, namespace, resource, name, metric] = parts;
  if (parts.length !== 8 || namespaces !== 'namespaces' || namespace === undefined || name === undefined) {
    return notFound(`only namespaced ${GROUP_RESOURCE} metrics are served`);
  }
  if (resource !== GROUP_RESOURCE)
    return notFound(`resource ${resource ?? ''} has no metrics here; ${GROUP_RESOURCE} has`);
  if (metric === undefined || !isLoadMetricName(metric)) {
    return notFound(`metric ${metric ?? ''} is not known; known: ${LOAD_METRICS.map((m) => m.metric).join(', ')}`);
  }
  return { kind: 'metric', namespace, name, metric };
}

function notFound(reason: string): Route {
  return { kind: 'not-found', reason };
}

export function apiGroup(): Record<string, unknown> {
  const version = { groupVersion: GROUP_VERSION, version: CUSTOM_METRICS_VERSION };
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: CUSTOM_METRICS_GROUP,
    versions: [version],
    preferredVersion: version,
  };
}

export function apiResourceList(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GROUP_VERSION,
    resources: LOAD_METRICS.map(({ metric }) => ({
      name: `${GROUP_RESOURCE}/${metric}`,
      singularName: '',
      namespaced: true,
      kind: 'MetricValueList',
      verbs: ['get'],
    })),
  };
}

/** Figures older than this are not served: an HPA must not scale on a reading the FE no longer confirms. */
export interface Freshness {
  now: Date;
  maxAgeMs: number;
}

/** The entries a metric request asks for; a stale or unknown figure is left out (the HPA then holds). */
export function metricValueList(
  target: Extract<Route, { kind: 'metric' }>,
  entries: Iterable<BoardEntry>,
  freshness: Freshness,
): { items: Record<string, unknown>[]; missing: string | undefined } {
  const read = LOAD_METRICS.find((entry) => entry.metric === target.metric)?.read;
  const items: Record<string, unknown>[] = [];
  let missing: string | undefined;
  for (const entry of entries) {
    if (entry.namespace !== target.namespace || (target.name !== '*' && entry.name !== target.name)) continue;
    const value = read?.(entry.load) ?? null;
    const age = freshness.now.getTime() - entry.observedAt.getTime();
    if (value === null) {
      missing = `the FE does not report ${target.metric} for ${entry.name}: ${entry.load.gaps.map((gap) => gap.message).join('; ')}`;
      continue;
    }
    if (age > freshness.maxAgeMs) {
      missing = `${target.metric} of ${entry.name} is ${Math.round(age / 1000)}s old (the FE was not read since)`;
      continue;
    }
    items.push({
      describedObject: { kind: KIND, namespace: entry.namespace, name: entry.name, apiVersion: API_VERSION },
      metric: { name: target.metric },
      timestamp: entry.observedAt.toISOString(),
      value: toQuantity(value),
    });
  }
  return { items, missing };
}

export function metricList(items: Record<string, unknown>[]): Record<string, unknown> {
  return { kind: 'MetricValueList', apiVersion: GROUP_VERSION, metadata: {}, items };
}

/** A figure as a Kubernetes quantity in milli-units (`2500m`), exact for the two decimals the figures keep. */
export function toQuantity(value: number): string {
  const milli = Math.round(value * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

export function statusObject(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
