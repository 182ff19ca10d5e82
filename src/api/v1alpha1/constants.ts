// Identity of the ComputeNodeGroup API. Every other module takes these names from here so that the CRD, the RBAC,
// the builders and the controllers can never disagree about them.
export const GROUP = 'starrocks.com';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ComputeNodeGroup';
/** The custom metric `autoScalingPolicy.queries` scales on (an `Object` metric describing the group). */
export const QUERY_LOAD_METRIC = 'query_load';
export const LIST_KIND = 'ComputeNodeGroupList';
export const PLURAL = 'computenodegroups';
export const SINGULAR = 'computenodegroup';
export const SHORT_NAME = 'cng';
export const CRD_NAME = `${PLURAL}.${GROUP}`;
/** Held while this group may still have compute nodes registered in the FE. */
export const FINALIZER = 'starrocks.com/fe-membership';
/**
 * The pod readiness gate of `cnInfo.registration: Operator`: the operator sets this pod condition True while the FE
 * reports the pod's CN alive, so the pod is Ready only then.
 */
export const FE_ALIVE_CONDITION = 'starrocks.com/fe-alive';

/** Secret keys of `spec.feInfo.accountSecret` (2022 names, kept). */
export const FE_USER_KEY = 'FE_USR';
export const FE_PASSWORD_KEY = 'FE_PWD';
/** ConfigMap key of `spec.cnInfo.configMap` (2022 name, kept). */
export const CN_CONF_KEY = 'cn.conf';

export const ConditionType = {
  /** Summary: the workload is available and FE membership matches the pods. */
  Ready: 'Ready',
  /** The StatefulSet has the desired number of ready pods. */
  WorkloadAvailable: 'WorkloadAvailable',
  /** The operator could connect and authenticate to an FE. */
  FEReachable: 'FEReachable',
  /** The FE's compute nodes of this group equal its pods. */
  MembershipSynced: 'MembershipSynced',
  /** The account Secret and the cn.conf ConfigMap were found and are valid. */
  ConfigResolved: 'ConfigResolved',
  /** The API server accepted every child (StatefulSet, Service, PDB, HPA, CronJob and its RBAC). */
  ChildrenApplied: 'ChildrenApplied',
  /** With an autoscaling policy: the HPA reads its metrics and can scale (not part of Ready). */
  Autoscaling: 'Autoscaling',
  /** With spec.storage: cn.conf puts the cache, spill and log directories on the volumes given for them. */
  StorageConfigured: 'StorageConfigured',
  /** With autoScalingPolicy.queries: the FE reports the per-CN load and query queue that query-aware scaling reads. */
  LoadReported: 'LoadReported',
  /** With spec.suspend, schedules or autoSuspend, or when 0 CNs were refused: whether the group is suspended. */
  Suspended: 'Suspended',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 120;
/**
 * The drain window's default: StarRocks' default `query_timeout` (300 s, every version). With it, a query either
 * finishes or reaches its own timeout within the window, so on defaults no query outlives a drain.
 */
export const DEFAULT_DRAIN_WINDOW_SECONDS = 300;
/** How a leaving CN is taken out: see the `drain.order` field. */
export const DRAIN_ORDERS = ['Drain', 'DropFirst', 'StopFirst'] as const;
export type DrainOrder = (typeof DRAIN_ORDERS)[number];
export const DEFAULT_REPLICAS = 1;
export const DEFAULT_MAX_UNAVAILABLE = 1;
/** The CN probes' defaults: 10 minutes to start (cache warm-up), then 30 s without an HTTP answer. */
export const DEFAULT_STARTUP_PROBE_SECONDS = 600;
export const DEFAULT_LIVENESS_PROBE_SECONDS = 30;
export const MAX_PROBE_SECONDS = 86_400;
/** A day to drain a CN is more than any query needs; larger values are typos (and beyond what the parser reads). */
export const MAX_TERMINATION_GRACE_PERIOD_SECONDS = 86_400;
/**
 * Longest group name whose children all get valid names: the CronJob `<name>-offline` must stay within 52
 * characters, and the StatefulSet's pods need room for `-<ordinal>` and the controller-revision-hash label.
 */
export const MAX_NAME_LENGTH = 44;

/** Where StarRocks lives in the official CN images (`STARROCKS_HOME`). */
export const CN_HOME = '/opt/starrocks/cn';
/** The CN's volumes (spec.storage): the claim template or pod volume name of each. */
export const STORAGE_VOLUMES = ['cache', 'spill', 'log'] as const;
export type StorageVolume = (typeof STORAGE_VOLUMES)[number];
/** Default mount paths: the CN's own defaults for its directories in the official image's layout. */
export const DEFAULT_STORAGE_MOUNT_PATHS: Readonly<Record<StorageVolume, string>> = {
  cache: `${CN_HOME}/storage`,
  spill: `${CN_HOME}/spill`,
  log: `${CN_HOME}/log`,
};
