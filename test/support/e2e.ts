// Helpers for the end-to-end tests, which run against the control plane hack/e2e.sh starts (KUBECONFIG and
// CONTROL_PLANE_DIR point at it). Everything here talks to the API server on 127.0.0.1 only.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import {
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1Namespace,
  V1ObjectMeta,
} from '@kubernetes/client-node';
import {
  auditMark as markAuditLog,
  countAudit,
  matchesAudit,
  readAuditRequests,
  type AuditFilter,
  type AuditMark,
  type AuditRequest,
  readState,
  runKubectl,
  type KubectlResult,
  runLayout,
  USER_NAMES,
  type RunLayout,
} from '@starrocks-cn-operator/testbed/control-plane';
import { kubeconfigConnection, type KubeConnection } from '../../src/kube/kubeconfig.js';
import { REPO_ROOT } from '@starrocks-cn-operator/testbed/helpers';
import { CPU_ANNOTATION, MEMORY_ANNOTATION } from '@starrocks-cn-operator/testbed/metrics-api';

export { countAudit, matchesAudit, type AuditFilter, type AuditMark, type AuditRequest };

export interface E2eEnvironment {
  readonly kubeconfigPath: string;
  readonly layout: RunLayout;
  readonly kubectlPath: string;
}

let cachedEnvironment: E2eEnvironment | undefined;

/** The control plane this test process runs against; a clear error when the tests were not started by e2e.sh. */
/**
 * The command line of the compiled program, as the image runs it (`node dist/cli/main.js`): the e2e tier tests the
 * build, so an import path or a file the build leaves out fails here. hack/e2e.sh builds dist/ from scratch first.
 */
export function compiledCli(): string[] {
  const entry = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build (hack/e2e.sh does it first)`);
  return [entry];
}

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

/** The admin's connection, for the project's own REST client (KubeRest). */
export async function kubeConnection(): Promise<KubeConnection> {
  return kubeconfigConnection((await e2eEnvironment()).kubeconfigPath);
}

/** The admin's client-node configuration, for tests that use its typed APIs. */
export async function kubeConfig(): Promise<KubeConfig> {
  const environment = await e2eEnvironment();
  const config = new KubeConfig();
  config.loadFromFile(environment.kubeconfigPath);
  return config;
}

export interface WaitForOptions {
  readonly description: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/**
 * Polls `condition` until it returns a value other than undefined/false/null, which is returned. Bounded by
 * `timeoutMs`; the timeout error names what was awaited and the last error or value seen.
 */
export async function waitFor<T>(
  condition: () => Promise<T | undefined | null | false>,
  options: WaitForOptions,
): Promise<T> {
  const intervalMs = options.intervalMs ?? 250;
  const deadline = Date.now() + options.timeoutMs;
  let last: string;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== null && value !== false) return value;
      last = `condition returned ${String(value)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() + intervalMs > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.description} (last: ${last})`);
    }
    await sleep(intervalMs);
  }
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

/** The seed's install order (its section 3): the CRD, then the namespace, RBAC, the ServiceAccount, the manager. */
export const SEED_DEPLOY_ORDER = [
  'starrocks.com_computenodegroups.yaml',
  'namespace.yaml',
  'leader_election_role.yaml',
  'role.yaml',
  'role_binding.yaml',
  'leader_election_role_binding.yaml',
  'service_account.yaml',
  'manager.yaml',
] as const;

/** The repository's generated CRD manifest. */
export const CRD_PATH = path.join(REPO_ROOT, 'deploy', 'starrocks.com_computenodegroups.yaml');
export const CRD_NAME = 'computenodegroups.starrocks.com';

/**
 * Installs (or updates) the project's CRD with a server-side apply and waits until it is Established. Several test
 * files share the cluster, so the CRD is never deleted by a test.
 */
export async function installCrd(): Promise<void> {
  const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=e2e', '-f', CRD_PATH]);
  if (applied.code !== 0) throw new Error(`the CRD ${CRD_PATH} was not accepted: ${applied.stderr.trim()}`);
  await waitFor(
    async () => {
      const result = await kubectl([
        'get',
        'crd',
        CRD_NAME,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ]);
      return result.code === 0 && result.stdout.trim() === 'True';
    },
    { description: `CRD ${CRD_NAME} Established`, timeoutMs: 30_000 },
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
