// The one table of the kinds a ComputeNodeGroup owns. Each entry says where the kind lives in the API, which of the
// desired children it is (absent = not wanted: the reconciler deletes an existing one), how the child is named, and
// the verbs the operator needs on it. The reconciler applies and prunes from this table, the controller caches one
// informer per entry, and `npm run generate` writes the operator's RBAC from it: adding a child kind is one entry
// here plus its builder.
import type { Verb } from '../kube/access.js';
import type { ResourceRef } from '../kube/objects.js';
import type { DesiredChildren } from './children.js';
import {
  headlessServiceName,
  horizontalPodAutoscalerName,
  offlineName,
  podDisruptionBudgetName,
  statefulSetName,
  type GroupIdentity,
} from './names.js';
import type {
  CronJob,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  Role,
  RoleBinding,
  Service,
  ServiceAccount,
  StatefulSet,
} from './plain.js';

/** A child is cached (list, watch), server-side applied (get, create, patch, update) and pruned (delete). */
export const CHILD_VERBS: readonly Verb[] = ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'];

/** A subresource the operator writes, and why: each becomes an RBAC rule of its own. */
export interface SubresourceAccess {
  name: string;
  verbs: readonly Verb[];
  why: string;
}

export interface ChildKindEntry<Object extends { kind: string } = Child> {
  kind: Object['kind'];
  /** The fields of the group it is built from: what to fix when the API server refuses it. */
  source: string;
  resource: ResourceRef;
  /** The desired child of this kind, or undefined when the group does not want one. */
  desired(children: DesiredChildren): Object | undefined;
  /** Its name for a group: what the reconciler deletes when `desired` is undefined. */
  name(group: GroupIdentity): string;
  /** The field without which the group wants none (docs/resources.md says so); absent: every group wants one. */
  onlyWith?: string;
  verbs: readonly Verb[];
  subresources?: readonly SubresourceAccess[];
}

export type Child =
  StatefulSet | Service | PodDisruptionBudget | HorizontalPodAutoscaler | ServiceAccount | Role | RoleBinding | CronJob;
export type ChildKind = Child['kind'];

/** Types one entry against its own kind, so `desired` cannot return another kind's object. */
const entry = <Object extends Child>(value: ChildKindEntry<Object>): ChildKindEntry => value;

/** In apply order: the Service before the pods that use its DNS names, RBAC before the CronJob that runs as it. */
export const CHILD_KINDS: readonly ChildKindEntry[] = [
  entry<Service>({
    kind: 'Service',
    source: 'spec.cnInfo (the ports of cn.conf)',
    resource: { apiPath: '/api/v1', plural: 'services', namespaced: true, kind: 'Service' },
    desired: (children) => children.service,
    name: headlessServiceName,
    verbs: CHILD_VERBS,
  }),
  entry<StatefulSet>({
    kind: 'StatefulSet',
    source: 'spec.images, spec.podPolicy, spec.replicas',
    resource: { apiPath: '/apis/apps/v1', plural: 'statefulsets', namespaced: true, kind: 'StatefulSet' },
    desired: (children) => children.statefulSet,
    name: statefulSetName,
    verbs: CHILD_VERBS,
    subresources: [
      {
        name: 'scale',
        verbs: ['patch', 'update'],
        why: 'Deleting a group stops its pods through the scale subresource before the last FE check.',
      },
    ],
  }),
  entry<PodDisruptionBudget>({
    kind: 'PodDisruptionBudget',
    source: 'spec.podDisruptionBudget',
    resource: {
      apiPath: '/apis/policy/v1',
      plural: 'poddisruptionbudgets',
      namespaced: true,
      kind: 'PodDisruptionBudget',
    },
    desired: (children) => children.podDisruptionBudget,
    name: podDisruptionBudgetName,
    verbs: CHILD_VERBS,
  }),
  entry<HorizontalPodAutoscaler>({
    kind: 'HorizontalPodAutoscaler',
    source: 'spec.autoScalingPolicy',
    resource: {
      apiPath: '/apis/autoscaling/v2',
      plural: 'horizontalpodautoscalers',
      namespaced: true,
      kind: 'HorizontalPodAutoscaler',
    },
    desired: (children) => children.horizontalPodAutoscaler,
    name: horizontalPodAutoscalerName,
    onlyWith: 'spec.autoScalingPolicy',
    verbs: CHILD_VERBS,
  }),
  entry<ServiceAccount>({
    kind: 'ServiceAccount',
    source: 'spec.cronJobPolicy',
    resource: { apiPath: '/api/v1', plural: 'serviceaccounts', namespaced: true, kind: 'ServiceAccount' },
    desired: (children) => children.offline?.serviceAccount,
    name: offlineName,
    onlyWith: 'spec.cronJobPolicy.schedule',
    verbs: CHILD_VERBS,
  }),
  entry<Role>({
    kind: 'Role',
    source: 'spec.cronJobPolicy',
    resource: { apiPath: '/apis/rbac.authorization.k8s.io/v1', plural: 'roles', namespaced: true, kind: 'Role' },
    desired: (children) => children.offline?.role,
    name: offlineName,
    onlyWith: 'spec.cronJobPolicy.schedule',
    verbs: CHILD_VERBS,
  }),
  entry<RoleBinding>({
    kind: 'RoleBinding',
    source: 'spec.cronJobPolicy',
    resource: {
      apiPath: '/apis/rbac.authorization.k8s.io/v1',
      plural: 'rolebindings',
      namespaced: true,
      kind: 'RoleBinding',
    },
    desired: (children) => children.offline?.roleBinding,
    name: offlineName,
    onlyWith: 'spec.cronJobPolicy.schedule',
    verbs: CHILD_VERBS,
  }),
  entry<CronJob>({
    kind: 'CronJob',
    source: 'spec.cronJobPolicy',
    resource: { apiPath: '/apis/batch/v1', plural: 'cronjobs', namespaced: true, kind: 'CronJob' },
    desired: (children) => children.offline?.cronJob,
    name: offlineName,
    onlyWith: 'spec.cronJobPolicy.schedule',
    verbs: CHILD_VERBS,
  }),
];

/** The table's entry for a kind. */
export function childKind(kind: ChildKind): ChildKindEntry {
  const found = CHILD_KINDS.find((candidate) => candidate.kind === kind);
  if (found === undefined) throw new Error(`${kind} is not in CHILD_KINDS`);
  return found;
}

/** The wanted children as one list, in the table's (apply) order. */
export function childrenList(children: DesiredChildren): Child[] {
  return CHILD_KINDS.flatMap((kind) => {
    const child = kind.desired(children);
    return child === undefined ? [] : [child];
  });
}
