// What one reconcile pass observed, decided and did, filled in step by step. The status (status.ts) and the Events
// (pass-events.ts) are both computed from it at the end of the pass, so each is a pure function of one object and a
// step that did not run (the configuration is missing, the FE was not read) simply leaves its fields out.
import type { ComputeNodeGroup } from '../../api/v1alpha1/index.js';
import type { Capacity } from '../../capacity/decide.js';
import type { FeError } from '../../fe/index.js';
import type { ConfigProblem } from '../../group/config.js';
import type { PodView } from '../../group/pods.js';
import type { GroupLoad } from '../../load/figures.js';
import type { MembershipPlan, PlannedAdd, PlannedDrain, PlannedDrop, ReplicaDecision } from '../../membership/index.js';
import type { ConditionUpdate } from './conditions.js';
import type { StorageConditionUpdate } from './storage.js';

/** What the FE said to this reconcile's SHOW COMPUTE NODES. */
export type FeReadOutcome =
  { kind: 'NotAttempted' } | { kind: 'Read'; feAddress: string | undefined } | { kind: 'Failed'; error: FeError };

/** A child the API server did not accept this pass. */
export interface ChildFailure {
  kind: string;
  name: string;
  /** The API server's answer is final until the group changes (invalid, forbidden); otherwise transient. */
  refused: boolean;
  error: unknown;
  /** Names the child, the group's fields it is built from, and the API server's message. */
  message: string;
}

/** Fields of a child the API server accepted but dropped (a feature gate off on this cluster). */
export interface DroppedFields {
  kind: string;
  name: string;
  paths: readonly string[];
  /** Found out by an apply of this pass (rather than remembered from an earlier one). */
  justApplied?: boolean;
}

/** The ADDs and DROPs the FE accepted this pass. */
export interface FeChanges {
  added: readonly PlannedAdd[];
  dropped: readonly PlannedDrop[];
}

export interface PassObservations {
  group: ComputeNodeGroup;
  now: Date;
  pods: readonly PodView[];
  /** Why the Secret or ConfigMap cannot be used; when set, no later step ran. */
  configProblem?: ConfigProblem | undefined;
  /** The Secret's FE user, for messages (never the password). */
  feUser?: string | undefined;
  /** NotAttempted until the FE is asked (never, while the configuration is missing). */
  fe: FeReadOutcome;
  /** What the FE accepted of this pass' ADDs and DROPs. */
  feChanges?: FeChanges | undefined;
  /** An ADD or DROP the FE refused this pass. */
  feActionError?: FeError | undefined;
  /** The group's FE membership after the FE's answers to this pass' ADD and DROP. */
  membership?: Pick<MembershipPlan, 'feKnown' | 'computeNodes' | 'servers'> | undefined;
  replicas?: ReplicaDecision | undefined;
  /** What the API server did not accept; absent when no child was applied (configuration missing). */
  childFailures?: readonly ChildFailure[] | undefined;
  /** Fields the API server dropped from the children it accepted (none when absent). */
  droppedFields?: readonly DroppedFields[] | undefined;
  /** The Autoscaling condition (autoscalingCondition); absent without a policy, and the condition goes away. */
  autoscaling?: ConditionUpdate | undefined;
  /** The StorageConfigured condition (storageCondition); absent without spec.storage or cn.conf: it goes away. */
  storage?: StorageConditionUpdate | undefined;
  /** The group's load from this pass' FE read; absent when the FE was not read (the last figures stay). */
  load?: GroupLoad | undefined;
  /** With drain.order Drain, the CNs draining now, as they are after this pass; absent when no step ran. */
  drains?: readonly PlannedDrain[] | undefined;
  /** What the group should run now (suspension, schedules); absent when the configuration is missing. */
  capacity?: Capacity | undefined;
  /** The drains whose window ended this pass, and what was done about the queries still on their CN. */
  windowsEnded?: readonly WindowEnd[] | undefined;
}

/** The end of one CN's drain window: the queries still there, killed or not, and why not. */
export interface WindowEnd {
  pod: string;
  address: string;
  windowSeconds: number;
  /** The ids of the queries killed through the FE. */
  killed: readonly string[];
  /** Queries still there that could not be killed (or not found), and why; empty when all went. */
  problems: readonly string[];
}
