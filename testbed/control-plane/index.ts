// The control plane's entry point: start and stop one (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, kwok, the metrics API) in a run folder, and the view a test process has of the one it runs against
// (client.ts: kubectl, namespaces, the audit log). The same start and stop run as a command (main.ts) for hack/.
export {
  down,
  environmentOf,
  startComponent,
  stopComponent,
  up,
  type ControlPlane,
  type ControlPlaneState,
  type Flavour,
  type InterruptibleComponent,
} from './control-plane.js';
export { type HpaTimings } from './args.js';
export { COMPONENTS, USER_NAMES, runLayout, type Component, type Identity, type RunLayout } from './layout.js';
export { runKubectl, type KubectlResult } from './kubectl.js';
export { isAlive, readPidFile } from './processes.js';
export { kwokNode } from './manifests.js';
export { CUSTOM_METRICS_SERVICE, pkiFiles, type PkiFiles } from './pki.js';
export { countAudit, matchesAudit, type AuditFilter, type AuditMark, type AuditRequest } from './audit.js';
export {
  auditMark,
  auditRequestsSince,
  e2eEnvironment,
  freshNamespace,
  kubeConfig,
  kubectl,
  kubectlCreate,
  OPERATOR_USER,
  operatorKubeconfigPath,
  setPodMetrics,
  useNamespace,
  yamlObjects,
  type E2eEnvironment,
  type PodUsage,
  type TestNamespace,
} from './client.js';
