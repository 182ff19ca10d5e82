// The metrics.k8s.io/v1beta1 answers of the test metrics backend. Pure: pods in, API objects out.
//
// A test sets a pod's usage with annotations, read through the API on every request:
//   kwok.x-k8s.io/usage-cpu: "800m"      (each container's CPU usage)
//   kwok.x-k8s.io/usage-memory: "64Mi"   (each container's memory usage)
// These are the annotations kwok's own usage-from-annotation config reads, so a test keeps working if the real
// metrics-server + kwok pipeline replaces this backend. A pod without either annotation, or not Running, has no
// metrics (as with metrics-server before its first scrape): an HPA then does not move on its account.

export const CPU_ANNOTATION = 'kwok.x-k8s.io/usage-cpu';
export const MEMORY_ANNOTATION = 'kwok.x-k8s.io/usage-memory';
export const GROUP_VERSION = 'metrics.k8s.io/v1beta1';
export const WINDOW = '15s';

/** The pod fields the backend reads. */
export interface PodView {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly phase: string;
  readonly containers: readonly string[];
}

export interface ContainerMetrics {
  readonly name: string;
  readonly usage: { readonly cpu: string; readonly memory: string };
}

export interface PodMetrics {
  readonly kind: 'PodMetrics';
  readonly apiVersion: typeof GROUP_VERSION;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly creationTimestamp: string;
  };
  readonly timestamp: string;
  readonly window: string;
  readonly containers: readonly ContainerMetrics[];
}

// Kubernetes resource.Quantity syntax (decimal SI, binary SI, or exponent).
const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

export function isQuantity(text: string): boolean {
  return QUANTITY.test(text);
}

export type UsageResult = { ok: true; cpu: string; memory: string } | { ok: false; reason: string };

/** The usage a pod's annotations set, or why there is none. */
export function podUsage(pod: PodView): UsageResult {
  const cpu = pod.annotations[CPU_ANNOTATION];
  const memory = pod.annotations[MEMORY_ANNOTATION];
  if (cpu === undefined && memory === undefined) return { ok: false, reason: 'no usage annotations' };
  if (pod.phase !== 'Running') return { ok: false, reason: `pod is ${pod.phase}` };
  for (const [key, value] of [
    [CPU_ANNOTATION, cpu],
    [MEMORY_ANNOTATION, memory],
  ] as const) {
    if (value !== undefined && !isQuantity(value)) {
      return { ok: false, reason: `annotation ${key}="${value}" is not a Kubernetes quantity (e.g. 250m, 1, 64Mi)` };
    }
  }
  return { ok: true, cpu: cpu ?? '0', memory: memory ?? '0' };
}

export function podMetrics(pod: PodView, now: Date): PodMetrics | null {
  const usage = podUsage(pod);
  if (!usage.ok) return null;
  return {
    kind: 'PodMetrics',
    apiVersion: GROUP_VERSION,
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      labels: { ...pod.labels },
      creationTimestamp: now.toISOString(),
    },
    timestamp: now.toISOString(),
    window: WINDOW,
    containers: pod.containers.map((name) => ({ name, usage: { cpu: usage.cpu, memory: usage.memory } })),
  };
}

export function podMetricsList(pods: readonly PodView[], now: Date): Record<string, unknown> {
  const items = pods.map((pod) => podMetrics(pod, now)).filter((item): item is PodMetrics => item !== null);
  return { kind: 'PodMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items };
}

export function apiResourceList(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GROUP_VERSION,
    resources: [
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    ],
  };
}

export function apiGroup(): Record<string, unknown> {
  const version = { groupVersion: GROUP_VERSION, version: 'v1beta1' };
  return { kind: 'APIGroup', apiVersion: 'v1', name: 'metrics.k8s.io', versions: [version], preferredVersion: version };
}

export function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** What a request path asks for. Pure. */
export type Route =
  | { kind: 'health' }
  | { kind: 'openapi-v2' }
  | { kind: 'openapi-v3' }
  | { kind: 'group' }
  | { kind: 'resources' }
  | { kind: 'pods'; namespace: string | null }
  | { kind: 'pod'; namespace: string; name: string }
  | { kind: 'nodes' }
  | { kind: 'node'; name: string }
  | { kind: 'not-found' };

const SEGMENT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function route(pathname: string): Route {
  if (pathname === '/healthz' || pathname === '/readyz' || pathname === '/livez') return { kind: 'health' };
  // The aggregator downloads these to merge into the API server's OpenAPI; an empty document keeps it quiet.
  if (pathname === '/openapi/v2') return { kind: 'openapi-v2' };
  if (pathname === '/openapi/v3') return { kind: 'openapi-v3' };
  const parts = pathname.split('/').filter((part) => part !== '');
  if (parts[0] !== 'apis' || parts[1] !== 'metrics.k8s.io') return { kind: 'not-found' };
  if (parts.length === 2) return { kind: 'group' };
  if (parts[2] !== 'v1beta1') return { kind: 'not-found' };
  const rest = parts.slice(3);
  if (!rest.every((part) => SEGMENT.test(part))) return { kind: 'not-found' };
  const [a, b, c, d] = rest;
  if (rest.length === 0) return { kind: 'resources' };
  if (rest.length === 1 && a === 'pods') return { kind: 'pods', namespace: null };
  if (rest.length === 1 && a === 'nodes') return { kind: 'nodes' };
  if (rest.length === 2 && a === 'nodes' && b !== undefined) return { kind: 'node', name: b };
  if (rest.length === 3 && a === 'namespaces' && b !== undefined && c === 'pods') return { kind: 'pods', namespace: b };
  if (rest.length === 4 && a === 'namespaces' && b !== undefined && c === 'pods' && d !== undefined) {
    return { kind: 'pod', namespace: b, name: d };
  }
  return { kind: 'not-found' };
}

/** An OpenAPI v2 document without paths (the metrics types are not published; kubectl does not need them). */
export function emptyOpenApiV2(): Record<string, unknown> {
  return { swagger: '2.0', info: { title: 'metrics.k8s.io test backend', version: 'v1beta1' }, paths: {} };
}
