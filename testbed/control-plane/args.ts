// The command line of every control-plane process. Pure: a test checks the flags that keep everything on loopback
// without starting anything. Flags were checked against the v1.36 components, kwok v0.8.0 and etcd v3.6.
import path from 'node:path';
import { apiServerUrl } from './kubeconfig.js';
import type { Component, RunLayout } from './layout.js';
import { FRONT_PROXY_CLIENT, type PkiFiles } from './pki.js';
import type { Ports } from './ports.js';

/** The Service range the API server allocates ClusterIPs from; fake addresses nothing ever dials. */
export const SERVICE_CIDR = '10.0.0.0/24';
/** Pod IPs kwok hands out; fake addresses nothing ever dials. */
export const POD_CIDR = '10.244.0.0/16';

/** The kwok stage files the build script copies next to the binaries (node start and heartbeat, pod lifecycle). */
export const KWOK_STAGES = [
  'kwok-node-initialize.yaml',
  'kwok-node-heartbeat.yaml',
  'kwok-pod-ready.yaml',
  'kwok-pod-complete.yaml',
  'kwok-pod-delete.yaml',
] as const;

export interface CommandSpec {
  readonly component: Component;
  readonly command: string;
  readonly args: readonly string[];
}

export interface CommandInput {
  readonly binDir: string;
  readonly layout: RunLayout;
  readonly pki: PkiFiles;
  readonly ports: Ports;
  /** The repository root, where `node --import tsx` finds the metrics API's TypeScript entry. */
  readonly repoRoot: string;
  /** The node binary that runs the metrics API (the current one). */
  readonly nodeBinary: string;
  /** `fast` (the tests): the HPA flags below; `defaults`: kube-controller-manager's own, as a real cluster runs. */
  readonly hpaTimings: HpaTimings;
}

/** Which HPA timings the controller manager runs with. */
export type HpaTimings = 'fast' | 'defaults';

/** HPA timings shortened so an HPA test moves within seconds (defaults in brackets). */
export const FAST_HPA_FLAGS: readonly string[] = [
  '--horizontal-pod-autoscaler-sync-period=5s', // [15s]
  '--horizontal-pod-autoscaler-downscale-stabilization=15s', // [5m]
  '--horizontal-pod-autoscaler-cpu-initialization-period=10s', // [5m]
  '--horizontal-pod-autoscaler-initial-readiness-delay=5s', // [30s]
  '--horizontal-pod-autoscaler-tolerance=0.1',
];

/**
 * A node whose heartbeats stop for the grace period (default 50 s) is marked NotReady, and so is every pod on it
 * (Ready=False). A real kubelet reports its pods ready again once it reaches the API server; KWOK's pod stage only
 * matches pods without an IP, so it never does, and a pod that missed one stretch of heartbeats (the API server or
 * etcd stopped by a test, a CI machine busy for a minute) would stay unready for the rest of the run. The tests
 * never rely on node failure detection, so the grace period is long enough never to end during a run.
 */
export const CALM_NODE_LIFECYCLE_FLAGS: readonly string[] = ['--node-monitor-grace-period=1h'];

