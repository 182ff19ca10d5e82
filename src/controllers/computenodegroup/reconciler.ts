// The ComputeNodeGroup reconciler: observe (caches and one shared FE snapshot), decide (pure modules), act (FE
// first, then Kubernetes), report (status and Events). Level-triggered: every pass starts from what exists, so a
// crash at any point is repaired by the next pass.
//
// Order within a pass, and why:
//   0. The capacity (capacity.ts, src/capacity): how many CNs the group should run now, from spec.replicas, the open
//      schedule windows, spec.suspend and idle auto-suspend, read from the FE before anything changes. A suspended
//      group is one whose target is 0: its CNs leave through the same steps as a scale-in, and its HPA is removed.
//   1. FE DROPs and ADDs (fe-membership.ts). A scale-in's leaving CNs must be out of the FE before their pods stop.
//      With `cnInfo.registration: Operator`, each pod's readiness gate then follows the FE's view after them.
//   2. The drains (drain.ts, `spec.drain.order: Drain`): each leaving CN out of the FE is followed in the status, and
//      when its window ends, the queries still on it are killed through the FE, before its pod's gate stops it.
//   3. The children (children.ts), with the StatefulSet's replicas decided from the FE's state after step 1. An FE
//      outage never blocks this step: without an answer only the scale-in waits, and only for a bounded time. A
//      child the API server refuses never stops the pass either: it is reported (ChildrenApplied, an Event) and
//      step 4 still runs.
//   4. The report: every step above fills the pass' observations (observations.ts); the Events (pass-events.ts)
//      and the status (status.ts, written only when it changed) are computed from them, and the group's load
//      figures published (LoadBoard) for the Prometheus metrics and the custom metrics API the HPA reads. A group
//      whose queries outgrow it is read again at the busy period rather than the sync period (src/load/cadence.ts).
// A group being deleted takes another path (deletion.ts); one whose spec does not parse is only reported.
import { isDeepStrictEqual } from 'node:util';
import { FINALIZER, type ComputeNodeGroup } from '../../api/v1alpha1/index.js';
import { groupNamespace, horizontalPodAutoscalerName, type OperatorSettings } from '../../builders/index.js';
import { resolveConfig, type ResolvedConfig } from '../../group/config.js';
import { memberPodOf, viewPod, type PodView } from '../../group/pods.js';
import type { Capacity } from '../../capacity/decide.js';
import { loadCadence } from '../../load/cadence.js';
import { groupLoad, type GroupLoad } from '../../load/figures.js';
import {
  WAITING_FOR_FE_DROP,
  feAfterActions,
  nextWindowEndMs,
  planDrains,
  planMembership,
  recordedDrains,
  type FeComputeNode,
  type MemberPod,
  type MembershipInput,
  type MembershipPlan,
} from '../../membership/index.js';
import { splitKey, type ReconcileContext, type ReconcileResult } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logging.js';
import { autoscalingCondition } from './autoscaling.js';
import { GroupCapacities, nextCapacityChangeMs } from './capacity.js';
import { GroupChildren, type ChildScale } from './children.js';
import { GroupDeletion, type DeletionObservation } from './deletion.js';
import { endDrainWindows } from './drain.js';
import { actOnFe, decideGroupReplicas, readFe, setReadinessGates, type FeRead } from './fe-membership.js';
import type { PassObservations } from './observations.js';
import { parseCachedGroup } from './parsed-groups.js';
import { passEvents } from './pass-events.js';
import type { ClusterPort, EventSink, FePort, FeSession, LoadSink, MembershipSink } from './ports.js';
import { buildStatus, invalidSpecStatus } from './status.js';
import { storageCondition } from './storage.js';

export interface ReconcilerSettings {
  operator: OperatorSettings;
  /** How often a group re-reads the FE when nothing else happens. */
  feSyncPeriodMs: number;
  /** How often a group that scales on its load re-reads it while its queries outgrow it (src/load/cadence.ts). */
  busyFeSyncPeriodMs: number;
  /** How long a scale-in waits for an unreachable FE before removing the pods anyway. */
  feWaitLimitMs: number;
  /** How long a deletion tries to take the group's CNs out of the FE before it gives up and lets go. */
  deletionTimeoutMs: number;
  /** Re-check interval while the Secret or ConfigMap is missing (their watches also trigger a pass). */
  configRetryMs: number;
}

