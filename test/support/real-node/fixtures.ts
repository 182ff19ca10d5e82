// What the real-node tests share: an FE simulator that pods can reach (on the bridge's host side) and that
// heartbeats the CN emulators in the pods, the images' names, and the seed's install files with the test image.
// The tests run against the bare control plane hack/real-node.sh starts (KUBECONFIG, CONTROL_PLANE_DIR, and the
// real-node variables); the control plane client of the testbed (kubectl, namespaces) works unchanged on it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { kubectl, yamlObjects } from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator, podHeartbeatProbe } from '@starrocks-cn-operator/testbed/fe-simulator';
import { REPO_ROOT, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { CN_EMULATOR_IMAGE, OPERATOR_IMAGE } from '@starrocks-cn-operator/testbed/images';
import { REAL_NODE_NET } from '@starrocks-cn-operator/testbed/real-node';
import { SEED_DEPLOY_ORDER } from '../e2e.js';
import { condition, getGroup } from '../operator.js';

export { CN_2022_IMAGE, CN_EMULATOR_IMAGE, OPERATOR_IMAGE } from '@starrocks-cn-operator/testbed/images';

/** The bridge's host address; a clear error when the tests were not started by hack/real-node.sh. */
export function realNodeHost(): string {
  const host = process.env['REAL_NODE_HOST'];
  if (host === undefined || host === '') {
    throw new Error('REAL_NODE_HOST is not set: run the real-node tests with bash hack/real-node.sh');
  }
  return host;
}

/**
 * An FE simulator listening on the bridge's host side (pods and the in-cluster operator reach it there), whose
 * leader heartbeats the CNs in the pods every second, as a real FE heartbeats its CNs (every 5 s by default).
 */
export async function startBridgeFe(version: '3.3' | '3.5' = '3.5'): Promise<FeSimulator> {
  const fe = new FeSimulator({
    version,
    host: realNodeHost(),
    ports: [0],
    heartbeatPeriodMs: 1_000,
    heartbeatTimeoutMs: 2_000,
    heartbeatProbe: podHeartbeatProbe(REAL_NODE_NET.subnet, 1_500),
  });
  await fe.start();
  return fe;
}

export { SEED_DEPLOY_ORDER };

/** The text of one deploy/ file with the shipped image name replaced by the test image (what a user edits). */
export async function deployFile(name: string, image: string): Promise<string> {
  const text = await readFile(path.join(REPO_ROOT, 'deploy', name), 'utf8');
  return text.replaceAll('starrocks-cn-operator:0.1.0', image);
}

/** Objects of an examples/cn file, with `edit` applied to each (the tests change addresses and images only). */
export async function exampleObjects(
  name: string,
  edit: (object: Record<string, unknown>) => Record<string, unknown> = (object) => object,
): Promise<Record<string, unknown>[]> {
  return yamlObjects(await readFile(path.join(REPO_ROOT, 'examples', 'cn', name), 'utf8')).map(edit);
}

/** Sets a group's spec.replicas as a user does (`kubectl patch`); a refusal fails the test with kubectl's words. */
export async function scaleGroup(namespace: string, name: string, replicas: number): Promise<void> {
  const patch = JSON.stringify({ spec: { replicas } });
  const result = await kubectl(['patch', 'computenodegroup', name, '-n', namespace, '--type=merge', '-p', patch]);
  if (result.code !== 0) throw new Error(`kubectl patch of ${name}'s replicas failed: ${result.stderr.trim()}`);
}

export async function applyObjects(objects: readonly Record<string, unknown>[]): Promise<void> {
  const result = await kubectl(['apply', '-f', '-'], {
    input: objects.map((object) => JSON.stringify(object)).join('\n---\n') + '\n',
  });
  if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr.trim()}`);
}

export interface PodSummary {
  readonly name: string;
  readonly phase: string;
  readonly ip: string;
  readonly readyContainers: number;
  readonly containers: number;
  readonly ready: boolean;
  /** The Ready condition's last transition (RFC 3339, whole seconds). */
  readonly readySince: string | undefined;
  readonly deleting: boolean;
}

interface RawPod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { containers: unknown[] };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: { ready?: boolean }[];
  };
}

/** The pods matching a label selector, summarised as `kubectl get pod` shows them. */
export async function podSummaries(namespace: string, selector: string): Promise<PodSummary[]> {
  const result = await kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json']);
  if (result.code !== 0) throw new Error(result.stderr.trim());
  const list = JSON.parse(result.stdout) as { items: RawPod[] };
  return list.items.map((pod) => {
    const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready');
    return {
      name: pod.metadata.name,
      phase: pod.status?.phase ?? '',
      ip: pod.status?.podIP ?? '',
      readyContainers: (pod.status?.containerStatuses ?? []).filter((status) => status.ready === true).length,
      containers: pod.spec.containers.length,
      ready: ready?.status === 'True',
      readySince: ready?.status === 'True' ? ready.lastTransitionTime : undefined,
      deleting: pod.metadata.deletionTimestamp !== undefined,
    };
  });
}

/** Waits until `count` pods of the selector are Running and Ready with every container ready. */
export async function waitForReadyPods(
  namespace: string,
  selector: string,
  count: number,
  timeoutMs: number,
): Promise<PodSummary[]> {
  return waitFor(
    async () => {
      const pods = (await podSummaries(namespace, selector)).filter((pod) => !pod.deleting);
      // Every container ready and the pod Ready (with a readiness gate the first does not imply the second).
      const ready = pods.filter(
        (pod) => pod.phase === 'Running' && pod.readyContainers === pod.containers && pod.ready,
      );
      return ready.length === count && pods.length === count ? pods : undefined;
    },
    { description: `${count} ready pods ${selector} in ${namespace}`, timeoutMs, intervalMs: 500 },
  );
}

export interface GroupOptions {
  readonly namespace: string;
  readonly name: string;
  readonly fe: FeSimulator;
  readonly replicas: number;
  readonly cnConf?: string;
  readonly registration?: 'Sidecar' | 'Operator';
  readonly cnImage?: string;
  /** Default: the operator's image (the test build), which has the register program. */
  readonly componentsImage?: string;
  readonly command?: readonly string[];
  readonly feAddress?: string;
  /** spec.drain; the default (order Drain, window 300 s) when absent. */
  readonly drain?: { readonly order: string; readonly windowSeconds: number };
}

export const DEFAULT_CN_CONF = [
  'be_port = 9060',
  'webserver_port = 8040',
  'heartbeat_service_port = 9050',
  'brpc_port = 8060',
  '',
].join('\n');

/** The account Secret (root, empty password, as the simulator has it), the cn.conf ConfigMap and a group. */
export function groupObjects(options: GroupOptions): Record<string, unknown>[] {
  const { namespace, name } = options;
  const feAddress = options.feAddress ?? options.fe.addresses[0];
  if (feAddress === undefined) throw new Error('the FE simulator has no address');
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-fe`, namespace },
      stringData: { FE_USR: 'root', FE_PWD: '' },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-conf`, namespace },
      data: { 'cn.conf': options.cnConf ?? DEFAULT_CN_CONF },
    },
    {
      apiVersion: 'starrocks.com/v1alpha1',
      kind: 'ComputeNodeGroup',
      metadata: { name, namespace },
      spec: {
        cnInfo: {
          configMap: `${name}-conf`,
          ...(options.registration === undefined ? {} : { registration: options.registration }),
        },
        feInfo: { accountSecret: `${name}-fe`, addresses: [feAddress] },
        images: {
          cnImage: options.cnImage ?? CN_EMULATOR_IMAGE,
          componentsImage: options.componentsImage ?? OPERATOR_IMAGE,
        },
        replicas: options.replicas,
        ...(options.drain === undefined ? {} : { drain: options.drain }),
        podPolicy: {
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
          terminationGracePeriodSeconds: 60,
          ...(options.command === undefined ? {} : { command: options.command }),
        },
      },
    },
  ];
}

/** A condition of a group as `{status, reason, message}`; undefined while absent (or the group is). */
export async function groupCondition(
  namespace: string,
  name: string,
  type: string,
): Promise<{ status: string; reason: string; message: string } | undefined> {
  const found = condition(await getGroup(namespace, name), type);
  return found === undefined
    ? undefined
    : { status: found.status, reason: found.reason ?? '', message: found.message ?? '' };
}

/** The FE's compute nodes whose host is one of the pods' IPs, by alive state. */
export function aliveInFe(fe: FeSimulator, podIps: readonly string[]): number {
  return podIps.filter((ip) => fe.findComputeNode(`${ip}:9050`)?.alive === true).length;
}
