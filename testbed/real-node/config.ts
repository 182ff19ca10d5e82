// The configuration files of the real node: containerd's, the CNI network's and the kubelet's. Pure: a unit test
// reads the settings this machine kind needs (reference/real-node.md) without starting anything.
import { CGROUP_ROOT, KUBELET_PORT, REAL_NODE_NET, type RealNodeLayout } from './layout.js';

/** Where the Debian package `containernetworking-plugins` installs the CNI plugins. */
export const CNI_BIN_DIR = '/usr/lib/cni';
export const CNI_NETWORK = 'starrocks-cn-real-node';

/** containerd 1.6, config version 2: its own root, state, socket and CNI folder; nothing global is touched. */
export function containerdConfig(layout: RealNodeLayout, sandboxImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const quote = (value: string): string => JSON.stringify(value);
  return [
    'version = 2',
    `root = ${quote(layout.containerdRoot)}`,
    `state = ${quote(layout.containerdState)}`,
    '',
    '[grpc]',
    `  address = ${quote(layout.containerdSocket)}`,
    '',
    '[ttrpc]',
    `  address = ${quote(`${layout.containerdSocket}.ttrpc`)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${quote(layout.containerdOpt)}`,
    '',
    `[${cri}]`,
    // Nothing can be pulled here: the sandbox image is one the harness imports.
    `  sandbox_image = ${quote(sandboxImage)}`,
    // The VM lacks CAP_SYS_RESOURCE: without this every sandbox fails to raise its oom_score_adj.
    '  restrict_oom_score_adj = true',
    '  enable_selinux = false',
    `  stream_server_address = "127.0.0.1"`,
    `  stream_server_port = "0"`,
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    // No systemd on this machine kind: cgroupfs, as the kubelet's cgroupDriver.
    '  SystemdCgroup = false',
    `[${cri}.cni]`,
    `  bin_dir = ${quote(CNI_BIN_DIR)}`,
    `  conf_dir = ${quote(layout.cniConfDir)}`,
    '  max_conf_num = 1',
    '',
  ].join('\n');
}

/**
 * The pods' network: the harness' bridge, addresses from its subnet, no masquerade and no default route in the
 * pods (only the pod subnet and the Service range, both through the bridge's host side), so nothing a pod sends
 * can be routed off the machine; the FORWARD guard (host.ts) backs this up.
 */
export function cniConfig(layout: RealNodeLayout, serviceCidr: string): string {
  return (
    JSON.stringify(
      {
        cniVersion: '0.4.0',
        name: CNI_NETWORK,
        plugins: [
          {
            type: 'bridge',
            bridge: REAL_NODE_NET.bridge,
            isGateway: true,
            isDefaultGateway: false,
            ipMasq: false,
            hairpinMode: false,
            ipam: {
              type: 'host-local',
              dataDir: `${layout.cniCacheDir}/ipam`,
              ranges: [[{ subnet: REAL_NODE_NET.subnet, gateway: REAL_NODE_NET.hostAddress }]],
              routes: [{ dst: serviceCidr }],
            },
          },
          { type: 'loopback' },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}

export interface KubeletConfigInput {
  readonly layout: RealNodeLayout;
  readonly caFile: string;
  readonly healthzPort: number;
}

/** KubeletConfiguration v1beta1 with the settings this machine kind needs (see reference/real-node.md). */
export function kubeletConfig(input: KubeletConfigInput): string {
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // Serves logs and exec to the API server on the bridge's host side, never on a machine-wide address.
    address: REAL_NODE_NET.hostAddress,
    port: KUBELET_PORT,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: input.healthzPort,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: input.caFile },
    },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${input.layout.containerdSocket}`,
    // No systemd, cgroup v1: cgroupfs, and the v1 deprecation accepted rather than fatal (default since 1.35).
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    cgroupRoot: CGROUP_ROOT,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ['none'],
    failSwapOn: false,
    // No registry to pull a collected image back from, and a disk shared with everything else.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: {
      'memory.available': '1Mi',
      'nodefs.available': '1%',
      'nodefs.inodesFree': '1%',
      'imagefs.available': '1%',
    },
    // No DNS off the machine.
    resolvConf: '',
    clusterDomain: 'cluster.local',
    // Saving and restoring the sysctls it changes is the harness' job; with true the kubelet would refuse to start.
    protectKernelDefaults: false,
    maxPods: 40,
    // Faster status for tests (defaults 10 s / 1 m): a pod's phase and readiness reach the API server sooner.
    nodeStatusUpdateFrequency: '4s',
    syncFrequency: '10s',
    shutdownGracePeriod: '0s',
  };
  return JSON.stringify(config, null, 2) + '\n';
}

export function kubeletArgs(layout: RealNodeLayout, nodeName: string): string[] {
  return [
    `--config=${layout.kubeletConfig}`,
    `--kubeconfig=${layout.kubeletKubeconfig}`,
    `--root-dir=${layout.kubeletRoot}`,
    `--cert-dir=${layout.kubeletCertDir}`,
    // Not loopback (refused); the bridge exists before the kubelet starts.
    `--node-ip=${REAL_NODE_NET.hostAddress}`,
    `--hostname-override=${nodeName}`,
    '--v=1',
  ];
}
