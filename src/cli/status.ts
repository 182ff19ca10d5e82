// `cngctl status -n <namespace> <group>`: a group's pods beside the FE's view of them. It reads the group, its pods,
// the FE account Secret and the cn.conf ConfigMap through the API server, then SHOW COMPUTE NODES on the group's FE,
// every call bounded in time; the table itself is built by the pure status-view.ts. It changes nothing anywhere.
// Exit code 0 when both sides were read; 1 when the group does not exist, or the FE could not be read (the
// Kubernetes side is printed anyway).
import type { Command } from 'commander';
import type { ComputeNodeGroup } from '../api/v1alpha1/index.js';
import { DEFAULT_CN_PORTS } from '../cnconf/index.js';
import { FeClient, isFeError, type ComputeNodeRecord } from '../fe/index.js';
import { resolveConfig } from '../group/config.js';
import { readGroupObjects, restGroupReader, type GroupReader } from '../group/reader.js';
import { connectKube } from '../kube/client.js';
import type { KubeRest } from '../kube/rest.js';
import { createLogger } from '../runtime/logging.js';
import { withTimeout } from '../runtime/timeout.js';
import { buildStatusView, renderStatus, type FeView, type StatusView } from './status-view.js';

/** What status needs from the FE; FeClient provides it. */
export interface StatusFe {
  showComputeNodes(): Promise<ComputeNodeRecord[]>;
  close(): Promise<void>;
}

export interface StatusOptions {
  namespace: string;
  name: string;
  kube: GroupReader;
  connectFe: (addresses: string[], user: string, password: string) => StatusFe;
  /** Bound on each Kubernetes read. */
  kubeTimeoutMs: number;
  /** Bound on SHOW COMPUTE NODES across every FE address (the client's own timeouts apply per address). */
  feTimeoutMs: number;
}

export type StatusOutcome =
  { ok: true; view: StatusView; exitCode: 0 | 1 } | { ok: false; message: string; exitCode: 1 };

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
  const read = await readGroupObjects(options.kube, options.namespace, options.name, options.kubeTimeoutMs);
  if (!read.ok) {
    const hint = read.failure === 'NotFound' ? ': check the name and -n <namespace> (kubectl get cng -A)' : '';
    return { ok: false, message: read.message + hint, exitCode: 1 };
  }
  const { group, pods, secret, configMap } = read.value;
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
  const timeoutMs = seconds * 1000;
  let rest: KubeRest;
  try {
    rest = await connectKube({ requestTimeoutMs: timeoutMs });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`cannot load the Kubernetes configuration (KUBECONFIG or ~/.kube/config): ${message}`);
    return 1;
  }
  // The FE client's warnings (an address failed over) go to stderr; the report goes to stdout.
  const logger = createLogger({ name: 'cngctl-status', level: 'warn', destination: process.stderr });
  try {
    const outcome = await collectStatus({
      namespace: flags.namespace,
      name,
      kube: restGroupReader(rest, timeoutMs),
      kubeTimeoutMs: timeoutMs,
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
    rest.close();
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
