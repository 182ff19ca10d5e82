// Every kind the ComputeNodeGroup controller touches that it does not own: where it lives in the API and what the
// operator does with it. The owned kinds are in builders/child-kinds.ts; rbac.ts turns both tables into the
// operator's RBAC rules.
import { GROUP, KIND, PLURAL, VERSION } from '../../api/v1alpha1/index.js';
import type { Access, Verb } from '../../kube/access.js';
import type { ResourceRef } from '../../kube/objects.js';

export const GROUP_RESOURCE: ResourceRef = {
  apiPath: `/apis/${GROUP}/${VERSION}`,
  plural: PLURAL,
  namespaced: true,
  kind: KIND,
};
export const POD: ResourceRef = { apiPath: '/api/v1', plural: 'pods', namespaced: true, kind: 'Pod' };
export const SECRET: ResourceRef = { apiPath: '/api/v1', plural: 'secrets', namespaced: true, kind: 'Secret' };
export const CONFIG_MAP: ResourceRef = {
  apiPath: '/api/v1',
  plural: 'configmaps',
  namespaced: true,
  kind: 'ConfigMap',
};

const CACHED: readonly Verb[] = ['get', 'list', 'watch'];

/** The grants on kinds the operator does not own. */
export const OTHER_ACCESS: readonly Access[] = [
  // Cached; patched to add and remove the finalizer.
  { apiGroups: [GROUP], resource: PLURAL, verbs: [...CACHED, 'patch', 'update'] },
  { apiGroups: [GROUP], resource: `${PLURAL}/status`, verbs: ['get', 'patch', 'update'] },
  { apiGroups: [GROUP], resource: `${PLURAL}/finalizers`, verbs: ['get', 'patch', 'update'] },
  { apiGroups: [''], resource: POD.plural, verbs: CACHED },
  {
    apiGroups: [''],
    resource: `${POD.plural}/status`,
    verbs: ['patch'],
    why: 'With cnInfo.registration: Operator, the operator sets the readiness gate condition on its CN pods.',
  },
  { apiGroups: [''], resource: SECRET.plural, verbs: CACHED },
  { apiGroups: [''], resource: CONFIG_MAP.plural, verbs: CACHED },
  { apiGroups: ['', 'events.k8s.io'], resource: 'events', verbs: ['create', 'patch', 'update'] },
];
