// The ComputeNodeGroup reconciler: observe (caches and one shared FE snapshot), decide (pure modules), act (FE
// first, then Kubernetes), report (status and Events). Level-triggered: every pass starts from what exists, so a
// crash at any point is repaired by the next pass.
//
// Order within a pass, and why:
//   1. FE DROPs and ADDs. A scale-in's leaving CNs must be out of the FE before their pods stop. With
//      `cnInfo.registration: Operator`, each pod's readiness gate then follows the FE's view after those statements.
//   2. The children, with the StatefulSet's replicas decided from the FE's state after step 1. An FE outage never
//      blocks this step: without an answer only the scale-in waits, and only for a bounded time. A child the API
//      server refuses never stops the pass either: it is reported (ChildrenApplied, an Event) and step 3 still runs.
//   3. The status, written only when it changed, and the group's load figures published (LoadBoard) for the
//      Prometheus metrics and the custom metrics API the HPA reads.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import {
  ConditionType,
  FE_ALIVE_CONDITION,
  FINALIZER,
  computeNodeGroupStatusSchema,
  type ComputeNodeGroup,
  type ComputeNodeGroupStatus,
  type ComputeNodeStatus,
} from '../../api/v1alpha1/index.js';
import {
  CHILD_KINDS,
  buildChildren,
  type ChildKindEntry,
  type DesiredChildren,
  groupNamespace,
  hashCnConf,
  horizontalPodAutoscalerName,
  statefulSetName,
  type OperatorSettings,
} from '../../builders/index.js';
import { FeError, isFeError, type ComputeNodeRecord, type QueueReading } from '../../fe/index.js';
import { groupLoad, type GroupLoad } from '../../load/figures.js';
import {
  SCALE_IN_WITHOUT_FE,
  WAITING_FOR_FE_DROP,
  decideReplicas,
  feAfterActions,
  planMembership,
  planReadinessGates,
  planScaleIn,
  waitingSince,
  type FeComputeNode,
  type MemberPod,
  type MembershipInput,
  type MembershipPlan,
  type ReplicaDecision,
} from '../../membership/index.js';
import { describeError, isConflict, isRetryable, statusOf } from '../../kube/errors.js';
import type { Logger } from '../../runtime/logging.js';
import { splitKey, type ReconcileContext, type ReconcileResult } from '../../runtime/controller.js';
import { resolveConfig, type ResolvedConfig } from '../../group/config.js';
import { memberPodOf, viewPod, type PodView } from '../../group/pods.js';
import { deepFreeze } from '../../util/freeze.js';
import { parseCachedGroup } from './parsed-groups.js';
import { autoscalingCondition } from './autoscaling.js';
import { storageCondition } from './storage.js';
import { mergeConditions, type ConditionUpdate } from './conditions.js';
import type { ClusterPort, EventSink, FePort, FeSession, LoadSink, MembershipSink } from './ports.js';
import {
  buildStatus,
  droppedFieldsMessage,
  feFailureMessage,
  type ChildFailure,
  type DroppedFields,
  type FeReadOutcome,
} from './status.js';

export interface ReconcilerSettings {
  operator: OperatorSettings;
  /** How often a group re-reads the FE when nothing else happens. */
  feSyncPeriodMs: number;
  /** How long a scale-in waits for an unreachable FE before removing the pods anyway. */
  feWaitLimitMs: number;
  /** How long a deletion tries to take the group's CNs out of the FE before it gives up and lets go. */
  deletionTimeoutMs: number;
  /** Re-check interval while the Secret or ConfigMap is missing (their watches also trigger a pass). */
  configRetryMs: number;
}

export const DEFAULT_RECONCILER_SETTINGS: Omit<ReconcilerSettings, 'operator'> = {
  feSyncPeriodMs: 15_000,
  feWaitLimitMs: 120_000,
  deletionTimeoutMs: 120_000,
  configRetryMs: 60_000,
};

/** After an FE change, look again soon: the next pass confirms it and may lower the StatefulSet. */
const AFTER_FE_CHANGE_MS = 1_000;
/** While pods wait for their readiness gate, the FE's answer may be this old at most. */
const GATE_READ_MAX_AGE_MS = 1_000;
const DELETION_RETRY_MS = 2_000;

