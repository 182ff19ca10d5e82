// Every reason the operator writes: on the group's conditions, on its Events, and on the CN pods' readiness-gate
// condition. Reasons are part of the API (alerts, runbooks and scripts match on them), so they live in one table: the
// code can only use a reason listed here (the types below), and a unit test fails when one of them is missing from
// docs/troubleshooting.md. Each entry says in a few words what the reason means; the docs say what to do.
//
// The Autoscaling condition also mirrors the HPA's own reasons (FailedGetResourceMetric, ScaleDownStabilized, ...):
// those belong to Kubernetes, pass through `mirroredReason`, and are documented as a family.

export const CONDITION_REASONS = {
  // Ready (and any other condition's reason, which Ready repeats when that condition blocks it)
  Ready: 'every condition that counts towards Ready is True',
  InvalidSpec: 'the spec got past admission but does not parse (an older CRD schema, a hand-edited object)',
  // ConfigResolved
  Resolved: 'the account Secret (and the cn.conf ConfigMap, if named) were found and read',
  SecretNotFound: 'spec.feInfo.accountSecret names a Secret that does not exist',
  SecretInvalid: 'the account Secret lacks FE_USR or FE_PWD, or they are not usable',
  ConfigMapNotFound: 'spec.cnInfo.configMap names a ConfigMap that does not exist',
  ConfigMapInvalid: 'the cn.conf ConfigMap lacks the cn.conf key, or cn.conf does not parse',
  ConfigUnresolved: 'waiting for the Secret and ConfigMap before this condition can be judged',
  // ChildrenApplied
  Applied: 'the API server accepted every child',
  ChildRefused: 'the API server refused a child (its message names the field)',
  ApplyFailed: 'a child could not be applied for a transient reason; retried with backoff',
  FieldsDropped: 'the API server accepted every child but dropped fields it does not serve (a feature gate off)',
  // WorkloadAvailable
  CNsUp: 'every desired CN pod is up',
  CNsStarting: 'some CN pods are being scheduled or are starting',
  CNImagePullFailed: 'the cn container cannot pull its image',
  CNConfigError: 'the cn container cannot be configured (a missing Secret or ConfigMap key)',
  CNStartScriptMissing: 'the cn container command does not exist in the image',
  CNStartFailed: 'the cn container keeps failing to start',
  RegisterStartFailed: 'the register sidecar cannot start: its image is not this operator image',
  // FEReachable (the FE client's error kinds)
  Connected: 'an FE answered',
  Unreachable: 'no FE address answered',
  Timeout: 'the FE did not answer in time',
  AuthenticationFailed: 'the FE refused the account of the Secret',
  MissingPrivilege: 'the account lacks the NODE privilege',
  InvalidAddress: 'an address was refused before it reached the FE',
  Unknown: 'the FE answered with an error the operator does not classify',
  // MembershipSynced
  Synced: 'the FE lists every running CN of the group and no other',
  FEUnknown: 'the FE has not been read (yet), so membership cannot be judged',
  FEUpdateFailed: 'an ADD or DROP COMPUTE NODE statement failed',
  StaleEntries: 'the FE lists CNs of the group that have no pod; they are being dropped',
  WaitingForFEDrop: 'scale-in waits until the FE has dropped the leaving CNs',
  // Autoscaling (besides the HPA's own reasons)
  Scaling: 'the HPA reads its metrics and can scale',
  HPAPending: 'the HPA has not reported yet',
  MissingCPURequest: 'the HPA scales on CPU utilization but the cn container has no CPU request',
  Paused: 'the group is suspended: its HPA is removed until it resumes',
  // StorageConfigured
  Configured: 'cn.conf puts the cache, spill and log directories on their volumes',
  PathOutsideVolume: 'a cn.conf directory is not inside the volume given for it',
  HostPathCacheUnsized: 'a hostPath cache shared by several CNs has no datacache_disk_size',
  // LoadReported
  Reported: 'the FE reports per-CN load and its query queue',
  NoLoadColumns: 'the FE does not report per-CN load (before StarRocks 3.1)',
  QueueUnsupported: 'the FE has no SHOW RUNNING QUERIES (before 3.1.4)',
  QueueNotRead: 'the FE query queue could not be read in this period',
  // Suspended (True: by what; False: running, or 0 CNs refused)
  Spec: 'spec.suspend is true: every CN is taken out, replicas are kept to come back to',
  Schedule: 'a schedule window that suspends the group is open',
  Idle: 'the group had no work for autoSuspend.idleSeconds and was suspended',
  Running: 'the group is not suspended',
  ZeroComputeRefused: 'the group would leave the FE without any alive BE or CN; it keeps 1 CN',
} as const;

export const EVENT_REASONS = {
  CNAdded: 'the operator added CNs to the FE',
  CNDropped: 'the operator dropped CNs from the FE',
  FEUpdateFailed: 'an ADD or DROP COMPUTE NODE statement failed',
  FEUnreachable: 'no FE address answered',
  FETimeout: 'the FE did not answer in time',
  FEAuthenticationFailed: 'the FE refused the account of the Secret',
  FEMissingPrivilege: 'the account lacks the NODE privilege',
  FEInvalidAddress: 'an address was refused before it reached the FE',
  FEUnknown: 'the FE answered with an error the operator does not classify',
  ChildRefused: 'the API server refused a child',
  FieldsDropped: 'the API server dropped fields of a child; they have no effect',
  InvalidSpec: 'the spec does not parse',
  SecretNotFound: 'the account Secret does not exist',
  SecretInvalid: 'the account Secret lacks FE_USR or FE_PWD',
  ConfigMapNotFound: 'the cn.conf ConfigMap does not exist',
  ConfigMapInvalid: 'the cn.conf ConfigMap is not usable',
  MissingCPURequest: 'CPU autoscaling without a CPU request',
  PathOutsideVolume: 'a cn.conf directory is not inside its volume',
  HostPathCacheUnsized: 'a shared hostPath cache has no size',
  ScaleInWithoutFE: 'the FE stayed unreachable; leaving CNs stop now and leave the FE later',
  DrainWindowOver: 'a leaving CN still ran queries when its drain window ended; they were killed (or could not be)',
  DeletionPending: 'the group cannot finish its deletion yet',
  FEMembersLeftBehind: 'the deletion gave up; CNs may still be listed in the FE',
  StopPodsFailed: 'the pods of a deleted group could not be stopped',
  Suspended: 'the group was suspended: its CNs are taken out through the scale-in path',
  Resumed: 'the group was resumed: its CNs come back',
  WindowOpened: 'a schedule window opened',
  WindowClosed: 'a schedule window closed',
  ZeroComputeRefused: 'the group wanted 0 CNs but the FE would be left without any alive BE or CN',
} as const;

/** Reasons of the `starrocks.com/fe-alive` pod condition (`cnInfo.registration: Operator`). */
export const POD_CONDITION_REASONS = {
  CNAlive: 'the FE reports the CN alive',
  CNNotAlive: 'the FE lists the CN but not alive',
  CNNotRegistered: 'the FE does not list the CN',
} as const;

export type OwnConditionReason = keyof typeof CONDITION_REASONS;
export type EventReason = keyof typeof EVENT_REASONS;
export type PodConditionReason = keyof typeof POD_CONDITION_REASONS;

declare const mirrored: unique symbol;
/** A reason taken from another controller's object (the HPA's conditions), passed through as it is. */
export type MirroredReason = string & { readonly [mirrored]: true };
export type ConditionReason = OwnConditionReason | MirroredReason;

export function mirroredReason(reason: string): MirroredReason {
  return reason as MirroredReason;
}