export function etcdCommand(input: CommandInput): CommandSpec {
  const client = `http://127.0.0.1:${input.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${input.ports.etcdPeer}`;
  return {
    component: 'etcd',
    command: path.join(input.binDir, 'etcd'),
    args: [
      '--name=default',
      `--data-dir=${input.layout.etcdDataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      // Test data is thrown away after the run; skipping fsync makes every write much faster.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
  };
}

export function apiServerCommand(input: CommandInput): CommandSpec {
  const { pki, layout, ports } = input;
  return {
    component: 'kube-apiserver',
    command: path.join(input.binDir, 'kube-apiserver'),
    args: [
      `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.apiServer}`,
      // Without an advertise address the API server picks the default-route interface's address.
      '--advertise-address=127.0.0.1',
      // The kubernetes Endpoints reconciler rejects a loopback address; nothing here needs those endpoints.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${pki.apiServerCert}`,
      `--tls-private-key-file=${pki.apiServerKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${pki.tokenFile}`,
      '--authorization-mode=RBAC',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--audit-policy-file=${layout.auditPolicyPath}`,
      `--audit-log-path=${layout.auditLogPath}`,
      '--audit-log-format=json',
      // The log rotates at 100 MB unless told otherwise; a mark taken before the rotation would then point past the
      // end of the new file. A thousand groups write a few hundred MB.
      '--audit-log-maxsize=4096',
      '--allow-privileged=true',
      '--profiling=false',
      `--cert-dir=${path.join(layout.pkiDir, 'apiserver-generated')}`,
      // For a real kubelet (the real-node tier): logs and exec go to the node's InternalIP (never a DNS lookup of
      // its host name), authenticated with a client certificate the kubelet checks against the test CA.
      '--kubelet-preferred-address-types=InternalIP',
      `--kubelet-client-certificate=${pki.kubeletClientCert}`,
      `--kubelet-client-key=${pki.kubeletClientKey}`,
      // The aggregator's front proxy, as in every real cluster: aggregated API servers (the operator's custom
      // metrics API) trust the user it names only with this client certificate (delegated authentication).
      `--requestheader-client-ca-file=${pki.caCert}`,
      `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.proxyClientCert}`,
      `--proxy-client-key-file=${pki.proxyClientKey}`,
    ],
  };
}

function delegatedAuthFlags(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=false',
  ];
}

export function controllerManagerCommand(input: CommandInput): CommandSpec {
  const { pki, layout, ports } = input;
  return {
    component: 'kube-controller-manager',
    command: path.join(input.binDir, 'kube-controller-manager'),
    args: [
      ...delegatedAuthFlags(layout.kubeconfigPath('kube-controller-manager')),
      `--secure-port=${ports.controllerManager}`,
      `--cert-dir=${path.join(layout.pkiDir, 'kcm-generated')}`,
      '--controllers=*',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--root-ca-file=${pki.caCert}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      ...(input.hpaTimings === 'fast' ? FAST_HPA_FLAGS : []),
      ...CALM_NODE_LIFECYCLE_FLAGS,
    ],
  };
}

export function schedulerCommand(input: CommandInput): CommandSpec {
  const { layout, ports } = input;
  return {
    component: 'kube-scheduler',
    command: path.join(input.binDir, 'kube-scheduler'),
    args: [
      ...delegatedAuthFlags(layout.kubeconfigPath('kube-scheduler')),
      `--secure-port=${ports.scheduler}`,
      `--cert-dir=${path.join(layout.pkiDir, 'scheduler-generated')}`,
    ],
  };
}

export function kwokCommand(input: CommandInput): CommandSpec {
  const { pki, layout, ports } = input;
  return {
    component: 'kwok',
    command: path.join(input.binDir, 'kwok'),
    args: [
      `--kubeconfig=${layout.kubeconfigPath('kwok')}`,
      // Without stage configs the bare kwok binary exits with "no stages found".
      ...KWOK_STAGES.map((stage) => `--config=${path.join(input.binDir, stage)}`),
      '--manage-all-nodes=true',
      // Nodes get 127.0.0.1 as their InternalIP, so even a kubelet-style call lands on loopback.
      '--node-ip=127.0.0.1',
      '--node-name=localhost',
      `--node-port=${ports.kwok}`,
      `--server-address=127.0.0.1:${ports.kwok}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--cidr=${POD_CIDR}`,
    ],
  };
}

export function metricsApiCommand(input: CommandInput): CommandSpec {
  const { pki, layout, ports } = input;
  return {
    component: 'metrics-api',
    command: input.nodeBinary,
    args: [
      '--import',
      'tsx',
      path.join(input.repoRoot, 'testbed', 'metrics-api', 'main.ts'),
      `--kubeconfig=${layout.kubeconfigPath('metrics-api')}`,
      `--port=${ports.metricsApi}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
    ],
  };
}

export function allCommands(input: CommandInput): Record<Component, CommandSpec> {
  return {
    etcd: etcdCommand(input),
    'kube-apiserver': apiServerCommand(input),
    'kube-controller-manager': controllerManagerCommand(input),
    'kube-scheduler': schedulerCommand(input),
    kwok: kwokCommand(input),
    'metrics-api': metricsApiCommand(input),
  };
}

export { apiServerUrl };
