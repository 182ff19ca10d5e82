// `offline` (2022 compatibility): one membership clean-up pass for one group, as the CronJob runs it. It reads the
// group, its pods, the FE account Secret (and the cn.conf ConfigMap for the heartbeat port), then the FE's compute
// nodes, and drops only this group's entries whose pods are gone (planOffline, the operator's own decision). It
// never adds and never writes the group's status: see docs/components.md.
import type { ComputeNodeGroup } from '../../api/v1alpha1/index.js';
import { FeClient, type ComputeNodeRecord } from '../../fe/index.js';
import { resolveConfig } from '../../group/config.js';
import { viewPod } from '../../group/pods.js';
import { readGroupObjects, restGroupReader, type GroupReader } from '../../group/reader.js';
import { connectKube } from '../../kube/client.js';
import { describeError } from '../../kube/errors.js';
import type { KubeRest } from '../../kube/rest.js';
import type { Logger } from '../../runtime/logging.js';
import { TimeoutError, withTimeout } from '../../runtime/timeout.js';
import { planOffline, type OfflinePlan } from './plan.js';

export { planOffline, memberPods, type OfflineInput, type OfflinePlan } from './plan.js';

export const EXIT_DONE = 0;
export const EXIT_FAILED = 1;

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
  /** The API server by default (in-cluster credentials, or KUBECONFIG / ~/.kube/config). */
  kube?: GroupReader;
  /** Builds the FE client from the group's addresses and the Secret's credentials. */
  connectFe?: (addresses: string[], user: string, password: string) => OfflineFe;
}

export class OfflineError extends Error {
  override readonly name = 'OfflineError';
}

async function step<T>(what: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
  try {
    return await withTimeout(run(), timeoutMs, what);
  } catch (error) {
    if (error instanceof TimeoutError) throw new OfflineError(error.message);
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

async function readGroupInputs(kube: GroupReader, options: OfflineOptions, timeoutMs: number): Promise<GroupInputs> {
  const { namespace, name } = options;
  const read = await readGroupObjects(kube, namespace, name, timeoutMs);
  if (!read.ok) {
    const hint = read.failure === 'NotFound' ? ': check --namespace and --name' : '';
    throw new OfflineError(read.message + hint);
  }
  const { group, pods, secret, configMap } = read.value;
  const resolved = resolveConfig(group, secret, configMap);
  if (!resolved.ok) throw new OfflineError(`${resolved.problem.reason}: ${resolved.problem.message}`);
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

/** Reads through the manager's REST client (in-cluster credentials, or KUBECONFIG / ~/.kube/config). */
async function readFromApiServer(options: OfflineOptions, timeoutMs: number): Promise<GroupInputs> {
  let rest: KubeRest;
  try {
    rest = await connectKube({ requestTimeoutMs: timeoutMs });
  } catch (error) {
    throw new OfflineError(`loading Kubernetes credentials failed: ${describeError(error)}`);
  }
  try {
    return await readGroupInputs(restGroupReader(rest, timeoutMs), options, timeoutMs);
  } finally {
    rest.close();
  }
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
  const inputs =
    options.kube === undefined
      ? await readFromApiServer(options, kubeTimeoutMs)
      : await readGroupInputs(options.kube, options, kubeTimeoutMs);
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
