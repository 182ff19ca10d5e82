// An in-memory implementation of the reconciler's ClusterPort for integration tests against the FE simulator.
// It is not a fake of the Kubernetes API: it stores what the reconciler applied and lets the test play the
// StatefulSet controller and the kubelet (creating pods with IPs, marking them up). The real API server is
// exercised by the end-to-end tier.
import type { ComputeNodeGroupStatus, Condition } from '../../../src/api/v1alpha1/index.js';
import type { Child } from '../../../src/builders/index.js';
import type { ChildKind } from '../../../src/builders/index.js';
import type { ClusterPort, EventSink, PodConditionUpdate } from '../../../src/controllers/computenodegroup/ports.js';

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface Write {
  at: number;
  what: string;
}

type Json = Record<string, unknown>;

export class MemoryCluster implements ClusterPort, EventSink {
  groupObject: Json | undefined;
  readonly secrets = new Map<string, Json>();
  readonly configMaps = new Map<string, Json>();
  readonly applied = new Map<string, Child>();
  readonly podObjects = new Map<string, Json>();
  readonly events: RecordedEvent[] = [];
  readonly writes: Write[] = [];
  statusWrites = 0;
  private sequence = 0;

  constructor(group: Json) {
    this.groupObject = structuredClone(group);
  }

  // ---- ClusterPort: reads ----
  group(): unknown {
    return this.groupObject === undefined ? undefined : structuredClone(this.groupObject);
  }
  secret(_namespace: string, name: string): Promise<unknown> {
    return Promise.resolve(this.secrets.get(name));
  }
  configMap(_namespace: string, name: string): Promise<unknown> {
    return Promise.resolve(this.configMaps.get(name));
  }
  child(kind: ChildKind, _namespace: string, name: string): unknown {
    return this.applied.get(`${kind}/${name}`);
  }
  pods(): unknown[] {
    return [...this.podObjects.values()].map((pod) => structuredClone(pod));
  }

  // ---- ClusterPort: writes ----
  apply(object: Child): Promise<{ written: boolean; dropped: string[] }> {
    const key = `${object.kind}/${object.metadata.name}`;
    this.applied.set(key, structuredClone(object));
    this.note(`apply ${key}`);
    return Promise.resolve({ written: true, dropped: [] });
  }
  deleteChild(kind: ChildKind, _namespace: string, name: string): Promise<void> {
    if (this.applied.delete(`${kind}/${name}`)) this.note(`delete ${kind}/${name}`);
    return Promise.resolve();
  }
  setPodCondition(_namespace: string, pod: string, condition: PodConditionUpdate): Promise<void> {
    const object = this.podObjects.get(pod);
    if (object === undefined) return Promise.reject(new Error(`pod ${pod} not found`));
    const status = (object['status'] ?? {}) as Json;
    const conditions = ((status['conditions'] ?? []) as Json[]).filter((c) => c['type'] !== condition.type);
    status['conditions'] = [...conditions, { ...condition }];
    object['status'] = status;
    this.note(`pod ${pod} ${condition.type}=${condition.status}`);
    return Promise.resolve();
  }
  scaleStatefulSet(_namespace: string, name: string, replicas: number): Promise<void> {
    const statefulSet = this.applied.get(`StatefulSet/${name}`);
    if (statefulSet?.kind === 'StatefulSet' && statefulSet.spec) statefulSet.spec.replicas = replicas;
    this.note(`scale StatefulSet/${name} ${replicas}`);
    return Promise.resolve();
  }
  writeStatus(_namespace: string, _name: string, status: ComputeNodeGroupStatus): Promise<void> {
    if (this.groupObject) this.groupObject['status'] = structuredClone(status);
    this.statusWrites++;
    this.note('status');
    return Promise.resolve();
  }
  setFinalizers(_namespace: string, _name: string, finalizers: string[]): Promise<void> {
    const metadata = this.groupObject?.['metadata'] as Json | undefined;
    if (metadata) metadata['finalizers'] = [...finalizers];
    this.note(`finalizers ${finalizers.join(',')}`);
    if (finalizers.length === 0 && metadata?.['deletionTimestamp'] !== undefined) this.groupObject = undefined;
    return Promise.resolve();
  }

  // ---- EventSink ----
  record(_group: unknown, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ type, reason, message });
  }

  // ---- the test's hands ----
  /** What the StatefulSet controller and kubelet would do: pods 0..replicas-1 exist, Running, CN up. */
  settlePods(ipOf: (ordinal: number) => string = (ordinal) => `10.244.0.${ordinal + 10}`): void {
    const replicas = this.statefulSetReplicas();
    const name = this.groupName();
    for (const key of [...this.podObjects.keys()]) {
      const ordinal = Number(key.slice(name.length + 1));
      if (ordinal >= replicas) this.podObjects.delete(key);
    }
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      const podName = `${name}-${ordinal}`;
      if (!this.podObjects.has(podName)) this.podObjects.set(podName, runningPod(podName, ipOf(ordinal)));
    }
  }

  statefulSetReplicas(): number {
    const statefulSet = this.applied.get(`StatefulSet/${this.groupName()}`);
    return statefulSet?.kind === 'StatefulSet' ? (statefulSet.spec?.replicas ?? 0) : 0;
  }

  setSpec(path: string, value: unknown): void {
    const spec = this.groupObject?.['spec'] as Json;
    spec[path] = value;
    const metadata = this.groupObject?.['metadata'] as Json;
    metadata['generation'] = Number(metadata['generation'] ?? 1) + 1;
  }

  markDeleted(at: Date): void {
    const metadata = this.groupObject?.['metadata'] as Json;
    metadata['deletionTimestamp'] = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  status(): ComputeNodeGroupStatus | undefined {
    return this.groupObject?.['status'] as ComputeNodeGroupStatus | undefined;
  }

  /** One condition of the status written last. */
  condition(type: string): Condition | undefined {
    const conditions: readonly Condition[] = this.status()?.conditions ?? [];
    return conditions.find((condition) => condition.type === type);
  }

  finalizers(): string[] {
    const metadata = this.groupObject?.['metadata'] as Json | undefined;
    return (metadata?.['finalizers'] as string[] | undefined) ?? [];
  }

  private groupName(): string {
    const metadata = this.groupObject?.['metadata'] as Json | undefined;
    const name = metadata?.['name'];
    return typeof name === 'string' ? name : '';
  }

  private note(what: string): void {
    this.writes.push({ at: ++this.sequence, what });
  }

  /** A monotonic sequence shared with FE statements recorded by the test (see FeRecorder). */
  tick(): number {
    return ++this.sequence;
  }
}

export function runningPod(name: string, ip: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns' },
    status: {
      phase: 'Running',
      podIP: ip,
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'cn', ready: true, restartCount: 0, state: { running: { startedAt: '2026-11-24T00:00:00Z' } } },
        { name: 'register', ready: true, restartCount: 0, state: { running: { startedAt: '2026-11-24T00:00:00Z' } } },
      ],
    },
  };
}
