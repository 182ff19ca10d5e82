// A test process' view of the running control plane that hack/e2e.sh or hack/real-node.sh started (KUBECONFIG and
// CONTROL_PLANE_DIR point at it): its kubectl, its admin and operator identities, fresh namespaces, the audit log and
// the pod usage the metrics API reports. Everything here talks to the API server on 127.0.0.1 only.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1Namespace,
  V1ObjectMeta,
} from '@kubernetes/client-node';
import { waitFor } from '../helpers/wait.js';
import { CPU_ANNOTATION, MEMORY_ANNOTATION } from '../metrics-api/metrics.js';
import {
  auditMark as markAuditLog,
  matchesAudit,
  readAuditRequests,
  type AuditFilter,
  type AuditMark,
  type AuditRequest,
} from './audit.js';
import { readState } from './control-plane.js';
import { runKubectl, type KubectlResult } from './kubectl.js';
import { runLayout, USER_NAMES, type RunLayout } from './layout.js';

export interface E2eEnvironment {
  readonly kubeconfigPath: string;
  readonly layout: RunLayout;
  readonly kubectlPath: string;
}

let cachedEnvironment: E2eEnvironment | undefined;

/** The control plane this test process runs against; a clear error when the tests were not started by e2e.sh. */
export async function e2eEnvironment(): Promise<E2eEnvironment> {
  if (cachedEnvironment) return cachedEnvironment;
  const kubeconfigPath = process.env['KUBECONFIG'];
  const dir = process.env['CONTROL_PLANE_DIR'];
  if (kubeconfigPath === undefined || kubeconfigPath === '' || dir === undefined || dir === '') {
    throw new Error('KUBECONFIG and CONTROL_PLANE_DIR are not set: run the end-to-end tests with bash hack/e2e.sh');
  }
  const layout = runLayout(dir);
  const state = await readState(layout);
  if (state === null) throw new Error(`no running control plane in ${dir} (state.json missing): run bash hack/e2e.sh`);
  const kubectlPath = process.env['KUBECTL'] ?? path.join(state.binDir, 'kubectl');
  cachedEnvironment = { kubeconfigPath, layout, kubectlPath };
  return cachedEnvironment;
}

/**
 * A kubeconfig for the operator under test: user `starrocks-cn-operator` (in system:masters), so that
 * `auditRequestsSince(mark, { user: OPERATOR_USER })` counts the operator's requests and nothing of the test's.
 */
export async function operatorKubeconfigPath(): Promise<string> {
  return (await e2eEnvironment()).layout.kubeconfigPath('operator');
}
export const OPERATOR_USER = USER_NAMES.operator;

/** The admin's client-node configuration, for tests that use its typed APIs. */
export async function kubeConfig(): Promise<KubeConfig> {
  const environment = await e2eEnvironment();
  const config = new KubeConfig();
  config.loadFromFile(environment.kubeconfigPath);
  return config;
}

export interface TestNamespace {
  readonly name: string;
  /** Deletes the namespace (without waiting for its finalization). */
  delete(): Promise<void>;
}

/** A namespace of its own for one test, named after the test, e.g. `e2e-deploy-3f9a1c`. */
export async function freshNamespace(prefix: string): Promise<TestNamespace> {
  const core = (await kubeConfig()).makeApiClient(CoreV1Api);
  const slug = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const name = `e2e-${slug}-${randomBytes(3).toString('hex')}`;
  const body = new V1Namespace();
  body.metadata = new V1ObjectMeta();
  body.metadata.name = name;
  body.metadata.labels = { 'e2e.starrocks.com/test': 'true' };
  await core.createNamespace({ body });
  // The serviceaccount controller adds `default`; pods cannot be created before it exists.
  await waitFor(() => core.readNamespacedServiceAccount({ name: 'default', namespace: name }), {
    description: `ServiceAccount default in ${name}`,
    timeoutMs: 30_000,
  });
  return {
    name,
    async delete() {
      await core.deleteNamespace({ name, propagationPolicy: 'Background' }).catch((error: unknown) => {
        if (!(typeof error === 'object' && error !== null && 'code' in error && error.code === 404)) throw error;
      });
    },
  };
}

/** A namespace that is deleted when the test (or suite) `t` ends. */
export async function useNamespace(t: { after(fn: () => Promise<void>): void }, prefix: string): Promise<string> {
  const namespace = await freshNamespace(prefix);
  t.after(() => namespace.delete());
  return namespace.name;
}

/** Runs the control plane's kubectl against the test cluster (bounded; 60 s unless given). */
export async function kubectl(
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  const environment = await e2eEnvironment();
  return runKubectl(args, {
    kubectl: environment.kubectlPath,
    kubeconfig: environment.kubeconfigPath,
    input: options.input,
    timeoutMs: options.timeoutMs,
  });
}

/** A position in the API server's audit log; pass it to `auditRequestsSince`. */
export async function auditMark(): Promise<AuditMark> {
  return markAuditLog((await e2eEnvironment()).layout.auditLogPath);
}

/** The API requests received since `mark` (every request of every user except the control plane's own reads). */
export async function auditRequestsSince(mark: AuditMark, filter: AuditFilter = {}): Promise<AuditRequest[]> {
  const requests = await readAuditRequests((await e2eEnvironment()).layout.auditLogPath, mark);
  return requests.filter((request) => matchesAudit(request, filter));
}

export interface PodUsage {
  /** CPU used by each container of the pod, a Kubernetes quantity such as "800m". */
  readonly cpu?: string;
  /** Memory used by each container, such as "64Mi". */
  readonly memory?: string;
}

/**
 * Sets what the metrics.k8s.io API reports for a pod (per container). The test metrics backend reads these pod
 * annotations on every request, so the HPA sees the new values at its next sync (5 s in this control plane).
 */
export async function setPodMetrics(namespace: string, pod: string, usage: PodUsage): Promise<void> {
  const core = (await kubeConfig()).makeApiClient(CoreV1Api);
  const annotations: Record<string, string | null> = {
    [CPU_ANNOTATION]: usage.cpu ?? null,
    [MEMORY_ANNOTATION]: usage.memory ?? null,
  };
  await core.patchNamespacedPod(
    { name: pod, namespace, body: { metadata: { annotations } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Every document of a YAML stream as a plain object, with the namespace set (examples name their own). */
export function yamlObjects(text: string, namespace?: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  for (const document of parseAllDocuments(text)) {
    const value: unknown = document.toJS();
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const object = { ...(value as Record<string, unknown>) };
    if (namespace !== undefined) {
      const metadata = typeof object['metadata'] === 'object' && object['metadata'] !== null ? object['metadata'] : {};
      object['metadata'] = { ...metadata, namespace };
    }
    objects.push(object);
  }
  return objects;
}

/** `kubectl create` (or a server-side dry run of it) of objects given as plain values. */
export async function kubectlCreate(
  objects: readonly Record<string, unknown>[],
  options: { dryRun?: boolean } = {},
): Promise<KubectlResult> {
  const args = ['create', '-f', '-', '-o', 'name'];
  if (options.dryRun === true) args.push('--dry-run=server');
  return kubectl(args, { input: objects.map((object) => JSON.stringify(object)).join('\n---\n') + '\n' });
}
