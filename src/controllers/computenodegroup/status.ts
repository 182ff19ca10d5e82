// The group's status, computed from what this reconcile observed and did (observations.ts). Pure: the same
// observations give the same status, so a quiet reconcile produces an identical object and no write.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import {
  ConditionType,
  computeNodeGroupStatusSchema,
  mirroredReason,
  type ComputeNodeGroup,
  type ComputeNodeGroupStatus,
  type ComputeNodeStatus,
  type LoadStatus,
  type ServersCounters,
} from '../../api/v1alpha1/index.js';
import type { GroupLoad } from '../../load/figures.js';
import { labelSelectorString } from '../../builders/names.js';
import type { FeError } from '../../fe/index.js';
import { WAITING_FOR_FE_DROP, type PlannedDrain } from '../../membership/index.js';
import { controlsCapacity, suspensionStatus } from './capacity.js';
import { mergeConditions, readyCondition, type ConditionUpdate } from './conditions.js';
import type { DroppedFields, PassObservations } from './observations.js';

/** Why the API server drops a field the builders set, where it is known. */
const DROPPED_FIELD_HINTS: Readonly<Record<string, string>> = {
  'spec.updateStrategy.rollingUpdate.maxUnavailable':
    'spec.updateStrategy.maxUnavailable needs the MaxUnavailableStatefulSet feature gate (off by default up to Kubernetes 1.36); the rollout replaces one CN at a time',
};

export function droppedFieldsMessage(dropped: readonly DroppedFields[]): string {
  const fields = dropped.map(({ kind, name, paths }) => `${kind} ${name}: ${paths.join(', ')}`).join('; ');
  const hints = dropped.flatMap(({ paths }) => paths.flatMap((path) => DROPPED_FIELD_HINTS[path] ?? []));
  const why =
    hints.length > 0
      ? hints.join('; ')
      : 'the cluster does not serve them (a feature gate off, an older Kubernetes) or an admission webhook removed them';
  return `the API server accepted every child but dropped ${fields}, so they have no effect: ${why}`;
}

/** The status is computed from the pass' observations alone. */
export type StatusInputs = PassObservations;

/** Conditions reported beside Ready, not in it; each goes away when its input is undefined. */
const SIDE_CONDITIONS = [
  ConditionType.Autoscaling,
  ConditionType.StorageConfigured,
  ConditionType.LoadReported,
  ConditionType.Suspended,
] as const;

/** What the status reads of a group whose spec does not parse. */
const invalidGroupView = z.looseObject({
  metadata: z.looseObject({ generation: z.int().optional() }),
  status: z.unknown().optional(),
});

/**
 * Ready=False InvalidSpec for a group the operator cannot read; undefined when the status already says so (it is
 * written once per generation). The rest of the status is kept as it is (when it parses), so the ledger of registered
 * addresses survives until the spec is fixed.
 */
export function invalidSpecStatus(raw: unknown, message: string, now: Date): ComputeNodeGroupStatus | undefined {
  const view = invalidGroupView.safeParse(raw);
  if (!view.success) return undefined;
  const generation = view.data.metadata.generation;
  const previous = computeNodeGroupStatusSchema.safeParse(view.data.status ?? {});
  const status: ComputeNodeGroupStatus = previous.success ? previous.data : {};
  const conditions = mergeConditions(
    status.conditions ?? [],
    [{ type: ConditionType.Ready, status: 'False', reason: 'InvalidSpec', message }],
    generation,
    now,
  );
  const next: ComputeNodeGroupStatus = { ...status, conditions };
  if (generation !== undefined) next.observedGeneration = generation;
  return isDeepStrictEqual(next, status) ? undefined : next;
}

