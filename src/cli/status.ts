// `cngctl status -n <namespace> <group>`: a group's pods beside the FE's view of them. It reads the group, its pods,
// the FE account Secret and the cn.conf ConfigMap through the API server, then SHOW COMPUTE NODES on the group's FE,
// every call bounded in time; the table itself is built by the pure status-view.ts. It changes nothing anywhere.
// Exit code 0 when both sides were read; 1 when the group does not exist, or the FE could not be read (the
// Kubernetes side is printed anyway).
import type { Command } from 'commander';
import { GROUP, PLURAL, VERSION, parseComputeNodeGroup, type ComputeNodeGroup } from '../api/v1alpha1/index.js';
import { DEFAULT_CN_PORTS } from '../cnconf/index.js';
import { labelSelectorString } from '../builders/names.js';
import { resolveConfig } from '../controllers/computenodegroup/config.js';
import { FeClient, isFeError, type ComputeNodeRecord } from '../fe/index.js';
import { createKubeClients, loadKubeConfig } from '../kube/client.js';
import { describeError, isNotFound } from '../kube/errors.js';
import type { KubeRest } from '../kube/rest.js';
import { createLogger } from '../runtime/logging.js';
import { buildStatusView, renderStatus, type FeView, type StatusView } from './status-view.js';

/** What status reads from Kubernetes; undefined for an object that does not exist. */
export interface StatusKubeReader {
  getGroup(namespace: string, name: string): Promise<unknown>;
  listPods(namespace: string, labelSelector: string): Promise<unknown[]>;
  getSecret(namespace: string, name: string): Promise<unknown>;
  getConfigMap(namespace: string, name: string): Promise<unknown>;
}

/** What status needs from the FE; FeClient provides it. */
export interface StatusFe {
  showComputeNodes(): Promise<ComputeNodeRecord[]>;
  close(): Promise<void>;
}

export interface StatusOptions {
  namespace: string;
  name: string;
  kube: StatusKubeReader;
  connectFe: (addresses: string[], user: string, password: string) => StatusFe;
  /** Bound on SHOW COMPUTE NODES across every FE address (the client's own timeouts apply per address). */
  feTimeoutMs: number;
}

export type StatusOutcome =
  { ok: true; view: StatusView; exitCode: 0 | 1 } | { ok: false; message: string; exitCode: 1 };

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => {
    clearTimeout(timer);
  });
}

