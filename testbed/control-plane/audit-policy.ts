// The API server's audit policy. Every request of every user is recorded at Metadata level (who, verb, resource,
// response code), except the control plane's own chatter: kwok's status updates and the fake metrics backend
// entirely, and the read-only traffic (get/list/watch) of the controller manager and the scheduler. Their writes
// stay, so a test can see, for example, the HPA controller changing a scale subresource. Service-account users
// (system:serviceaccount:...) are never excluded: the operator may run as one.
import { stringify } from 'yaml';
import { USER_NAMES } from './layout.js';

export const EXCLUDED_USERS: readonly string[] = [USER_NAMES.kwok, USER_NAMES['metrics-api'], 'system:apiserver'];
export const READS_EXCLUDED_USERS: readonly string[] = [
  USER_NAMES['kube-controller-manager'],
  USER_NAMES['kube-scheduler'],
];

export function auditPolicy(): string {
  return stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    // RequestReceived is kept: it is written before the request is served, so a mark taken before a call sees it.
    omitStages: ['ResponseStarted'],
    rules: [
      { level: 'None', users: [...EXCLUDED_USERS] },
      { level: 'None', users: [...READS_EXCLUDED_USERS], verbs: ['get', 'list', 'watch'] },
      { level: 'Metadata' },
    ],
  });
}