export function buildStatus(inputs: StatusInputs): ComputeNodeGroupStatus {
  const { group } = inputs;
  const previous = group.status;
  const updates = [
    configCondition(inputs),
    childrenCondition(inputs),
    workloadCondition(inputs),
    feCondition(inputs),
    membershipCondition(inputs),
  ];
  const livePods = inputs.pods.filter((pod) => !pod.terminating);
  // Autoscaling and StorageConfigured are reported beside Ready, not in it; without their input they go away.
  const suspension = inputs.capacity === undefined ? previous?.suspension : suspensionStatus(group, inputs.capacity);
  const side = [inputs.autoscaling, inputs.storage, loadCondition(inputs), suspendedCondition(inputs)].filter(
    (update) => update !== undefined,
  );
  const merged = mergeConditions(
    previous?.conditions ?? [],
    [readyCondition(updates), ...updates, ...side],
    group.metadata.generation,
    inputs.now,
  );
  const absent = SIDE_CONDITIONS.filter((type) => !side.some((update) => update.type === type));
  const status: ComputeNodeGroupStatus = {
    observedGeneration: group.metadata.generation,
    conditions: merged.filter((condition) => !(absent as readonly string[]).includes(condition.type)),
    replicas: livePods.length,
    readyReplicas: livePods.filter((pod) => pod.ready).length,
    labelSelector: labelSelectorString(group),
    servers: inputs.membership?.servers ?? previous?.servers,
    registeredReplicas: registeredCount(inputs.membership?.servers) ?? previous?.registeredReplicas,
    // Without a plan (configuration missing) the ledger is carried over untouched: no address may be forgotten.
    computeNodes: withDrains(inputs.membership?.computeNodes ?? previous?.computeNodes ?? [], inputs.drains),
    load: inputs.load === undefined ? previous?.load : loadStatus(inputs.load),
    suspension,
  };
  if (status.load === undefined) delete status.load;
  if (status.suspension === undefined) delete status.suspension;
  if (status.observedGeneration === undefined) delete status.observedGeneration;
  if (status.servers === undefined) delete status.servers;
  if (status.registeredReplicas === undefined) delete status.registeredReplicas;
  return status;
}

/**
 * Each CN's drain on its ledger entry. Without this pass' drains (the configuration is missing) the entries keep
 * what they had; with them, an entry has a drain exactly when its pod drains now.
 */
function withDrains(
  entries: readonly ComputeNodeStatus[],
  drains: readonly PlannedDrain[] | undefined,
): ComputeNodeStatus[] {
  if (drains === undefined) return [...entries];
  const byPod = new Map(drains.map((drain) => [drain.pod, drain.state]));
  return entries.map(({ drain: _previous, ...entry }) => {
    const state = byPod.get(entry.pod);
    if (state === undefined) return entry;
    const { killedQueries, ...times } = state;
    return { ...entry, drain: killedQueries === undefined ? times : { ...times, killedQueries } };
  });
}

/** The figures the FE gave; a figure its version lacks is left out. */
function loadStatus(load: GroupLoad): LoadStatus {
  const status: LoadStatus = { aliveComputeNodes: load.aliveComputeNodes };
  if (load.queryLoad !== null) status.queryLoad = load.queryLoad;
  if (load.runningQueries !== null) status.runningQueries = load.runningQueries;
  if (load.pendingQueries !== null) status.pendingQueries = load.pendingQueries;
  if (load.slotLoad !== null) status.slotLoad = load.slotLoad;
  // Whole percents: finer figures would rewrite the status at every read for noise (Prometheus has the exact ones).
  if (load.cpuUsedPercent !== null) status.cpuUsedPercent = Math.round(load.cpuUsedPercent);
  if (load.memUsedPercent !== null) status.memUsedPercent = Math.round(load.memUsedPercent);
  return status;
}

/**
 * With spec.suspend, schedules or autoSuspend (or a refusal of 0 CNs): whether the group is suspended, by what, or
 * why 0 CNs were refused. Without this pass' decision (the configuration is missing) it keeps its last state.
 */