export interface ReconcilerDeps {
  cluster: ClusterPort;
  fe: FePort;
  events: EventSink;
  settings: ReconcilerSettings;
  /** Where each group's load figures go; none in tests that do not look at them. */
  load?: LoadSink;
  /** Where the CNs added to and dropped from the FE are counted; none in tests that do not look at them. */
  membership?: MembershipSink;
  now?: () => Date;
}

interface FeRead {
  observation: FeReadOutcome;
  nodes: readonly ComputeNodeRecord[] | null;
  queue: QueueReading | null;
  fetchedAt: number;
}

interface FeActions {
  added: string[];
  dropped: string[];
  error: FeError | undefined;
}

/** What reportInvalidSpec reads of a group whose spec does not parse. */
const invalidGroupView = z.looseObject({
  metadata: z.looseObject({ generation: z.int().optional() }),
  status: z.unknown().optional(),
});

/** The group's key in the work queue, `namespace/name`, which also keys the reconciler's memory of it. */
function queueKey(group: ComputeNodeGroup): string {
  return `${groupNamespace(group)}/${group.metadata.name}`;
}

const statefulSetSchema = z.looseObject({ spec: z.looseObject({ replicas: z.number().int().min(0).optional() }) });

export class ComputeNodeGroupReconciler {
  private readonly cluster: ClusterPort;
  private readonly fe: FePort;
  private readonly events: EventSink;
  private readonly settings: ReconcilerSettings;
  private readonly load: LoadSink | undefined;
  private readonly membership: MembershipSink | undefined;
  private readonly now: () => Date;
  /** By group key: the children last built, and the inputs they were built from. */
  private readonly builtChildren = new Map<string, { inputs: string; children: DesiredChildren }>();

  constructor(deps: ReconcilerDeps) {
    this.cluster = deps.cluster;
    this.fe = deps.fe;
    this.events = deps.events;
    this.settings = deps.settings;
    this.load = deps.load;
    this.membership = deps.membership;
    this.now = deps.now ?? (() => new Date());
  }

