// Runs the operator (`manager`) as a child process against the e2e control plane, with its OWN identity: the
// ServiceAccount cn-controller-manager bound to the shipped RBAC (deploy/role.yaml, deploy/leader_election_role.yaml)
// and a TokenRequest token. That proves the shipped RBAC is enough and lets the audit log tell the operator's
// requests from the test's. Every process started here is stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { z } from 'zod';
import { e2eEnvironment, kubectl, yamlObjects } from '@starrocks-cn-operator/testbed/control-plane';
import { freePorts, REPO_ROOT, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { compiledCli } from './e2e.js';

export const OPERATOR_SERVICE_ACCOUNT = 'cn-controller-manager';
/** What the components image defaults to when a group names none. */
export const TEST_OPERATOR_IMAGE = 'starrocks-cn-operator:e2e';

export interface OperatorIdentity {
  /** Namespace of the ServiceAccount (and of the leader-election Role). */
  readonly namespace: string;
  /** The audit log's user name of the operator. */
  readonly user: string;
  /** A kubeconfig file for the ServiceAccount (same server and CA as the admin's). */
  readonly kubeconfigPath: string;
}

/** Runs kubectl and returns its stdout; a failure throws with kubectl's own message. */
export async function kubectlOrThrow(args: readonly string[], input?: string): Promise<string> {
  const result = await kubectl(args, { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** The deploy/ manifest text with its namespace (`starrocks`) replaced by `namespace`. */
async function deployManifest(file: string, namespace: string): Promise<string> {
  const text = await readFile(path.join(REPO_ROOT, 'deploy', file), 'utf8');
  return text.replace(/namespace: starrocks\b/g, `namespace: ${namespace}`);
}

/**
 * Creates the ServiceAccount in `namespace`, applies the shipped ClusterRole, binds it (a ClusterRoleBinding named
 * after the namespace, so test files do not share one), adds the leader-election Role/RoleBinding in `namespace`,
 * and writes a kubeconfig with a TokenRequest token into CONTROL_PLANE_DIR.
 */
export async function createOperatorIdentity(namespace: string): Promise<OperatorIdentity> {
  const environment = await e2eEnvironment();
  await kubectlOrThrow([
    'apply',
    '--server-side',
    '--field-manager=e2e',
    '-f',
    path.join(REPO_ROOT, 'deploy/role.yaml'),
  ]);
  await kubectlOrThrow(['apply', '-f', '-'], await deployManifest('service_account.yaml', namespace));
  const binding = (await deployManifest('role_binding.yaml', namespace)).replace(
    'name: cn-manager-rolebinding',
    `name: cn-manager-rolebinding-${namespace}`,
  );
  await kubectlOrThrow(['apply', '-f', '-'], binding);
  await kubectlOrThrow(['apply', '-f', '-'], await deployManifest('leader_election_role.yaml', namespace));
  await kubectlOrThrow(['apply', '-f', '-'], await deployManifest('leader_election_role_binding.yaml', namespace));
  const token = (
    await kubectlOrThrow(['create', 'token', OPERATOR_SERVICE_ACCOUNT, '-n', namespace, '--duration=2h'])
  ).trim();
  if (token === '') throw new Error('kubectl create token returned no token');

  const admin = new KubeConfig();
  admin.loadFromFile(environment.kubeconfigPath);
  const cluster = admin.getCurrentCluster();
  if (cluster === null) throw new Error(`${environment.kubeconfigPath} names no current cluster`);
  const clusterEntry: Record<string, string | boolean> = { server: cluster.server };
  if (cluster.caData !== undefined) clusterEntry['certificate-authority-data'] = cluster.caData;
  if (cluster.caFile !== undefined) clusterEntry['certificate-authority'] = cluster.caFile;
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: clusterEntry }],
    users: [{ name: OPERATOR_SERVICE_ACCOUNT, user: { token } }],
    contexts: [{ name: 'operator', context: { cluster: 'e2e', user: OPERATOR_SERVICE_ACCOUNT, namespace } }],
    'current-context': 'operator',
  };
  const kubeconfigPath = path.join(environment.layout.dir, `operator-${namespace}.kubeconfig`);
  await writeFile(kubeconfigPath, stringify(kubeconfig), { mode: 0o600 });
  return {
    namespace,
    user: `system:serviceaccount:${namespace}:${OPERATOR_SERVICE_ACCOUNT}`,
    kubeconfigPath,
  };
}

/** Deletes the identity's cluster-scoped ClusterRoleBinding (the namespaced objects go with the namespace). */
export async function removeOperatorIdentity(identity: OperatorIdentity | undefined): Promise<void> {
  // undefined: the suite failed before creating it (after-hooks run anyway).
  if (identity === undefined) return;
  await kubectl(['delete', 'clusterrolebinding', `cn-manager-rolebinding-${identity.namespace}`, '--ignore-not-found']);
}

export interface OperatorOptions {
  readonly identity: OperatorIdentity;
  /** Namespaces the manager watches (comma-joined into --watch-namespace). */
  readonly watchNamespaces: readonly string[];
  /** A label for the log file name, e.g. `a` / `b` for two replicas. */
  readonly label?: string;
  readonly feSyncPeriod?: string;
  /** Serve /metrics on a free loopback port (for reconcile counts). */
  readonly metrics?: boolean;
  readonly leaderElection?: { readonly namespace: string; readonly id: string };
  readonly extraArgs?: readonly string[];
  /** More environment for the process (POD_NAME and POD_NAMESPACE, as the downward API sets them in a pod). */
  readonly env?: Readonly<Record<string, string>>;
  /** The program to run before `manager`; default the compiled build (compiledCli). Benchmarks pass another build. */
  readonly program?: readonly string[];
  /** The Node binary that runs it; default the one running this process (benchmarks compare runtimes). */
  readonly node?: string;
  /** How often /readyz is polled while starting; default 500 ms (benchmarks timing the start poll faster). */
  readonly readyPollMs?: number;
}

export interface RunningOperator {
  readonly pid: number;
  readonly logPath: string;
  readonly healthPort: number;
  readonly metricsPort: number | undefined;
  /** Whether the process has exited. */
  exited(): boolean;
  /** The process' captured stdout and stderr so far. */
  log(): Promise<string>;
  /** The parsed JSON log lines so far (non-JSON lines are skipped). */
  logLines(): Promise<Record<string, unknown>[]>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (the crash test); resolves once the process has exited. */
  kill(): Promise<void>;
  /** GET a path on the metrics port (undefined when metrics are off). */
  metricsText(): Promise<string | undefined>;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts `manager` and waits (bounded) until its /readyz answers 200. */
export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const environment = await e2eEnvironment();
  const [healthPort, metricsPort] = await freePorts(options.metrics === true ? 2 : 1);
  if (healthPort === undefined) throw new Error('no port for the health probes');
  const args = [
    ...(options.program ?? compiledCli()),
    'manager',
    `--metrics-bind-address=${metricsPort === undefined ? '0' : `127.0.0.1:${metricsPort}`}`,
    `--health-probe-bind-address=127.0.0.1:${healthPort}`,
    `--fe-sync-period=${options.feSyncPeriod ?? '2s'}`,
    `--watch-namespace=${options.watchNamespaces.join(',')}`,
  ];
  if (options.leaderElection !== undefined) {
    args.push(
      '--leader-elect',
      `--leader-election-namespace=${options.leaderElection.namespace}`,
      `--leader-election-id=${options.leaderElection.id}`,
    );
  }
  args.push(...(options.extraArgs ?? []));
  const label = options.label ?? randomBytes(3).toString('hex');
  const logPath = path.join(environment.layout.dir, `operator-${options.identity.namespace}-${label}.log`);
  const logStream = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(options.node ?? process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      KUBECONFIG: options.identity.kubeconfigPath,
      OPERATOR_IMAGE: TEST_OPERATOR_IMAGE,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the manager process did not start');
  const pid = child.pid;
  child.stdout.pipe(logStream, { end: false });
  child.stderr.pipe(logStream, { end: false });
  child.once('exit', () => {
    // Let the pipes drain before closing the file.
    setTimeout(() => logStream.end(), 100);
  });

  const operator: RunningOperator = {
    pid,
    logPath,
    healthPort,
    metricsPort,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    log: () => readFile(logPath, 'utf8'),
    async logLines() {
      const lines: Record<string, unknown>[] = [];
      for (const line of (await readFile(logPath, 'utf8')).split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const value: unknown = JSON.parse(line);
          if (typeof value === 'object' && value !== null) lines.push(value as Record<string, unknown>);
        } catch {
          // a line cut by a kill: skipped
        }
      }
      return lines;
    },
    async stop(graceMs = 20_000) {
      if (operator.exited()) return;
      process.kill(pid, 'SIGTERM');
      if (await waitForExit(child, graceMs)) return;
      process.kill(pid, 'SIGKILL');
      await waitForExit(child, 10_000);
    },
    async kill() {
      if (operator.exited()) return;
      process.kill(pid, 'SIGKILL');
      await waitForExit(child, 10_000);
    },
    async metricsText() {
      if (metricsPort === undefined) return undefined;
      const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5_000) });
      return response.text();
    },
  };
  try {
    await waitFor(
      async () => {
        if (operator.exited()) throw new Error(`the manager exited: ${await operator.log()}`);
        const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`, { signal: AbortSignal.timeout(2_000) });
        return response.status === 200;
      },
      { description: `manager ${label} /readyz`, timeoutMs: 90_000, intervalMs: options.readyPollMs ?? 500 },
    );
  } catch (error) {
    await operator.stop(5_000);
    throw error;
  }
  return operator;
}

/** The sum of controller_runtime_reconcile_total over results, from a /metrics text (0 when absent). */
export function reconcileTotal(metricsText: string): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('controller_runtime_reconcile_total')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/**
 * An HPA behavior at the pace of a test: up by 4 CNs every 5 s at once, down by 4 after 5 s below target (the
 * operator's default for query policies waits minutes on the way down).
 */
export const FAST_TEST_BEHAVIOR = {
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 4, periodSeconds: 5 }] },
  scaleDown: { stabilizationWindowSeconds: 5, policies: [{ type: 'Pods', value: 4, periodSeconds: 5 }] },
};

/** Gives the process a moment; used where a test must let a few resyncs pass. */
export const pause = (ms: number): Promise<void> => sleep(ms);

/** Small requests so that many CN pods fit on the single KWOK node. */
export const SMALL_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '100m', memory: '128Mi' },
};

/**
 * The seed example (examples/cn/fe-account.yaml, cn-config.yaml, cn.yaml) for `namespace`, with the FE address
 * replaced by `feAddresses`, small resources, and `edit` applied to the group's spec.
 */
export async function seedExampleObjects(
  namespace: string,
  feAddresses: readonly string[],
  edit: (spec: Record<string, unknown>) => void = () => undefined,
): Promise<Record<string, unknown>[]> {
  const objects: Record<string, unknown>[] = [];
  for (const file of ['fe-account.yaml', 'cn-config.yaml', 'cn.yaml']) {
    objects.push(...yamlObjects(await readFile(path.join(REPO_ROOT, 'examples', 'cn', file), 'utf8'), namespace));
  }
  const group = objects.find((object) => object['kind'] === 'ComputeNodeGroup');
  if (group === undefined) throw new Error('examples/cn/cn.yaml holds no ComputeNodeGroup');
  const spec = group['spec'] as Record<string, unknown>;
  (spec['feInfo'] as Record<string, unknown>)['addresses'] = [...feAddresses];
  spec['podPolicy'] = { ...(spec['podPolicy'] as Record<string, unknown>), resources: SMALL_RESOURCES };
  edit(spec);
  return objects;
}

export interface PodInfo {
  readonly name: string;
  /** The pod's uid: a pod recreated under the same name has a new one. */
  readonly uid: string;
  readonly ordinal: number;
  readonly ip: string | undefined;
  readonly ready: boolean;
  readonly readySince: Date | undefined;
  readonly deletionTimestamp: string | undefined;
  readonly annotations: Readonly<Record<string, string>>;
  /** Every pod condition's status by type (Ready, the readiness gate, ...). */
  readonly conditions: Readonly<Record<string, string>>;
  readonly containers: readonly string[];
  readonly readinessGates: readonly string[];
}

const podListSchema = z.object({
  items: z.array(
    z.looseObject({
      metadata: z.looseObject({
        name: z.string(),
        uid: z.string(),
        deletionTimestamp: z.string().optional(),
        annotations: z.record(z.string(), z.string()).optional(),
      }),
      spec: z
        .looseObject({
          containers: z.array(z.looseObject({ name: z.string() })).optional(),
          readinessGates: z.array(z.looseObject({ conditionType: z.string() })).optional(),
        })
        .optional(),
      status: z
        .looseObject({
          podIP: z.string().optional(),
          conditions: z
            .array(z.looseObject({ type: z.string(), status: z.string(), lastTransitionTime: z.string().optional() }))
            .optional(),
        })
        .optional(),
    }),
  ),
});

/** The CN pods of `group`, by ordinal (a number: `g-10` after `g-9`). */
export async function groupPods(namespace: string, group: string): Promise<PodInfo[]> {
  const result = await kubectl([
    'get',
    'pods',
    '-n',
    namespace,
    '-l',
    `app.kubernetes.io/instance=${group},app.kubernetes.io/component=cn`,
    '-o',
    'json',
  ]);
  if (result.code !== 0) throw new Error(result.stderr);
  const list = podListSchema.parse(JSON.parse(result.stdout));
  return list.items
    .map((pod) => {
      const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready');
      const isReady = ready?.status === 'True';
      return {
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        ordinal: Number(pod.metadata.name.slice(group.length + 1)),
        ip: pod.status?.podIP,
        ready: isReady,
        readySince: isReady && ready.lastTransitionTime !== undefined ? new Date(ready.lastTransitionTime) : undefined,
        deletionTimestamp: pod.metadata.deletionTimestamp,
        annotations: pod.metadata.annotations ?? {},
        conditions: Object.fromEntries((pod.status?.conditions ?? []).map((c) => [c.type, c.status])),
        containers: (pod.spec?.containers ?? []).map((container) => container.name),
        readinessGates: (pod.spec?.readinessGates ?? []).map((gate) => gate.conditionType),
      };
    })
    .sort((a, b) => a.ordinal - b.ordinal);
}

const groupSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), finalizers: z.array(z.string()).optional() }),
  spec: z.looseObject({ replicas: z.number().optional() }),
  status: z
    .looseObject({
      conditions: z
        .array(
          z.looseObject({
            type: z.string(),
            status: z.string(),
            reason: z.string().optional(),
            message: z.string().optional(),
          }),
        )
        .optional(),
      computeNodes: z
        .array(z.looseObject({ pod: z.string(), address: z.string(), registered: z.boolean(), alive: z.boolean() }))
        .optional(),
    })
    .optional(),
});
export type GroupView = z.infer<typeof groupSchema>;

/** The group as the API server has it; undefined when it does not exist. */
export async function getGroup(namespace: string, group: string): Promise<GroupView | undefined> {
  const result = await kubectl(['get', 'cng', group, '-n', namespace, '-o', 'json']);
  if (result.code !== 0) {
    if (result.stderr.includes('NotFound')) return undefined;
    throw new Error(result.stderr);
  }
  return groupSchema.parse(JSON.parse(result.stdout));
}

export function condition(
  group: GroupView | undefined,
  type: string,
): { status: string; reason?: string; message?: string } | undefined {
  return group?.status?.conditions?.find((entry) => entry.type === type);
}

/** Waits (bounded) until the group's condition `type` has `status`; returns the group. */
export async function waitForCondition(
  namespace: string,
  group: string,
  type: string,
  status: string,
  timeoutMs = 120_000,
): Promise<GroupView> {
  return waitFor(
    async () => {
      const view = await getGroup(namespace, group);
      return condition(view, type)?.status === status ? view : undefined;
    },
    { description: `${type}=${status} on ${namespace}/${group}`, timeoutMs, intervalMs: 500 },
  );
}

/** The pods whose IP-mode address (podIP:9050) the FE lists. */
export function registeredPods(feAddresses: readonly string[], pods: readonly PodInfo[]): PodInfo[] {
  const listed = new Set(feAddresses);
  return pods.filter((pod) => pod.ip !== undefined && listed.has(`${pod.ip}:9050`));
}

/** Waits until the group has exactly `count` Ready pods (ordinals 0..count-1), each listed by the FE. */
export async function waitForMembers(
  namespace: string,
  group: string,
  count: number,
  feAddresses: () => readonly string[],
  timeoutMs = 180_000,
): Promise<PodInfo[]> {
  return waitFor(
    async () => {
      const pods = await groupPods(namespace, group);
      const ok =
        pods.length === count &&
        pods.every((pod) => pod.ready && pod.ordinal < count && pod.deletionTimestamp === undefined) &&
        registeredPods(feAddresses(), pods).length === count;
      return ok ? pods : undefined;
    },
    { description: `${count} Ready pods of ${group}, all in the FE`, timeoutMs, intervalMs: 1_000 },
  );
}

export const WRITE_VERBS: readonly string[] = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** The holder of Lease `lease` in `namespace` (undefined when it has none, or there is no Lease yet). */
export async function leaseHolder(namespace: string, lease: string): Promise<string | undefined> {
  const result = await kubectl(['get', 'lease', lease, '-n', namespace, '-o', 'jsonpath={.spec.holderIdentity}']);
  return result.code === 0 && result.stdout.trim() !== '' ? result.stdout.trim() : undefined;
}

/** The elector identity a replica logged (every leader-election line carries it). */
export async function identityOf(operator: RunningOperator): Promise<string | undefined> {
  for (const line of await operator.logLines()) {
    if (typeof line['identity'] === 'string' && line['lease'] !== undefined) return line['identity'];
  }
  return undefined;
}