function suspendedCondition({ group, capacity }: StatusInputs): ConditionUpdate | undefined {
  const type = ConditionType.Suspended;
  if (capacity === undefined) {
    const previous = group.status?.conditions?.find((condition) => condition.type === type);
    if (previous === undefined) return undefined;
    return { type, status: previous.status, reason: mirroredReason(previous.reason), message: previous.message };
  }
  if (!controlsCapacity(group, capacity)) return undefined;
  if (capacity.refused !== undefined) {
    return { type, status: 'False', reason: 'ZeroComputeRefused', message: capacity.refused };
  }
  const suspended = capacity.memory.suspended;
  if (suspended === undefined) {
    const unknown = capacity.workUnknown === undefined ? '' : `; idle time starts over: ${capacity.workUnknown}`;
    return { type, status: 'False', reason: 'Running', message: `the group is not suspended${unknown}` };
  }
  const by = { Spec: 'spec.suspend', Schedule: 'a schedule window', Idle: 'autoSuspend (no work)' }[suspended.by];
  return {
    type,
    status: 'True',
    reason: suspended.by,
    message: `suspended by ${by} since ${suspended.since.toISOString()}: its CNs are taken out through the scale-in path`,
  };
}

/**
 * With query-aware autoscaling (`autoScalingPolicy.queries`): whether the FE reports what it reads. Without it the
 * condition goes away; while the FE is not read it keeps its last state (the figures do too).
 */
function loadCondition({ group, load }: StatusInputs): ConditionUpdate | undefined {
  if (group.spec.autoScalingPolicy?.queries === undefined) return undefined;
  const type = ConditionType.LoadReported;
  if (load === undefined) {
    const previous = group.status?.conditions?.find((condition) => condition.type === type);
    return previous === undefined
      ? { type, status: 'Unknown', reason: 'FEUnknown', message: 'the FE has not been read yet' }
      : { type, status: previous.status, reason: mirroredReason(previous.reason), message: previous.message };
  }
  const [first] = load.gaps;
  if (first === undefined) {
    return {
      type,
      status: 'True',
      reason: 'Reported',
      message: 'the FE reports per-CN load and its query queue',
    };
  }
  return { type, status: 'False', reason: first.kind, message: load.gaps.map((gap) => gap.message).join('; ') };
}

/** The Registered printer column: CNs of this group's pods that the FE lists, alive or not. */
function registeredCount(servers: ServersCounters | undefined): number | undefined {
  return servers === undefined ? undefined : servers.available + servers.unavailable;
}

function configCondition({ configProblem, group }: StatusInputs): ConditionUpdate {
  if (configProblem !== undefined) {
    return { type: ConditionType.ConfigResolved, status: 'False', ...configProblem };
  }
  const configMap = group.spec.cnInfo.configMap;
  return {
    type: ConditionType.ConfigResolved,
    status: 'True',
    reason: 'Resolved',
    message:
      `Secret ${group.spec.feInfo.accountSecret} found` +
      (configMap === undefined
        ? '; no cn.conf ConfigMap, CN defaults apply'
        : ` and cn.conf read from ConfigMap ${configMap}`),
  };
}

function childrenCondition({ childFailures, droppedFields = [] }: StatusInputs): ConditionUpdate {
  const type = ConditionType.ChildrenApplied;
  if (childFailures === undefined) {
    return { type, status: 'Unknown', reason: 'ConfigUnresolved', message: 'waiting for the Secret and ConfigMap' };
  }
  const failure = childFailures.find((candidate) => candidate.refused) ?? childFailures[0];
  if (failure === undefined && droppedFields.length > 0) {
    // Still True: the group runs as the cluster allows; the message says what has no effect.
    return { type, status: 'True', reason: 'FieldsDropped', message: droppedFieldsMessage(droppedFields) };
  }
  if (failure === undefined)
    return { type, status: 'True', reason: 'Applied', message: 'the API server accepted every child' };
  const more = childFailures.length > 1 ? ` (and ${childFailures.length - 1} more)` : '';
  return {
    type,
    status: 'False',
    reason: failure.refused ? 'ChildRefused' : 'ApplyFailed',
    message: failure.message + more,
  };
}

