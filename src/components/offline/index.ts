// `offline` (2022 compatibility): one membership clean-up pass for one group, as the CronJob runs it. It reads the
// group, its pods, the FE account Secret (and the cn.conf ConfigMap for the heartbeat port), then the FE's compute
// nodes, and drops only this group's entries whose pods are gone (planOffline, the operator's own decision). It
// never adds and never writes the group's status: see docs/components.md.
import { GROUP, PLURAL, VERSION, parseComputeNodeGroup, type ComputeNodeGroup } from '../../api/v1alpha1/index.js';
import { labelSelectorString } from '../../builders/names.js';
import { resolveConfig } from '../../controllers/computenodegroup/config.js';
import { viewPod } from '../../controllers/computenodegroup/pods.js';
import { FeClient, type ComputeNodeRecord } from '../../fe/index.js';
import type { Logger } from '../../runtime/logging.js';
import { planOffline, type OfflinePlan } from './plan.js';

export { planOffline, memberPods, type OfflineInput, type OfflinePlan } from './plan.js';

export const EXIT_DONE = 0;
export const EXIT_FAILED = 1;

/** What offline reads from Kubernetes; the real one uses client-node, tests may pass their own. */
export interface OfflineKubeReader {
  getGroup(namespace: string, name: string): Promise<unknown>;
  listPods(namespace: string, labelSelector: string): Promise<unknown[]>;
  /** undefined when the object does not exist. */
  getSecret(namespace: string, name: string): Promise<unknown>;
  getConfigMap(namespace: string, name: string): Promise<unknown>;
}