  /** The controller's Reconcile function. */
  readonly reconcile = async (key: string, context: ReconcileContext): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const raw = this.cluster.group(namespace, name);
    if (raw === undefined) {
      this.load?.forget(namespace, name);
      this.membership?.forget(namespace, name);
      this.builtChildren.delete(key);
      return {};
    }
    const parsed = parseCachedGroup(raw);
    if (!parsed.ok) {
      // Admission normally refuses such specs; one that got in (an older CRD, a disabled validation) is reported
      // and left alone until it is edited, which triggers a new pass.
      const detail = parsed.errors.map((error) => `${error.path}: ${error.message}`).join('; ');
      this.events.record({ metadata: { name, namespace } }, 'Warning', 'InvalidSpec', `spec is invalid: ${detail}`);
      context.logger.warn({ errors: parsed.errors }, 'invalid ComputeNodeGroup left unchanged');
      await this.reportInvalidSpec(raw, namespace, name, `spec is invalid: ${detail}; fix the spec`);
      return {};
    }
    const group = parsed.value;
    const { deletionTimestamp } = group.metadata;
    if (deletionTimestamp !== undefined) return this.finalize(group, deletionTimestamp, context.logger);
    await this.ensureFinalizer(group);
    return this.sync(group, context.logger);
  };

  /**
   * Ready=False InvalidSpec on a group the operator cannot read, written once per generation. The rest of the status
   * is kept as it is (when it parses), so the ledger of registered addresses survives until the spec is fixed.
   */
  private async reportInvalidSpec(raw: unknown, namespace: string, name: string, message: string): Promise<void> {
    const view = invalidGroupView.safeParse(raw);
    if (!view.success) return;
    const generation = view.data.metadata.generation;
    const previous = computeNodeGroupStatusSchema.safeParse(view.data.status ?? {});
    const status: ComputeNodeGroupStatus = previous.success ? previous.data : {};
    const conditions = mergeConditions(
      status.conditions ?? [],
      [{ type: ConditionType.Ready, status: 'False', reason: 'InvalidSpec', message }],
      generation,
      this.now(),
    );
    const next: ComputeNodeGroupStatus = { ...status, conditions };
    if (generation !== undefined) next.observedGeneration = generation;
    if (isDeepStrictEqual(next, status)) return;
    await this.cluster.writeStatus(namespace, name, next);
  }

  private async sync(group: ComputeNodeGroup, logger: Logger): Promise<ReconcileResult> {
    const now = this.now();
    const pods = this.observePods(group);
    const config = await this.resolve(group);
    if (!config.ok) {
      this.events.record(group, 'Warning', config.problem.reason, config.problem.message);
      await this.writeStatus(group, {
        group,
        now,
        configProblem: config.problem,
        feUser: undefined,
        pods,
        fe: { kind: 'NotAttempted' },
        membership: undefined,
        feActionError: undefined,
        replicas: undefined,
        childFailures: undefined,
        autoscaling: this.observeAutoscaling(group),
        // cn.conf is not known: the storage check waits for it.
        storage: undefined,
        load: undefined,
      });
      return { requeueAfterMs: this.settings.configRetryMs };
    }

    const { credentials } = config.value;
    const session = this.fe.session(group.spec.feInfo.addresses, credentials);
    const gated = group.spec.cnInfo.registration === 'Operator';
    // Pods waiting for their readiness gate follow the FE within about a second (one read per FE per second).
    const podsWaiting = gated && pods.some((pod) => !pod.terminating && pod.cnUp && pod.feAliveGate !== 'True');
    const feRead = await this.readFe(session, group, credentials.user, podsWaiting ? GATE_READ_MAX_AGE_MS : undefined);
    const members = this.memberPods(group, pods, config.value);
    const input: MembershipInput = {
      pods: members,
      fe: feRead.nodes,
      ledger: group.status?.computeNodes ?? [],
      desiredReplicas: group.spec.replicas,
    };
    const plan = planMembership(input);
    const actions = await this.actOnFe(group, session, plan, logger);
    // From here on every decision reads the FE as it is after this pass's statements.
    const feAfter = feAfterActions(feRead.nodes, actions);
    const replicas = this.decideReplicas(group, members, feAfter, now);
    const gates = gated ? await this.setReadinessGates(group, members, pods, feAfter, logger) : { waiting: 0 };
    const { failures: childFailures, dropped: droppedFields } = await this.applyChildren(
      group,
      config.value,
      replicas.replicas,
    );
    this.reportReplicaDecision(group, replicas);
    this.reportChildFailures(group, childFailures, logger);
    this.reportDroppedFields(group, droppedFields);
    const autoscaling = this.observeAutoscaling(group);
    const storage = this.observeStorage(group, config.value.cnConf.text);

    const after = planMembership({ ...input, fe: feAfter });
    const load = this.publishLoad(group, feRead, after);
    await this.writeStatus(group, {
      group,
      now,
      configProblem: undefined,
      feUser: credentials.user,
      pods,
      fe: feRead.observation,
      membership: after,
      feActionError: actions.error,
      replicas,
      childFailures,
      droppedFields,
      autoscaling,
      storage,
      load,
    });
    // A refusal waits for the user (the next pass is at the sync period); a transient failure is retried with backoff.
    const transient = childFailures.find((failure) => !failure.refused);
    if (transient !== undefined) throw transient.error;
    // Look again soon after an FE change, or while a scale-in or a readiness gate waits on an FE that answers; an
    // unreachable FE is retried at the sync period, not hammered.
    const changed = actions.added.length + actions.dropped.length > 0;
    const waitingOnLiveFe = (replicas.kind === WAITING_FOR_FE_DROP || gates.waiting > 0) && feRead.nodes !== null;
    return { requeueAfterMs: changed || waitingOnLiveFe ? AFTER_FE_CHANGE_MS : this.settings.feSyncPeriodMs };
  }

  /** The group's load from this pass' FE read, published for the metrics; undefined when the FE was not read. */
  private publishLoad(group: ComputeNodeGroup, feRead: FeRead, after: MembershipPlan): GroupLoad | undefined {
    if (feRead.nodes === null || feRead.queue === null) return undefined;
    const memberAddresses = after.computeNodes.filter((entry) => entry.registered).map((entry) => entry.address);
    const load = groupLoad({ nodes: feRead.nodes, queue: feRead.queue, memberAddresses });
    this.load?.report(groupNamespace(group), group.metadata.name, load, new Date(feRead.fetchedAt));
    return load;
  }

  /** The Autoscaling condition from the cached HPA; a missing CPU request is also an Event (deduplicated). */
  private observeAutoscaling(group: ComputeNodeGroup): ConditionUpdate | undefined {
    const hpa = this.cluster.child(
      'HorizontalPodAutoscaler',
      groupNamespace(group),
      horizontalPodAutoscalerName(group),
    );
    const autoscaling = autoscalingCondition(group, hpa);
    if (autoscaling?.reason === 'MissingCPURequest') {
      this.events.record(group, 'Warning', 'MissingCPURequest', autoscaling.message);
    }
    return autoscaling;
  }

  /** The StorageConfigured condition; a directory outside its volume is also an Event (deduplicated). */
  private observeStorage(group: ComputeNodeGroup, cnConf: string): ConditionUpdate | undefined {
    const storage = storageCondition(group, cnConf);
    if (storage !== undefined && storage.reason !== 'Configured') {
      this.events.record(group, 'Warning', storage.reason, storage.message);
    }
    return storage;
  }

  private async resolve(group: ComputeNodeGroup): Promise<ReturnType<typeof resolveConfig>> {
    const namespace = groupNamespace(group);
    const configMapName = group.spec.cnInfo.configMap;
    return resolveConfig(
      group,
      await this.cluster.secret(namespace, group.spec.feInfo.accountSecret),
      configMapName === undefined ? undefined : await this.cluster.configMap(namespace, configMapName),
    );
  }

  private observePods(group: ComputeNodeGroup): PodView[] {
    const pods = this.cluster.pods(groupNamespace(group), group.metadata.name);
    const views = pods.map((pod) => viewPod(pod, group)).filter((view): view is PodView => view !== undefined);
    return views.sort((a, b) => a.ordinal - b.ordinal);
  }

  private memberPods(group: ComputeNodeGroup, pods: readonly PodView[], config: ResolvedConfig): MemberPod[] {
    return pods.map((pod) => memberPodOf(group, pod, config.cnConf.ports.heartbeatServicePort));
  }

  private async readFe(
    session: FeSession,
    group: ComputeNodeGroup,
    user: string,
    maxAgeMs: number | undefined,
  ): Promise<FeRead> {
    try {
      const { nodes, queue, feAddress, fetchedAt } = await session.computeNodes(maxAgeMs);
      return { observation: { kind: 'Read', feAddress }, nodes, queue, fetchedAt };
    } catch (error) {
      const feError = asFeError(error);
      this.events.record(group, 'Warning', `FE${feError.kind}`, feFailureMessage(feError, group, user));
      return { observation: { kind: 'Failed', error: feError }, nodes: null, queue: null, fetchedAt: 0 };
    }
  }

  /** DROPs first (leaving and vanished CNs), then ADDs; each statement is bounded by the FE client's timeouts. */
  private async actOnFe(
    group: ComputeNodeGroup,
    session: FeSession,
    plan: MembershipPlan,
    logger: Logger,
  ): Promise<FeActions> {
    const actions: FeActions = { added: [], dropped: [], error: undefined };
    if (plan.drop.length > 0) {
      const addresses = plan.drop.map((drop) => drop.address);
      try {
        await session.drop(addresses);
        actions.dropped = addresses;
        this.membership?.changed(groupNamespace(group), group.metadata.name, 'drop', addresses.length);
        const detail = plan.drop.map((drop) => `${drop.address} (${drop.pod ?? 'no pod'}, ${drop.reason})`);
        this.events.record(group, 'Normal', 'CNDropped', `dropped from the FE: ${detail.join(', ')}`);
        logger.info({ drop: plan.drop }, 'dropped compute nodes from the FE');
      } catch (error) {
        actions.error = asFeError(error);
      }
    }
    if (plan.add.length > 0) {
      const addresses = plan.add.map((add) => add.address);
      try {
        await session.add(addresses);
        actions.added = addresses;
        this.membership?.changed(groupNamespace(group), group.metadata.name, 'add', addresses.length);
        const detail = plan.add.map((add) => `${add.address} (${add.pod})`);
        this.events.record(group, 'Normal', 'CNAdded', `added to the FE: ${detail.join(', ')}`);
        logger.info({ add: plan.add }, 'added compute nodes to the FE');
      } catch (error) {
        actions.error ??= asFeError(error);
      }
    }
    if (actions.added.length + actions.dropped.length > 0) session.invalidate();
    if (actions.error !== undefined) {
      this.events.record(group, 'Warning', 'FEUpdateFailed', feFailureMessage(actions.error, group, undefined));
      logger.warn({ kind: actions.error.kind, err: actions.error.message }, 'FE refused a membership change');
    }
    return actions;
  }

  private decideReplicas(
    group: ComputeNodeGroup,
    members: readonly MemberPod[],
    feAfter: readonly FeComputeNode[] | null,
    now: Date,
  ): ReplicaDecision {
    const current = this.currentStatefulSetReplicas(group);
    const scaleIn = planScaleIn({
      statefulSetName: statefulSetName(group),
      currentReplicas: current ?? group.spec.replicas,
      desiredReplicas: group.spec.replicas,
      pods: members,
      ledger: group.status?.computeNodes ?? [],
      fe: feAfter,
    });
    return decideReplicas({
      desired: group.spec.replicas,
      current,
      scaleIn,
      feReachable: feAfter !== null,
      waitingSince: waitingSince(group.status),
      now,
      feWaitLimitMs: this.settings.feWaitLimitMs,
    });
  }

  private currentStatefulSetReplicas(group: ComputeNodeGroup): number | undefined {
    const raw = this.cluster.child('StatefulSet', groupNamespace(group), statefulSetName(group));
    const parsed = statefulSetSchema.safeParse(raw);
    return parsed.success ? (parsed.data.spec.replicas ?? 1) : undefined;
  }

  /**
   * The children of the group, built once per input and frozen: a quiet pass hands the applier the very objects it
   * compared last time, and it skips the comparison (see Applier.applyObject). The builders read the group's spec,
   * name, namespace and uid, so a new version that only changed the status (each status write makes one) keeps
   * them: the spec is known by its generation, which the API server moves on every change of it (by the spec itself
   * for an object that has none, which only tests make).
   */
  private desiredChildren(group: ComputeNodeGroup, config: ResolvedConfig, replicas: number): DesiredChildren {
    const { uid, generation } = group.metadata;
    const spec = generation ?? JSON.stringify(group.spec);
    const inputs = JSON.stringify([uid, spec, replicas, config.cnConf.text, config.cnConf.ports]);
    const key = queueKey(group);
    const built = this.builtChildren.get(key);
    if (built?.inputs === inputs) return built.children;
    const children = deepFreeze(
      buildChildren({
        cng: group,
        ports: config.cnConf.ports,
        cnConfHash: group.spec.cnInfo.configMap === undefined ? undefined : hashCnConf(config.cnConf.text),
        replicas,
        settings: this.settings.operator,
      }),
    );
    this.builtChildren.set(key, { inputs, children });
    return children;
  }

  /** Applies the wanted children and deletes the unwanted ones; returns what the API server did not accept. */
  private async applyChildren(
    group: ComputeNodeGroup,
    config: ResolvedConfig,
    replicas: number,
  ): Promise<{ failures: ChildFailure[]; dropped: DroppedFields[] }> {
    const children = this.desiredChildren(group, config, replicas);
    const failures: ChildFailure[] = [];
    const dropped: DroppedFields[] = [];
    const attempt = async (kind: ChildKindEntry, write: () => Promise<unknown>): Promise<void> => {
      try {
        await write();
      } catch (error) {
        failures.push(childFailure(kind, kind.name(group), error));
      }
    };
    // Wanted children are applied in the table's order; unwanted ones are deleted in reverse (the CronJob before
    // the RBAC it runs as). One refusal does not keep the others from being applied.
    for (const kind of CHILD_KINDS) {
      const child = kind.desired(children);
      if (child === undefined) continue;
      await attempt(kind, async () => {
        const { written, dropped: paths } = await this.cluster.apply(child);
        if (paths.length > 0) dropped.push({ kind: kind.kind, name: kind.name(group), paths, justApplied: written });
      });
    }
    for (const kind of [...CHILD_KINDS].reverse()) {
      if (kind.desired(children) === undefined)
        await attempt(kind, () => this.cluster.deleteChild(kind.kind, groupNamespace(group), kind.name(group)));
    }
    return { failures, dropped };
  }

  /**
   * `cnInfo.registration: Operator`: each pod's readiness gate follows the FE's view after this pass. A failed
   * patch is logged and retried on the next pass (the pod just stays as it was).
   */
  private async setReadinessGates(
    group: ComputeNodeGroup,
    members: readonly MemberPod[],
    pods: readonly PodView[],
    feAfter: readonly FeComputeNode[] | null,
    logger: Logger,
  ): Promise<{ waiting: number }> {
    const gateOf = new Map(pods.map((pod) => [pod.name, pod.feAliveGate]));
    const plan = planReadinessGates(
      members.map((member) => ({ ...member, gate: gateOf.get(member.name) })),
      feAfter,
    );
    for (const change of plan.changes) {
      try {
        await this.cluster.setPodCondition(groupNamespace(group), change.pod, {
          type: FE_ALIVE_CONDITION,
          status: change.status,
          reason: change.reason,
          message: change.message,
        });
      } catch (error) {
        logger.warn({ pod: change.pod, err: describeError(error) }, 'cannot set the readiness gate of a CN pod');
      }
    }
    return { waiting: plan.waiting };
  }

  private reportChildFailures(group: ComputeNodeGroup, failures: readonly ChildFailure[], logger: Logger): void {
    for (const failure of failures) {
      logger.warn({ kind: failure.kind, name: failure.name, refused: failure.refused }, failure.message);
      if (failure.refused) this.events.record(group, 'Warning', 'ChildRefused', failure.message);
    }
  }

  /**
   * Fields the API server dropped have no effect: an Event says which when an apply finds it out (the condition
   * ChildrenApplied keeps saying it between applies, without an Event at every pass).
   */
  private reportDroppedFields(group: ComputeNodeGroup, dropped: readonly DroppedFields[]): void {
    const found = dropped.filter((entry) => entry.justApplied);
    if (found.length > 0) this.events.record(group, 'Warning', 'FieldsDropped', droppedFieldsMessage(found));
  }

  private reportReplicaDecision(group: ComputeNodeGroup, decision: ReplicaDecision): void {
    if (decision.kind !== SCALE_IN_WITHOUT_FE) return;
    this.events.record(
      group,
      'Warning',
      SCALE_IN_WITHOUT_FE,
      `the FE stayed unreachable for ${Math.round(this.settings.feWaitLimitMs / 1000)}s; ordinals ` +
        `${decision.leaving.join(', ')} stop now and leave the FE when it is reachable again`,
    );
  }

  private async writeStatus(group: ComputeNodeGroup, inputs: Parameters<typeof buildStatus>[0]): Promise<void> {
    const status = buildStatus(inputs);
    if (isDeepStrictEqual(status, group.status)) return;
    await this.cluster.writeStatus(groupNamespace(group), group.metadata.name, status);
  }

  private async ensureFinalizer(group: ComputeNodeGroup): Promise<void> {
    const finalizers = group.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER)) return;
    await this.cluster.setFinalizers(
      groupNamespace(group),
      group.metadata.name,
      [...finalizers, FINALIZER],
      group.metadata.resourceVersion,
    );
  }

  // ---- deletion ------------------------------------------------------------------------------------------------

  /**
   * Takes every CN of the group out of the FE, then lets the group go. The pods are stopped before the final check,
   * because a running register sidecar would add its CN again; after the deadline the group is released anyway,
   * with an Event naming the addresses that may be left in the FE.
   */
  private async finalize(group: ComputeNodeGroup, deletionTimestamp: string, logger: Logger): Promise<ReconcileResult> {
    const finalizers = group.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) return {};
    const deadline = Date.parse(deletionTimestamp) + this.settings.deletionTimeoutMs;
    const pods = this.observePods(group);
    const config = await this.resolve(group);
    let failure = config.ok ? undefined : config.problem.message;

    if (config.ok) {
      const members = this.memberPods(group, pods, config.value);
      let remaining: number | undefined;
      try {
        remaining = await this.dropAllMembers(group, config.value, members);
      } catch (error) {
        failure = asFeError(error).message;
      }
      if (remaining === 0 && pods.length === 0) return await this.release(group, logger, []);
      if (pods.length > 0) failure = (await this.stopPods(group, logger)) ?? failure;
      if (remaining !== undefined && failure === undefined) return { requeueAfterMs: DELETION_RETRY_MS };
    } else if (pods.length > 0) {
      failure = (await this.stopPods(group, logger)) ?? failure;
    }

    if (this.now().getTime() < deadline) {
      this.events.record(group, 'Warning', 'DeletionPending', `cannot finish the deletion yet: ${failure ?? ''}`);
      return { requeueAfterMs: DELETION_RETRY_MS };
    }
    const leftBehind = registeredAddresses(group.status?.computeNodes ?? []);
    this.events.record(
      group,
      'Warning',
      'FEMembersLeftBehind',
      `gave up after ${Math.round(this.settings.deletionTimeoutMs / 1000)}s (${failure ?? 'FE unreachable'}); ` +
        `these CNs may still be listed in the FE: ${leftBehind.join(', ') || 'none known'}. Remove them with ` +
        `ALTER SYSTEM DROP COMPUTE NODE "<address>"`,
    );
    return this.release(group, logger, leftBehind);
  }

  /** DROPs what the FE still lists of the group; returns how many entries were still there. */
  private async dropAllMembers(
    group: ComputeNodeGroup,
    config: ResolvedConfig,
    members: readonly MemberPod[],
  ): Promise<number> {
    const session = this.fe.session(group.spec.feInfo.addresses, config.credentials);
    const { nodes } = await session.computeNodes();
    const plan = planMembership({
      pods: members,
      fe: nodes,
      ledger: group.status?.computeNodes ?? [],
      desiredReplicas: 0,
    });
    if (plan.drop.length === 0) return 0;
    const addresses = plan.drop.map((drop) => drop.address);
    await session.drop(addresses);
    session.invalidate();
    this.events.record(group, 'Normal', 'CNDropped', `group deleted; dropped from the FE: ${addresses.join(', ')}`);
    return addresses.length;
  }

  /**
   * Scales the StatefulSet to 0. A failure is a Kubernetes problem (often RBAC: statefulsets/scale), reported as
   * such and returned, so the deletion still ends at its deadline instead of retrying forever.
   */
  private async stopPods(group: ComputeNodeGroup, logger: Logger): Promise<string | undefined> {
    if (this.currentStatefulSetReplicas(group) === 0) return undefined;
    try {
      await this.cluster.scaleStatefulSet(groupNamespace(group), statefulSetName(group), 0);
      return undefined;
    } catch (error) {
      const message =
        `cannot scale StatefulSet ${statefulSetName(group)} to 0: ${describeError(error)}; ` +
        `check the operator's RBAC (statefulsets/scale)`;
      logger.warn({ err: describeError(error) }, 'cannot stop the pods of a deleted group');
      this.events.record(group, 'Warning', 'StopPodsFailed', message);
      return message;
    }
  }

  private async release(
    group: ComputeNodeGroup,
    logger: Logger,
    leftBehind: readonly string[],
  ): Promise<ReconcileResult> {
    this.load?.forget(groupNamespace(group), group.metadata.name);
    this.membership?.forget(groupNamespace(group), group.metadata.name);
    this.builtChildren.delete(queueKey(group));
    const finalizers = (group.metadata.finalizers ?? []).filter((finalizer) => finalizer !== FINALIZER);
    await this.cluster.setFinalizers(
      groupNamespace(group),
      group.metadata.name,
      finalizers,
      group.metadata.resourceVersion,
    );
    logger.info(
      { leftBehind },
      leftBehind.length === 0 ? 'group released: no CN left in the FE' : 'group released with CNs left in the FE',
    );
    return {};
  }
}

function registeredAddresses(ledger: readonly ComputeNodeStatus[]): string[] {
  return ledger.filter((entry) => entry.registered).map((entry) => entry.address);
}

/**
 * A child write that failed. Refused: the API server answered and will answer the same until the group changes
 * (invalid, forbidden, unknown kind); anything else (a timeout, a conflict, a server error) is transient.
 */
function childFailure(kind: ChildKindEntry, name: string, error: unknown): ChildFailure {
  const refused = statusOf(error) !== undefined && !isRetryable(error) && !isConflict(error);
  const verb = refused ? 'refused' : 'could not take';
  return {
    kind: kind.kind,
    name,
    refused,
    error,
    message: `the API server ${verb} ${kind.kind} ${name} (built from ${kind.source}): ${describeError(error)}`,
  };
}

function asFeError(error: unknown): FeError {
  if (isFeError(error)) return error;
  return new FeError('Unknown', error instanceof Error ? error.message : String(error));
}
