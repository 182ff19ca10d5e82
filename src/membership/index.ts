// Pure FE membership decisions: the ownership rule, what to add and drop, the status
// view, and the scale-in order. No I/O here: the operator and the `offline` program feed in what they observed.
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
  applyOutcome,
  planMembership,
} from './plan.js';
export { type ScaleInInput, type ScaleInPlan, planScaleIn } from './scale-in.js';
