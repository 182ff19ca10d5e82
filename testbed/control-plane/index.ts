// The control plane's entry point: start and stop one (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, kwok, the metrics API) in a run folder, find a running one, run its kubectl and read its audit log.
// The same runs as a command (main.ts) for the hack/ scripts.
export {
  down,
  environmentOf,
  readState,
  startComponent,
  stopComponent,
  up,
  type ControlPlane,
  type ControlPlaneState,
  type Flavour,
  type InterruptibleComponent,
} from './control-plane.js';
export { COMPONENTS, USER_NAMES, runLayout, type Component, type Identity, type RunLayout } from './layout.js';
export { runKubectl, type KubectlResult } from './kubectl.js';
export { isAlive, readPidFile } from './processes.js';
export { kwokNode } from './manifests.js';
export { CUSTOM_METRICS_SERVICE, pkiFiles, type PkiFiles } from './pki.js';
export {
  auditMark,
  countAudit,
  matchesAudit,
  readAuditRequests,
  type AuditFilter,
  type AuditMark,
  type AuditRequest,
} from './audit.js';