/** The KubeRest reader: plain JSON, each request bounded by `timeoutMs`. */
export function restReader(rest: KubeRest, timeoutMs: number): StatusKubeReader {
  const ns = (namespace: string): string => `/namespaces/${encodeURIComponent(namespace)}`;
  const getOrUndefined = async (path: string): Promise<unknown> => {
    try {
      return await rest.request({ method: 'GET', path, timeoutMs });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  return {
    getGroup: (namespace, name) =>
      getOrUndefined(`/apis/${GROUP}/${VERSION}${ns(namespace)}/${PLURAL}/${encodeURIComponent(name)}`),
    getSecret: (namespace, name) => getOrUndefined(`/api/v1${ns(namespace)}/secrets/${encodeURIComponent(name)}`),
    getConfigMap: (namespace, name) => getOrUndefined(`/api/v1${ns(namespace)}/configmaps/${encodeURIComponent(name)}`),
    listPods: async (namespace, labelSelector) => {
      const list = await rest.request({
        method: 'GET',
        path: `/api/v1${ns(namespace)}/pods`,
        query: { labelSelector },
        timeoutMs,
      });
      const items = typeof list === 'object' && list !== null && 'items' in list ? list.items : undefined;
      if (!Array.isArray(items)) throw new Error(`listing pods in ${namespace}: the answer has no items`);
      return items as unknown[];
    },
  };
}

async function readGroup(
  options: StatusOptions,
): Promise<{ ok: true; group: ComputeNodeGroup } | { ok: false; message: string }> {
  const { namespace, name } = options;
  let raw: unknown;
  try {
    raw = await options.kube.getGroup(namespace, name);
  } catch (error) {
    return { ok: false, message: `reading ComputeNodeGroup ${namespace}/${name} failed: ${describeError(error)}` };
  }
  if (raw === undefined) {
    return {
      ok: false,
      message: `ComputeNodeGroup ${namespace}/${name} not found: check the name and -n <namespace> (kubectl get cng -A)`,
    };
  }
  const parsed = parseComputeNodeGroup(raw);
  if (!parsed.ok) {
    const detail = parsed.errors.map((error) => `${error.path}: ${error.message}`).join('; ');
    return { ok: false, message: `ComputeNodeGroup ${namespace}/${name} is not valid: ${detail}` };
  }
  return { ok: true, group: parsed.value };
}

/** Reads the FE's compute nodes with the group's account; a failure becomes the reason shown under the table. */
async function readFe(
  options: StatusOptions,
  group: ComputeNodeGroup,
  secret: unknown,
  configMap: unknown,
): Promise<{ fe: FeView; heartbeatPort: number }> {
  const resolved = resolveConfig(group, secret, configMap);
  if (!resolved.ok) {
    return {
      fe: { ok: false, message: `not queried: ${resolved.problem.message}` },
      heartbeatPort: DEFAULT_CN_PORTS.heartbeatServicePort,
    };
  }
  const heartbeatPort = resolved.value.cnConf.ports.heartbeatServicePort;
  const { user, password } = resolved.value.credentials;
  const addresses = group.spec.feInfo.addresses;
  const client = options.connectFe(addresses, user, password);
  try {
    const nodes = await withTimeout(client.showComputeNodes(), options.feTimeoutMs, 'SHOW COMPUTE NODES');
    return { fe: { ok: true, nodes }, heartbeatPort };
  } catch (error) {
    const kind = isFeError(error) ? `${error.kind}: ` : '';
    const message = error instanceof Error ? error.message : String(error);
    return {
      fe: { ok: false, message: `cannot read compute nodes from ${addresses.join(', ')} (${kind}${message})` },
      heartbeatPort,
    };
  } finally {
    await withTimeout(client.close(), 2000, 'closing the FE connection').catch(() => undefined);
  }
}

/** Reads both sides and builds the view. Never throws: every failure becomes a message and exit code 1. */
export async function collectStatus(options: StatusOptions): Promise<StatusOutcome> {
  const { namespace } = options;
  const read = await readGroup(options);
  if (!read.ok) return { ok: false, message: read.message, exitCode: 1 };
  const group = read.group;
  const selector = labelSelectorString(group);
  let pods: unknown[];
  let secret: unknown;
  let configMap: unknown;
  try {
    pods = await options.kube.listPods(namespace, selector);
    secret = await options.kube.getSecret(namespace, group.spec.feInfo.accountSecret);
    const configMapName = group.spec.cnInfo.configMap;
    configMap = configMapName === undefined ? undefined : await options.kube.getConfigMap(namespace, configMapName);
  } catch (error) {
    return {
      ok: false,
      message: `reading the pods, Secret or ConfigMap of ${namespace}/${group.metadata.name} failed: ${describeError(error)}`,
      exitCode: 1,
    };
  }
  const { fe, heartbeatPort } = await readFe(options, group, secret, configMap);
  const view = buildStatusView({ group, pods, heartbeatPort, fe });
  return { ok: true, view, exitCode: fe.ok ? 0 : 1 };
}

interface StatusFlags {
  namespace: string;
  output: string;
  timeoutSeconds: string;
}

async function statusMain(name: string, flags: StatusFlags): Promise<number> {
  const seconds = Number(flags.timeoutSeconds);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    console.error(`--timeout-seconds "${flags.timeoutSeconds}" must be a positive number`);
    return 1;
  }
  if (flags.output !== 'table' && flags.output !== 'json') {
    console.error(`--output "${flags.output}" must be table or json`);
    return 1;
  }
  let clients;
  try {
    clients = createKubeClients(loadKubeConfig());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`cannot load the Kubernetes configuration (KUBECONFIG or ~/.kube/config): ${message}`);
    return 1;
  }
  // The FE client's warnings (an address failed over) go to stderr; the report goes to stdout.
  const logger = createLogger({ name: 'cngctl-status', level: 'warn', destination: process.stderr });
  const timeoutMs = seconds * 1000;
  try {
    const outcome = await collectStatus({
      namespace: flags.namespace,
      name,
      kube: restReader(clients.rest, timeoutMs),
      connectFe: (addresses, user, password) =>
        new FeClient({
          addresses,
          user,
          password,
          logger,
          connectTimeoutMs: Math.min(5000, timeoutMs),
          queryTimeoutMs: timeoutMs,
        }),
      feTimeoutMs: timeoutMs * 2,
    });
    if (!outcome.ok) {
      console.error(outcome.message);
      return outcome.exitCode;
    }
    process.stdout.write(
      flags.output === 'json' ? `${JSON.stringify(outcome.view, null, 2)}\n` : renderStatus(outcome.view),
    );
    if (outcome.view.feError !== undefined)
      console.error(`cngctl status: the FE was not read: ${outcome.view.feError}`);
    return outcome.exitCode;
  } finally {
    clients.rest.close();
  }
}

/** Adds `status` to the command-line program. */
export function addStatusCommand(program: Command): Command {
  return program
    .command('status')
    .description(
      "Show a ComputeNodeGroup's CN pods beside the FE's view of them (registered, alive, heartbeat, errors)",
    )
    .argument('<group>', 'the ComputeNodeGroup name')
    .option('-n, --namespace <namespace>', "the group's namespace", 'default')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--timeout-seconds <seconds>', 'bound on each Kubernetes request and each FE query', '10')
    .action(async (name: string, flags: StatusFlags) => {
      process.exitCode = await statusMain(name, flags);
    });
}