function workloadCondition({ configProblem, pods, group, capacity }: StatusInputs): ConditionUpdate {
  const type = ConditionType.WorkloadAvailable;
  if (configProblem !== undefined) {
    return { type, status: 'Unknown', reason: 'ConfigUnresolved', message: 'waiting for the Secret and ConfigMap' };
  }
  const failing = pods.find((pod) => pod.cnProblem !== undefined);
  if (failing?.cnProblem !== undefined) {
    return {
      type,
      status: 'False',
      reason: failing.cnProblem.reason,
      message: `pod ${failing.name}: ${failing.cnProblem.message}`,
    };
  }
  const desired = capacity?.replicas ?? group.spec.replicas;
  const up = pods.filter((pod) => pod.cnUp && pod.ordinal < desired).length;
  if (up >= desired) {
    return { type, status: 'True', reason: 'CNsUp', message: `${up} of ${desired} CNs are up` };
  }
  return {
    type,
    status: 'False',
    reason: 'CNsStarting',
    message: `${up} of ${desired} CNs are up; the others are being scheduled or are starting (kubectl get pods -l ${labelSelectorString(group)})`,
  };
}

function feCondition({ fe, group, feUser }: StatusInputs): ConditionUpdate {
  const type = ConditionType.FEReachable;
  switch (fe.kind) {
    case 'NotAttempted':
      return { type, status: 'Unknown', reason: 'ConfigUnresolved', message: 'the FE account is not known yet' };
    case 'Read':
      return {
        type,
        status: 'True',
        reason: 'Connected',
        message: fe.feAddress === undefined ? 'the FE answered' : `FE ${fe.feAddress} answered`,
      };
    case 'Failed':
      return { type, status: 'False', reason: fe.error.kind, message: feFailureMessage(fe.error, group, feUser) };
  }
}

/** What went wrong talking to the FE, and what the user can do about it. */
export function feFailureMessage(error: FeError, group: ComputeNodeGroup, feUser: string | undefined): string {
  const addresses = group.spec.feInfo.addresses.join(', ');
  const secret = group.spec.feInfo.accountSecret;
  const user = feUser ?? '(unknown)';
  switch (error.kind) {
    case 'Unreachable':
      return `no FE answered at ${addresses}: ${error.message}; check spec.feInfo.addresses (host:query_port) and that the operator can reach it`;
    case 'Timeout':
      return `the FE at ${addresses} did not answer in time: ${error.message}`;
    case 'AuthenticationFailed':
      return `the FE refused user ${user}: check FE_USR and FE_PWD in Secret ${secret}`;
    case 'MissingPrivilege':
      return `user ${user} lacks the NODE privilege: GRANT NODE ON SYSTEM TO USER ${user} (StarRocks 3.x) or GRANT NODE_PRIV ON *.* TO ${user} (2.x)`;
    case 'InvalidAddress':
      return `an address was refused before reaching the FE: ${error.message}`;
    case 'Unknown':
      return `the FE answered with an error: ${error.feMessage ?? error.message}`;
  }
}

function membershipCondition(inputs: StatusInputs): ConditionUpdate {
  const type = ConditionType.MembershipSynced;
  const { membership, replicas, feActionError } = inputs;
  if (membership === undefined || !membership.feKnown) {
    if (replicas?.kind === WAITING_FOR_FE_DROP) return waitingForDrop(replicas.leaving);
    return { type, status: 'Unknown', reason: 'FEUnknown', message: 'the FE could not be read' };
  }
  if (feActionError !== undefined) {
    return {
      type,
      status: 'False',
      reason: 'FEUpdateFailed',
      message: feFailureMessage(feActionError, inputs.group, inputs.feUser),
    };
  }
  if (replicas?.kind === WAITING_FOR_FE_DROP) return waitingForDrop(replicas.leaving);
  const { useless } = membership.servers;
  if (useless > 0) {
    return {
      type,
      status: 'False',
      reason: 'StaleEntries',
      message: `${useless} FE entries of this group have no pod`,
    };
  }
  return {
    type,
    status: 'True',
    reason: 'Synced',
    message: 'the FE lists every running CN of this group and no other',
  };
}

function waitingForDrop(leaving: readonly number[]): ConditionUpdate {
  return {
    type: ConditionType.MembershipSynced,
    status: 'False',
    reason: WAITING_FOR_FE_DROP,
    message: `scale-in: ordinals ${leaving.join(', ')} leave the FE before their pods stop`,
  };
}
