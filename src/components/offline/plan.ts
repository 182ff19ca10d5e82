// The pure core of `offline`: the operator's membership decision (planMembership), restricted to the clean-up
// of addresses whose pods are gone. offline never ADDs (the sidecar and the operator do) and never takes part in a
// scale-in (only the operator can order "leave the FE, then lower the StatefulSet").
import type { ComputeNodeGroup } from '../../api/v1alpha1/index.js';
import { memberPodOf, viewPod, type PodView } from '../../group/pods.js';
import {
  planMembership,
  type FeComputeNode,
  type MemberPod,
  type MembershipPlan,
  type PlannedDrop,
} from '../../membership/index.js';

export interface OfflineInput {
  group: ComputeNodeGroup;
  /** Raw pod objects listed with the group's label selector; anything that is not one of its pods is ignored. */
  pods: readonly unknown[];
  fe: readonly FeComputeNode[];
  /** The CN heartbeat port from the group's cn.conf (9050 by default). */
  heartbeatPort: number;
}

export interface OfflinePlan {
  /** Addresses to DROP: entries of this group whose pod is gone or whose pod now has another address. */
  drop: PlannedDrop[];
  /** Drops the operator would make but offline leaves to it (scale-in and terminating pods). */
  leftToOperator: PlannedDrop[];
  membership: MembershipPlan;
}

export function memberPods(group: ComputeNodeGroup, pods: readonly unknown[], heartbeatPort: number): MemberPod[] {
  return pods
    .map((raw) => viewPod(raw, group))
    .filter((view): view is PodView => view !== undefined)
    .map((view) => memberPodOf(group, view, heartbeatPort));
}

export function planOffline(input: OfflineInput): OfflinePlan {
  const membership = planMembership({
    pods: memberPods(input.group, input.pods, input.heartbeatPort),
    fe: input.fe,
    ledger: input.group.status?.computeNodes ?? [],
    desiredReplicas: input.group.spec.replicas,
  });
  const isCleanUp = (drop: PlannedDrop): boolean => drop.reason === 'pod-gone' || drop.reason === 'address-changed';
  return {
    drop: membership.drop.filter(isCleanUp),
    leftToOperator: membership.drop.filter((drop) => !isCleanUp(drop)),
    membership,
  };
}
