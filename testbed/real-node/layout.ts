// Where the real-node tier keeps its files and which names it gives what it creates on the machine. Pure.
//
// The root is a fixed folder, not a temporary one: a run that was killed (CI's time limit, Ctrl-C, kill -9) leaves
// processes, mounts, iptables chains, sysctls and cgroups behind, and the next run must find them to remove them.
import path from 'node:path';

/** What the harness creates on the machine, by name, so that clean-up can find every piece again. */
export const REAL_NODE_NET = {
  /** The bridge the pods live on (CNI bridge plugin). */
  bridge: 'cnrn0',
  /** The bridge's host side: the kubelet's node IP, and where servers that pods must reach listen. */
  hostAddress: '10.88.0.1',
  subnet: '10.88.0.0/24',
  prefixLength: 24,
  /** filter chain hooked into FORWARD: nothing enters or leaves the bridge through the host's routing. */
  guardChain: 'CNRN-GUARD',
  /** nat chain hooked into PREROUTING: the `kubernetes` Service's ClusterIP answered by the API server. */
  serviceChain: 'CNRN-SERVICES',
} as const;

/** The cgroup folder (in every hierarchy) under which the kubelet puts its pods. */
export const CGROUP_ROOT = '/starrocks-cn-real-node';

/** The kubelet's chains (reference/real-node.md): removed at clean-up when the machine did not have them before. */
export const KUBELET_CHAINS = {
  filter: ['KUBE-FIREWALL', 'KUBE-KUBELET-CANARY'],
  nat: ['KUBE-KUBELET-CANARY'],
  mangle: ['KUBE-KUBELET-CANARY', 'KUBE-IPTABLES-HINT'],
} as const;

/** The sysctls the kubelet and the CNI bridge plugin change; saved before the first change, restored at clean-up. */
export const SAVED_SYSCTLS = [
  'vm.overcommit_memory',
  'kernel.panic',
  'kernel.panic_on_oops',
  'net.ipv4.ip_forward',
] as const;

export const KUBELET_PORT = 10250;

export interface RealNodeLayout {
  readonly root: string;
  /** The bare control plane's run folder (testbed/control-plane). */
  readonly controlPlaneDir: string;
  readonly containerdConfig: string;
  readonly containerdRoot: string;
  readonly containerdState: string;
  readonly containerdSocket: string;
  readonly containerdOpt: string;
  readonly cniConfDir: string;
  readonly cniCacheDir: string;
  readonly kubeletRoot: string;
  readonly kubeletConfig: string;
  readonly kubeletKubeconfig: string;
  readonly kubeletCertDir: string;
  readonly logDir: string;
  readonly pidDir: string;
  /** The machine's state before the first change (sysctls, network namespaces, chains), for the restore. */
  readonly hostStatePath: string;
  /** The node's own state (ports, images), written once it is up. */
  readonly statePath: string;
  pidFile(name: NodeProcess): string;
  logFile(name: NodeProcess): string;
}

export type NodeProcess = 'containerd' | 'kubelet';

/** `REAL_NODE_ROOT`, else /var/lib/starrocks-cn-real-node. */
export function realNodeRoot(env: NodeJS.ProcessEnv): string {
  const explicit = env['REAL_NODE_ROOT'];
  return explicit !== undefined && explicit !== '' ? path.resolve(explicit) : '/var/lib/starrocks-cn-real-node';
}

export function realNodeLayout(root: string): RealNodeLayout {
  const at = (...parts: string[]): string => path.join(root, ...parts);
  return {
    root,
    controlPlaneDir: at('control-plane'),
    containerdConfig: at('containerd', 'config.toml'),
    containerdRoot: at('containerd', 'root'),
    containerdState: at('containerd', 'state'),
    containerdSocket: at('containerd', 'containerd.sock'),
    containerdOpt: at('containerd', 'opt'),
    cniConfDir: at('cni', 'net.d'),
    cniCacheDir: at('cni', 'cache'),
    kubeletRoot: at('kubelet', 'root'),
    kubeletConfig: at('kubelet', 'config.yaml'),
    kubeletKubeconfig: at('kubelet', 'kubeconfig'),
    kubeletCertDir: at('kubelet', 'pki'),
    logDir: at('logs'),
    pidDir: at('pids'),
    hostStatePath: at('host-state.json'),
    statePath: at('state.json'),
    pidFile: (name) => at('pids', `${name}.pid`),
    logFile: (name) => at('logs', `${name}.log`),
  };
}
