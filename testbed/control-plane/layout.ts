// Where the control plane's binaries and run files live. Pure: paths only, no I/O (the pinned versions are read once,
// by versions.ts).
import path from 'node:path';
import { cacheRoot, VERSIONS } from '../versions.js';

/** The name of the real-node tier's Node (a kubelet joined by testbed/real-node). */
export const REAL_NODE_NAME = 'real-node-0';

/** The processes that only the KWOK flavour runs (the real-node tier brings a kubelet instead). */
export const KWOK_ONLY: ReadonlySet<Component> = new Set(['kwok', 'metrics-api']);

/** Every process the control plane runs, in start order (stop runs the reverse). */
export const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'metrics-api',
] as const;
export type Component = (typeof COMPONENTS)[number];

/** The identities the control plane hands out; each component gets its own so the audit log tells them apart. */
// `operator` is for the operator under test, so the audit log separates its requests from the test's own.
export const IDENTITIES = [
  'admin',
  'operator',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'metrics-api',
  'kubelet',
] as const;
export type Identity = (typeof IDENTITIES)[number];

/** The user name each identity authenticates as (static token file; all are in system:masters). */
export const USER_NAMES: Readonly<Record<Identity, string>> = {
  admin: 'kube-admin',
  operator: 'starrocks-cn-operator',
  'kube-controller-manager': 'system:kube-controller-manager',
  'kube-scheduler': 'system:kube-scheduler',
  kwok: 'system:kwok-controller',
  'metrics-api': 'system:metrics-api',
  // The real-node tier's kubelet (testbed/real-node): a node's user name, so the node's own objects match it.
  kubelet: `system:node:${REAL_NODE_NAME}`,
};

/**
 * The folder hack/build-control-plane.sh fills (same rule: K8S_TEST_BIN, else the user's cache folder), keyed by the
 * Kubernetes version.
 */
export function defaultBinDir(env: NodeJS.ProcessEnv, homeDir: string): string {
  const explicit = env['K8S_TEST_BIN'];
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  return path.join(cacheRoot(env, homeDir), `k8s-v${VERSIONS.KUBE_VERSION}`);
}

export interface RunLayout {
  readonly dir: string;
  readonly pkiDir: string;
  readonly etcdDataDir: string;
  readonly logDir: string;
  readonly pidDir: string;
  readonly statePath: string;
  readonly auditLogPath: string;
  readonly auditPolicyPath: string;
  readonly tokenFilePath: string;
  readonly adminKubeconfigPath: string;
  kubeconfigPath(identity: Identity): string;
  pidFilePath(component: Component): string;
  logPath(component: Component): string;
}

/** The files of one control plane run, all below `dir` (an absolute path). */
export function runLayout(dir: string): RunLayout {
  const root = path.resolve(dir);
  const kubeconfigPath = (identity: Identity): string => path.join(root, `${identity}.kubeconfig`);
  return {
    dir: root,
    pkiDir: path.join(root, 'pki'),
    etcdDataDir: path.join(root, 'etcd-data'),
    logDir: path.join(root, 'logs'),
    pidDir: path.join(root, 'pids'),
    statePath: path.join(root, 'state.json'),
    auditLogPath: path.join(root, 'audit.log'),
    auditPolicyPath: path.join(root, 'audit-policy.yaml'),
    tokenFilePath: path.join(root, 'pki', 'tokens.csv'),
    adminKubeconfigPath: kubeconfigPath('admin'),
    kubeconfigPath,
    pidFilePath: (component) => path.join(root, 'pids', `${component}.pid`),
    logPath: (component) => path.join(root, 'logs', `${component}.log`),
  };
}

/** The entries `up` creates in a run folder; a fresh start removes exactly these and nothing else. */
export function generatedEntries(layout: RunLayout): string[] {
  return [
    layout.pkiDir,
    layout.etcdDataDir,
    layout.logDir,
    layout.pidDir,
    layout.statePath,
    layout.auditLogPath,
    layout.auditPolicyPath,
    ...IDENTITIES.map((identity) => layout.kubeconfigPath(identity)),
  ];
}
