import type {
  V1CronJob,
  V1ObjectMeta,
  V1PodDisruptionBudget,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

/**
 * The JSON shape of a client-node model. The models are classes, but what the builders make and the API server
 * returns are plain objects whose times are RFC 3339 strings, never Date instances; this type says so.
 */
export type Plain<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

/** A child as the builders make it: apiVersion and kind are always set, so a union of children narrows on `kind`. */
export type Typed<T, ApiVersion extends string, Kind extends string> = Omit<
  Plain<T>,
  'apiVersion' | 'kind' | 'metadata'
> & {
  apiVersion: ApiVersion;
  kind: Kind;
  metadata: ChildMetadata;
};

/** Every child is named and namespaced. */
export type ChildMetadata = Plain<V1ObjectMeta> & { name: string; namespace: string };

export type StatefulSet = Typed<V1StatefulSet, 'apps/v1', 'StatefulSet'>;
export type Service = Typed<V1Service, 'v1', 'Service'>;
export type PodDisruptionBudget = Typed<V1PodDisruptionBudget, 'policy/v1', 'PodDisruptionBudget'>;
export type HorizontalPodAutoscaler = Typed<V2HorizontalPodAutoscaler, 'autoscaling/v2', 'HorizontalPodAutoscaler'>;
export type ServiceAccount = Typed<V1ServiceAccount, 'v1', 'ServiceAccount'>;
export type Role = Typed<V1Role, 'rbac.authorization.k8s.io/v1', 'Role'>;
export type RoleBinding = Typed<V1RoleBinding, 'rbac.authorization.k8s.io/v1', 'RoleBinding'>;
export type CronJob = Typed<V1CronJob, 'batch/v1', 'CronJob'>;