export const DEFAULT_RECONCILER_SETTINGS: Omit<ReconcilerSettings, 'operator'> = {
  feSyncPeriodMs: 15_000,
  busyFeSyncPeriodMs: 2_000,
  feWaitLimitMs: 120_000,
  deletionTimeoutMs: 120_000,
  configRetryMs: 60_000,
};

/** After an FE change, look again soon: the next pass confirms it and may lower the StatefulSet. */
const AFTER_FE_CHANGE_MS = 1_000;
/** A drain window's end is handled this long after it, so the pass surely sees it over. */
const WINDOW_END_SLACK_MS = 200;
/** While pods wait for their readiness gate, the FE's answer may be this old at most. */
const GATE_READ_MAX_AGE_MS = 1_000;

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

export class ComputeNodeGroupReconciler {
  private readonly cluster: ClusterPort;
  private readonly fe: FePort;
  private readonly events: EventSink;
  private readonly settings: ReconcilerSettings;
  private readonly load: LoadSink | undefined;
  private readonly membership: MembershipSink | undefined;
  private readonly now: () => Date;
  private readonly children: GroupChildren;
  private readonly deletion: GroupDeletion;
  private readonly capacities = new GroupCapacities();
  /** The groups whose last read found their queries outgrowing them: read again at the busy period. */
  private readonly busyLoads = new Set<string>();

  constructor(deps: ReconcilerDeps) {
    this.cluster = deps.cluster;
    this.fe = deps.fe;
    this.events = deps.events;
    this.settings = deps.settings;
    this.load = deps.load;
    this.membership = deps.membership;
    this.now = deps.now ?? (() => new Date());
    this.children = new GroupChildren(deps.cluster, deps.settings.operator);
    this.deletion = new GroupDeletion({
      cluster: deps.cluster,
      fe: deps.fe,
      events: deps.events,
      children: this.children,
      deletionTimeoutMs: deps.settings.deletionTimeoutMs,
      now: this.now,
      forget: (group) => {
        this.forget(groupNamespace(group), group.metadata.name);
      },
      membership: deps.membership,
    });
  }

