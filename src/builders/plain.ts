import type {
  V1CronJob,
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

export type StatefulSet = Plain<V1StatefulSet>;
export type Service = Plain<V1Service>;
export type PodDisruptionBudget = Plain<V1PodDisruptionBudget>;
export type HorizontalPodAutoscaler = Plain<V2HorizontalPodAutoscaler>;
export type ServiceAccount = Plain<V1ServiceAccount>;
export type Role = Plain<V1Role>;
export type RoleBinding = Plain<V1RoleBinding>;
export type CronJob = Plain<V1CronJob>;
