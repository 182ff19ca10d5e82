// Where each kind the ComputeNodeGroup controller reads or writes lives in the API.
import { GROUP, KIND, PLURAL, VERSION } from '../../api/v1alpha1/index.js';
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

/** The kinds the builders produce, keyed by kind. */
export const CHILD_RESOURCES = {
  StatefulSet: { apiPath: '/apis/apps/v1', plural: 'statefulsets', namespaced: true, kind: 'StatefulSet' },
  Service: { apiPath: '/api/v1', plural: 'services', namespaced: true, kind: 'Service' },
  PodDisruptionBudget: {
    apiPath: '/apis/policy/v1',
    plural: 'poddisruptionbudgets',
    namespaced: true,
    kind: 'PodDisruptionBudget',
  },
  HorizontalPodAutoscaler: {
    apiPath: '/apis/autoscaling/v2',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
    kind: 'HorizontalPodAutoscaler',
  },
  CronJob: { apiPath: '/apis/batch/v1', plural: 'cronjobs', namespaced: true, kind: 'CronJob' },
  ServiceAccount: { apiPath: '/api/v1', plural: 'serviceaccounts', namespaced: true, kind: 'ServiceAccount' },
  Role: { apiPath: '/apis/rbac.authorization.k8s.io/v1', plural: 'roles', namespaced: true, kind: 'Role' },
  RoleBinding: {
    apiPath: '/apis/rbac.authorization.k8s.io/v1',
    plural: 'rolebindings',
    namespaced: true,
    kind: 'RoleBinding',
  },
} as const satisfies Record<string, ResourceRef>;

export type ChildResourceKind = keyof typeof CHILD_RESOURCES;
