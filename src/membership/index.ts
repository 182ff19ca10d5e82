// Pure FE membership decisions: the ownership rule, what to add and drop, the status view, and the scale-in order.
// No I/O here: the operator and the `offline` program feed in what they observed.
export {
  type DropReason,
  type FeComputeNode,
  type LedgerEntry,
  type MemberPod,
  type MembershipInput,
  type MembershipOutcome,
  type MembershipPlan,
  type PlannedAdd,
  type PlannedDrop,
  type ServersCounters,
  planMembership,
} from './plan.js';
export {
  type ReplicaDecision,
  type ReplicaInputs,
  type ScaleInInput,
  type ScaleInPlan,
  SCALE_IN_WITHOUT_FE,
  WAITING_FOR_FE_DROP,
  decideReplicas,
  feAfterActions,
  planScaleIn,
  waitingSince,
} from './scale-in.js';
export {
  type DeletionDrainInput,
  type DrainInput,
  type DrainState,
  type PlannedDrain,
  nextWindowEndMs,
  planDeletionDrains,
  planDrains,
  recordedDrains,
} from './drain.js';
export { type GateChange, type GatedPod, type ReadinessGatePlan, planReadinessGates } from './readiness.js';
export { isLeaving } from '../cn/index.js';