/** What offline needs from the FE; FeClient provides it. */
export interface OfflineFe {
  showComputeNodes(): Promise<ComputeNodeRecord[]>;
  dropComputeNodes(addresses: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface OfflineOptions {
  namespace: string;
  name: string;
  logger: Logger;
  /** Bound on each Kubernetes call. */
  kubeTimeoutMs?: number;
  feConnectTimeoutMs?: number;
  feQueryTimeoutMs?: number;
  kube?: OfflineKubeReader;
  /** Builds the FE client from the group's addresses and the Secret's credentials. */
  connectFe?: (addresses: string[], user: string, password: string) => OfflineFe;
}

export class OfflineError extends Error {
  override readonly name = 'OfflineError';
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new OfflineError(`${what}: no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => {
    clearTimeout(timer);
  });
}

/** The HTTP status of a client-node ApiException (read by shape: the library is loaded lazily). */
function httpStatus(error: unknown): number | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  return typeof error.code === 'number' ? error.code : undefined;
}

function isNotFound(error: unknown): boolean {
  return httpStatus(error) === 404;
}

function describeError(error: unknown): string {
  const status = httpStatus(error);
  if (status !== undefined && error instanceof Error) return `HTTP ${status}: ${error.message.split('\n')[0] ?? ''}`;
  return error instanceof Error ? error.message : String(error);
}

/** Plain JSON as the API server sends it: client-node turns timestamps into Date objects, the parsers want text. */
function wire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * Kubernetes access from in-cluster credentials, or KUBECONFIG / ~/.kube/config outside a cluster. The client
 * library is loaded here, not at module load: the register sidecar shares the program and must start fast.
 */
export async function kubeReaderFromDefault(): Promise<OfflineKubeReader> {
  const k8s = await import('@kubernetes/client-node');
  const config = new k8s.KubeConfig();
  config.loadFromDefault();
  const core = config.makeApiClient(k8s.CoreV1Api);
  const custom = config.makeApiClient(k8s.CustomObjectsApi);
  const orUndefined = async (read: () => Promise<unknown>): Promise<unknown> => {
    try {
      return wire(await read());
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  return {
    getGroup: (namespace, name) =>
      orUndefined(() =>
        custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name }),
      ),
    listPods: async (namespace, labelSelector) =>
      (await core.listNamespacedPod({ namespace, labelSelector })).items.map(wire),
    getSecret: (namespace, name) => orUndefined(() => core.readNamespacedSecret({ namespace, name })),
    getConfigMap: (namespace, name) => orUndefined(() => core.readNamespacedConfigMap({ namespace, name })),
  };
}

async function step<T>(what: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
  try {
    return await withTimeout(run(), timeoutMs, what);
  } catch (error) {
    if (error instanceof OfflineError) throw error;
    throw new OfflineError(`${what} failed: ${describeError(error)}`);
  }
}

interface GroupInputs {
  group: ComputeNodeGroup;
  pods: unknown[];
  user: string;
  password: string;
  heartbeatPort: number;
}

async function readGroupInputs(
  kube: OfflineKubeReader,
  options: OfflineOptions,
  timeoutMs: number,
): Promise<GroupInputs> {
  const { namespace, name } = options;
  const raw = await step(`reading ComputeNodeGroup ${namespace}/${name}`, timeoutMs, () =>
    kube.getGroup(namespace, name),
  );
  if (raw === undefined)
    throw new OfflineError(`ComputeNodeGroup ${namespace}/${name} not found: check --namespace and --name`);
  const parsed = parseComputeNodeGroup(raw);
  if (!parsed.ok) {
    const detail = parsed.errors.map((error) => `${error.path}: ${error.message}`).join('; ');
    throw new OfflineError(`ComputeNodeGroup ${namespace}/${name} is not valid: ${detail}`);
  }
  const group = parsed.value;
  const secretName = group.spec.feInfo.accountSecret;
  const secret = await step(`reading Secret ${namespace}/${secretName}`, timeoutMs, () =>
    kube.getSecret(namespace, secretName),
  );
  const configMapName = group.spec.cnInfo.configMap;
  const configMap =
    configMapName === undefined
      ? undefined
      : await step(`reading ConfigMap ${namespace}/${configMapName}`, timeoutMs, () =>
          kube.getConfigMap(namespace, configMapName),
        );
  const resolved = resolveConfig(group, secret, configMap);
  if (!resolved.ok) throw new OfflineError(`${resolved.problem.reason}: ${resolved.problem.message}`);
  const selector = labelSelectorString(group);
  const pods = await step(`listing pods of ${namespace}/${name} (${selector})`, timeoutMs, () =>
    kube.listPods(namespace, selector),
  );
  // A pod that carries the group's labels but cannot be read would look "gone": refuse rather than drop its CN.
  const unreadable = pods.filter((pod) => viewPod(pod, group) === undefined);
  if (unreadable.length > 0) {
    throw new OfflineError(
      `${unreadable.length} pod(s) with the labels of ${namespace}/${name} cannot be read as CN pods of this group; ` +
        'nothing was dropped (remove the group labels from pods that are not its CNs)',
    );
  }
  return {
    group,
    pods,
    user: resolved.value.credentials.user,
    password: resolved.value.credentials.password,
    heartbeatPort: resolved.value.cnConf.ports.heartbeatServicePort,
  };
}

function defaultConnectFe(options: OfflineOptions): (addresses: string[], user: string, password: string) => OfflineFe {
  return (addresses, user, password) => {
    const clientOptions = { addresses, user, password, logger: options.logger };
    return new FeClient({
      ...clientOptions,
      ...(options.feConnectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.feConnectTimeoutMs }),
      ...(options.feQueryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.feQueryTimeoutMs }),
    });
  };
}

/** One clean-up pass. Resolves with the plan it carried out; rejects with OfflineError, saying what failed. */
export async function offlinePass(options: OfflineOptions): Promise<OfflinePlan> {
  const kubeTimeoutMs = options.kubeTimeoutMs ?? 15_000;
  const kube = options.kube ?? (await step('loading Kubernetes credentials', kubeTimeoutMs, kubeReaderFromDefault));
  const inputs = await readGroupInputs(kube, options, kubeTimeoutMs);
  const fe = (options.connectFe ?? defaultConnectFe(options))(
    inputs.group.spec.feInfo.addresses,
    inputs.user,
    inputs.password,
  );
  try {
    const rows = await step('SHOW COMPUTE NODES', 120_000, () => fe.showComputeNodes());
    const plan = planOffline({ group: inputs.group, pods: inputs.pods, fe: rows, heartbeatPort: inputs.heartbeatPort });
    for (const drop of plan.leftToOperator)
      options.logger.info(
        { event: 'left-to-operator', ...drop },
        'not dropped here: the operator orders scale-in and terminating pods',
      );
    if (plan.drop.length === 0) {
      options.logger.info(
        { event: 'nothing-to-drop', servers: plan.membership.servers },
        'no FE entry of this group lacks a pod',
      );
      return plan;
    }
    for (const drop of plan.drop)
      options.logger.info(
        { event: 'dropping', ...drop },
        `dropping ${drop.address}: ${drop.reason === 'pod-gone' ? 'its pod is gone' : 'its pod now has another address'}`,
      );
    await step(`DROP COMPUTE NODE (${plan.drop.length})`, 120_000, () =>
      fe.dropComputeNodes(plan.drop.map((drop) => drop.address)),
    );
    options.logger.info({ event: 'dropped', addresses: plan.drop.map((drop) => drop.address) }, 'dropped');
    return plan;
  } finally {
    await withTimeout(fe.close(), 2000, 'closing FE connections').catch(() => undefined);
  }
}

/** Runs one pass and maps the outcome to the process exit code (0 done, 1 failed with the reason logged). */
export async function runOffline(options: OfflineOptions): Promise<number> {
  try {
    await offlinePass(options);
    return EXIT_DONE;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    options.logger.error({ event: 'failed', namespace: options.namespace, name: options.name }, message);
    return EXIT_FAILED;
  }
}
