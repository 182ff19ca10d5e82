// What the ComputeNodeGroup reconciler needs from the outside world, and nothing more. The manager wires these to
// the informer caches, the API server and the FE client; keeping them narrow keeps the reconciler readable and lets
// the decisions stay pure.
import type { ComputeNodeGroupStatus, EventReason, PodConditionReason } from '../../api/v1alpha1/index.js';
import type { Child, ChildKind } from '../../builders/index.js';
import type { BackendQueries, ComputeNodeRecord, FeIdleReading, QueueReading } from '../../fe/index.js';
import type { GroupLoad } from '../../load/figures.js';
import type { FeCredentials } from '../../group/config.js';

/**
 * Reads come from the informer caches (no API request), except the content of the Secret and ConfigMap a group
 * names, fetched when its resourceVersion changed (the caches hold only their metadata); writes go to the API server.
 */
export interface ClusterPort {
  group(namespace: string, name: string): unknown;
  /** undefined when it does not exist. */
  secret(namespace: string, name: string): Promise<unknown>;
  configMap(namespace: string, name: string): Promise<unknown>;
  /** A child of the group as cached (the StatefulSet's replicas, the HPA's conditions). */
  child(kind: ChildKind, namespace: string, name: string): unknown;
  /** The pods carrying the group's selector labels. */
  pods(namespace: string, groupName: string): unknown[];

  /**
   * Server-side apply; makes no request when the object already matches. Resolves with whether a request was made
   * and the fields the API server dropped (a feature gate off on this cluster): they have no effect.
   */
  apply(object: Child): Promise<{ written: boolean; dropped: string[] }>;
  /** Deletes a child if it exists (a 404 is success). */
  deleteChild(kind: ChildKind, namespace: string, name: string): Promise<void>;
  /** Sets one condition of a pod's status (the readiness gate of `cnInfo.registration: Operator`). */
  setPodCondition(namespace: string, pod: string, condition: PodConditionUpdate): Promise<void>;
  /** Sets a StatefulSet's replicas through its scale subresource (deletion: stop the pods before releasing). */
  scaleStatefulSet(namespace: string, name: string, replicas: number): Promise<void>;
  /** Writes the group's status through the /status subresource. */
  writeStatus(namespace: string, name: string, status: ComputeNodeGroupStatus): Promise<void>;
  /** Sets metadata.finalizers, guarded by resourceVersion (a conflict is retried by the queue). */
  setFinalizers(
    namespace: string,
    name: string,
    finalizers: string[],
    resourceVersion: string | undefined,
  ): Promise<void>;
}

export interface PodConditionUpdate {
  type: string;
  status: 'True' | 'False';
  reason: PodConditionReason;
  message: string;
}

export interface EventSink {
  /** Records an Event on the group (deduplicated by the sink). */
  record(
    group: { metadata: { name: string; namespace?: string | undefined; uid?: string | undefined } },
    type: 'Normal' | 'Warning',
    reason: EventReason,
    message: string,
  ): void;
}

/** One group's view of its FE cluster: reads are shared with every group on the same FE. */
export interface FeSession {
  /** The FE's compute nodes, at most one sync period old (or `maxAgeMs`, shared by every group on that FE). */
  computeNodes(maxAgeMs?: number): Promise<FeView>;
  add(addresses: string[]): Promise<void>;
  drop(addresses: string[]): Promise<void>;
  /** Per FE address, the queries it coordinates that run fragments on the CN at `host`. */
  queriesOnHost(host: string): Promise<BackendQueries[]>;
  /** KILL QUERY '<id>': 'gone' when no FE knows it any more; an FeError when the FE refuses (before 3.4). */
  killQuery(queryId: string): Promise<'killed' | 'gone'>;
  /** How many BEs the FE reports alive (asked only when a group would go to 0 CNs). */
  aliveBackends(): Promise<number>;
  /** Every FE's GET /api/idle_status on its HTTP port (autoSuspend.feHttpPort). */
  idleStatuses(httpPort: number): Promise<FeIdleReading[]>;
  /** Forget the shared snapshot after a change, so the next read sees it. */
  invalidate(): void;
}

/** One shared read of an FE: its compute nodes and its query queue. */
export interface FeView {
  nodes: readonly ComputeNodeRecord[];
  queue: QueueReading;
  feAddress: string;
  /** When the FE answered (ms since the epoch). */
  fetchedAt: number;
}

/** Where the reconciler publishes each group's load (the LoadBoard: Prometheus and the custom metrics API read it). */
export interface LoadSink {
  report(namespace: string, name: string, load: GroupLoad, observedAt: Date): void;
  forget(namespace: string, name: string): void;
}

/**
 * Where the reconciler counts the CNs it added to and dropped from the FE, and the queries a drain killed
 * (Prometheus counters).
 */
export interface MembershipSink {
  changed(namespace: string, group: string, action: 'add' | 'drop', nodes: number): void;
  /** Queries killed through the FE because they still ran on a CN when its drain window ended. */
  queriesKilled(namespace: string, group: string, queries: number): void;
  /** The group is gone: its series go too. */
  forget(namespace: string, group: string): void;
}

export interface FePort {
  session(addresses: readonly string[], credentials: FeCredentials): FeSession;
}