  /** The controller's Reconcile function. */
  readonly reconcile = async (key: string, context: ReconcileContext): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const raw = this.cluster.group(namespace, name);
    if (raw === undefined) {
      this.forget(namespace, name);
      return {};
    }
    const parsed = parseCachedGroup(raw);
    if (!parsed.ok) {
      // Admission normally refuses such specs; one that got in (an older CRD, a disabled validation) is reported
      // and left alone until it is edited, which triggers a new pass.
      const detail = parsed.errors.map((error) => `${error.path}: ${error.message}`).join('; ');
      this.events.record({ metadata: { name, namespace } }, 'Warning', 'InvalidSpec', `spec is invalid: ${detail}`);
      context.logger.warn({ errors: parsed.errors }, 'invalid ComputeNodeGroup left unchanged');
      const status = invalidSpecStatus(raw, `spec is invalid: ${detail}; fix the spec`, this.now());
      if (status !== undefined) await this.cluster.writeStatus(namespace, name, status);
      return {};
    }
    const group = parsed.value;
    const { deletionTimestamp } = group.metadata;
    if (deletionTimestamp !== undefined) {
      const observe = (): Promise<DeletionObservation> => this.observeForDeletion(group);
      return this.deletion.finalize(group, deletionTimestamp, observe, context.logger);
    }
    await this.ensureFinalizer(group);
    return this.sync(group, context.logger);
  };

  /** One pass over a live group: act, then report what was observed, decided and done. */
  private async sync(group: ComputeNodeGroup, logger: Logger): Promise<ReconcileResult> {
    const pods = this.observePods(group);
    const observed: PassObservations = { group, now: this.now(), pods, fe: { kind: 'NotAttempted' } };
    const config = await this.resolve(group);
    let soon = false;
    if (config.ok) soon = await this.act(group, config.value, observed, logger);
    else observed.configProblem = config.problem;
    observed.autoscaling = autoscalingCondition(group, this.hpaOf(group), {
      paused: observed.capacity?.hpa === 'Paused',
    });

    for (const event of passEvents(observed, this.settings)) {
      this.events.record(group, event.type, event.reason, event.message);
    }
    const status = buildStatus(observed);
    if (!isDeepStrictEqual(status, group.status)) {
      await this.cluster.writeStatus(groupNamespace(group), group.metadata.name, status);
    }
    if (!config.ok) return { requeueAfterMs: this.settings.configRetryMs };
    // A refusal waits for the user (the next pass is at the sync period); a transient failure is retried with backoff.
    const transient = observed.childFailures?.find((failure) => !failure.refused);
    if (transient !== undefined) throw transient.error;
    // An unreachable FE is retried at the sync period, not hammered. A drain window ending sooner is met on time.
    const period = soon ? AFTER_FE_CHANGE_MS : this.readPeriodMs(groupKey(group));
    const wakeAt = [nextWindowEndMs(observed.drains ?? [], observed.now), nextCapacityChangeMs(group, observed)]
      .filter((ms): ms is number => ms !== undefined)
      .map((ms) => ms + WINDOW_END_SLACK_MS);
    return { requeueAfterMs: Math.min(period, ...wakeAt) };
  }

  /**
   * Steps 1 and 2 of the pass, for a group whose configuration resolved. True when the next pass should come soon:
   * the FE changed, or a scale-in or a readiness gate waits on an FE that answers.
   */
  private async act(
    group: ComputeNodeGroup,
    config: ResolvedConfig,
    observed: PassObservations,
    logger: Logger,
  ): Promise<boolean> {
    const { credentials } = config;
    observed.feUser = credentials.user;
    const session = this.fe.session(group.spec.feInfo.addresses, credentials);
    const gated = group.spec.cnInfo.registration === 'Operator';
    const key = groupKey(group);
    const feRead = await this.readFeFor(session, { gated, busy: this.busyLoads.has(key) }, observed);
    const members = this.memberPods(group, observed.pods, config);
    const current = this.children.statefulSetReplicas(group);
    const pass = { key, group, session, feRead, now: observed.now, currentReplicas: current };
    const capacity = (observed.capacity = await this.capacities.decide(pass));
    const input: MembershipInput = {
      pods: members,
      fe: feRead.nodes,
      ledger: group.status?.computeNodes ?? [],
      desiredReplicas: capacity.replicas,
      order: group.spec.drain.order,
    };
    const actions = await actOnFe(group, session, planMembership(input), logger, this.membership);
    observed.feChanges = { added: actions.added, dropped: actions.dropped };
    observed.feActionError = actions.error;
    // From here on every decision reads the FE as it is after this pass's statements.
    const feAfter = feAfterActions(feRead.nodes, {
      added: actions.added.map((add) => add.address),
      dropped: actions.dropped.map((drop) => drop.address),
    });
    const replicas = decideGroupReplicas({
      group,
      desired: capacity.replicas,
      members,
      feAfter,
      current,
      now: observed.now,
      feWaitLimitMs: this.settings.feWaitLimitMs,
    });
    observed.replicas = replicas;
    const waitingGates = gated
      ? await setReadinessGates(this.cluster, group, members, observed.pods, feAfter, logger)
      : 0;
    await this.followDrains(group, session, { members, feAfter, desired: capacity.replicas }, observed, logger);
    await this.applyChildren(group, config, { replicas: replicas.replicas, hpa: capacity.hpa }, observed, logger);
    const after = planMembership({ ...input, fe: feAfter });
    observed.membership = after;
    observed.load = this.publishLoad(group, feRead, after);
    this.followLoad(key, group, observed.load, capacity);

    const changed = actions.added.length + actions.dropped.length > 0;
    const waitingOnLiveFe = (replicas.kind === WAITING_FOR_FE_DROP || waitingGates > 0) && feRead.nodes !== null;
    return changed || waitingOnLiveFe;
  }

  /**
   * The FE's compute nodes (one read per FE and period, shared): pods waiting for their readiness gate follow it
   * within about a second, a busy group's load at the busy period.
   */
  private async readFeFor(
    session: FeSession,
    want: { gated: boolean; busy: boolean },
    observed: PassObservations,
  ): Promise<FeRead> {
    const podsWaiting =
      want.gated && observed.pods.some((pod) => !pod.terminating && pod.cnUp && pod.feAliveGate !== 'True');
    const maxAgeMs = podsWaiting ? GATE_READ_MAX_AGE_MS : want.busy ? this.busyPeriodMs() : undefined;
    const feRead = await readFe(session, maxAgeMs);
    observed.fe = feRead.observation;
    return feRead;
  }

  /** Step 3: the children, with the StatefulSet's replicas and the HPA's bounds this pass decided. */
  private async applyChildren(
    group: ComputeNodeGroup,
    config: ResolvedConfig,
    scale: ChildScale,
    observed: PassObservations,
    logger: Logger,
  ): Promise<void> {
    const children = await this.children.apply(group, config, scale, logger);
    observed.childFailures = children.failures;
    observed.droppedFields = children.dropped;
    observed.storage = storageCondition(group, config.cnConf.text);
  }

  /**
   * With `drain.order: Drain`, each leaving CN's drain: recorded in the status, and at the end of its window the
   * queries still on the CN killed through the FE (drain.ts). Without an FE answer this pass, nothing is killed.
   */
  private async followDrains(
    group: ComputeNodeGroup,
    session: FeSession,
    seen: { members: readonly MemberPod[]; feAfter: readonly FeComputeNode[] | null; desired: number },
    observed: PassObservations,
    logger: Logger,
  ): Promise<void> {
    const { order, windowSeconds } = group.spec.drain;
    const drains = planDrains({
      pods: seen.members,
      desiredReplicas: seen.desired,
      order,
      windowSeconds,
      previous: recordedDrains(group.status?.computeNodes),
      fe: seen.feAfter,
      now: observed.now,
    });
    if (observed.fe.kind !== 'Read' || !drains.some((drain) => drain.due)) {
      observed.drains = drains;
      return;
    }
    const result = await endDrainWindows(session, drains, { windowSeconds }, logger);
    observed.drains = result.drains;
    observed.windowsEnded = result.ended;
    const killed = result.ended.reduce((sum, end) => sum + end.killed.length, 0);
    if (killed > 0) this.membership?.queriesKilled(groupNamespace(group), group.metadata.name, killed);
  }

  /** The group's load from this pass' FE read, published for the metrics; undefined when the FE was not read. */
  private publishLoad(group: ComputeNodeGroup, feRead: FeRead, after: MembershipPlan): GroupLoad | undefined {
    if (feRead.nodes === null || feRead.queue === null) return undefined;
    const memberAddresses = after.computeNodes.filter((entry) => entry.registered).map((entry) => entry.address);
    const load = groupLoad({ nodes: feRead.nodes, queue: feRead.queue, memberAddresses });
    this.load?.report(groupNamespace(group), group.metadata.name, load, new Date(feRead.fetchedAt));
    return load;
  }

  /** Whether the next pass reads the load sooner (src/load/cadence.ts): only while its HPA could add a CN. */
  private followLoad(key: string, group: ComputeNodeGroup, load: GroupLoad | undefined, capacity: Capacity): void {
    const hpa = capacity.hpa;
    const room = hpa === undefined || hpa === 'Paused' ? undefined : { replicas: capacity.replicas, ...hpa };
    if (loadCadence(group.spec.autoScalingPolicy, load, room).kind === 'Busy') this.busyLoads.add(key);
    else this.busyLoads.delete(key);
  }

  private readPeriodMs(key: string): number {
    return this.busyLoads.has(key) ? this.busyPeriodMs() : this.settings.feSyncPeriodMs;
  }

  /** Never slower than the rest period (a test may run with a shorter one). */
  private busyPeriodMs(): number {
    return Math.min(this.settings.busyFeSyncPeriodMs, this.settings.feSyncPeriodMs);
  }

  private hpaOf(group: ComputeNodeGroup): unknown {
    return this.cluster.child('HorizontalPodAutoscaler', groupNamespace(group), horizontalPodAutoscalerName(group));
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

  private async observeForDeletion(group: ComputeNodeGroup): Promise<DeletionObservation> {
    const pods = this.observePods(group);
    const config = await this.resolve(group);
    if (!config.ok) return { ok: false, problem: config.problem.message, podCount: pods.length };
    const members = this.memberPods(group, pods, config.value);
    return { ok: true, config: config.value, members, podCount: pods.length };
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

  /** The group is gone (or released): its load series, membership counters and built children go too. */
  private forget(namespace: string, name: string): void {
    this.load?.forget(namespace, name);
    this.membership?.forget(namespace, name);
    this.children.forget(`${namespace}/${name}`);
    this.capacities.forget(`${namespace}/${name}`);
    this.busyLoads.delete(`${namespace}/${name}`);
  }
}

function groupKey(group: ComputeNodeGroup): string {
  return `${groupNamespace(group)}/${group.metadata.name}`;
}
