// The reconciler's ClusterPort over the manager's caches (reads) and the API server (writes). Every write checks
// the cache first, so a pass where nothing changed sends no request: apply is skipped when the cached child already
// matches, a delete only goes out for a child the cache holds, and the status only when it differs. Every write goes
// through one REST view fenced by the leader lease (kube/fenced-rest.ts); Events are dropped while it says no.
import { API_VERSION, KIND, type ComputeNodeGroupStatus } from '../../api/v1alpha1/index.js';
import { LABEL_INSTANCE, childKind, type Child, type ChildKind } from '../../builders/index.js';
import { Applier, type DesiredObject } from '../../kube/apply.js';
import type { ContentCache } from '../../kube/content-cache.js';
import type { EventRecorder } from '../../kube/events.js';
import { objectPath, type KubeObject } from '../../kube/objects.js';
import { fenceWrites, type RestRequester } from '../../kube/fenced-rest.js';
import type { Logger } from '../../runtime/logging.js';
import { ALWAYS_ACT, type MayAct } from '../../runtime/write-fence.js';
import { kubeTime } from './conditions.js';
import type { ClusterPort, EventSink, PodConditionUpdate } from './ports.js';
import { GROUP_RESOURCE, POD } from './resources.js';

/** Read access to one kind's cache (an informer, or several informers of one kind read as one). */
export interface ObjectCache {
  /** By "namespace/name". */
  get(key: string): KubeObject | undefined;
  list(namespace?: string): KubeObject[];
}

export interface ClusterCaches {
  groups: ObjectCache;
  pods: ObjectCache;
  /** Content on demand over metadata-only caches. */
  secrets: Pick<ContentCache, 'get'>;
  configMaps: Pick<ContentCache, 'get'>;
  children: Record<ChildKind, ObjectCache>;
}

export interface KubeClusterOptions {
  caches: ClusterCaches;
  rest: RestRequester;
  recorder: Pick<EventRecorder, 'record'>;
  logger: Logger;
  /** The write fence (the leader lease); default: always. */
  mayAct?: MayAct;
}

export class KubeCluster implements ClusterPort, EventSink {
  private readonly caches: ClusterCaches;
  private readonly rest: RestRequester;
  private readonly applier: Applier;
  private readonly recorder: Pick<EventRecorder, 'record'>;
  private readonly mayAct: MayAct;

  constructor(options: KubeClusterOptions) {
    this.caches = options.caches;
    this.mayAct = options.mayAct ?? ALWAYS_ACT;
    this.rest = fenceWrites(options.rest, this.mayAct);
    this.applier = new Applier(this.rest, options.logger);
    this.recorder = options.recorder;
  }

  group(namespace: string, name: string): unknown {
    return this.caches.groups.get(`${namespace}/${name}`);
  }
  secret(namespace: string, name: string): Promise<unknown> {
    return this.caches.secrets.get(namespace, name);
  }
  configMap(namespace: string, name: string): Promise<unknown> {
    return this.caches.configMaps.get(namespace, name);
  }
  child(kind: ChildKind, namespace: string, name: string): unknown {
    return this.caches.children[kind].get(`${namespace}/${name}`);
  }
  pods(namespace: string, groupName: string): unknown[] {
    return this.caches.pods.list(namespace).filter((pod) => pod.metadata.labels?.[LABEL_INSTANCE] === groupName);
  }

  async apply(child: Child): Promise<{ written: boolean; dropped: string[] }> {
    const desired = child as DesiredObject;
    const cached = this.caches.children[child.kind].get(`${child.metadata.namespace}/${child.metadata.name}`);
    const { written, dropped } = await this.applier.applyObject(childKind(child.kind).resource, desired, cached);
    return { written, dropped };
  }

  async deleteChild(kind: ChildKind, namespace: string, name: string): Promise<void> {
    if (this.caches.children[kind].get(`${namespace}/${name}`) === undefined) return;
    await this.applier.deleteObject(childKind(kind).resource, namespace, name);
  }

  async setPodCondition(namespace: string, pod: string, condition: PodConditionUpdate): Promise<void> {
    // A strategic merge patch of status.conditions replaces only the condition of this type (merge key `type`).
    await this.rest.request({
      method: 'PATCH',
      path: `${objectPath(POD, namespace, pod)}/status`,
      contentType: 'application/strategic-merge-patch+json',
      body: {
        status: { conditions: [{ ...condition, lastProbeTime: null, lastTransitionTime: kubeTime(new Date()) }] },
      },
    });
  }

  async scaleStatefulSet(namespace: string, name: string, replicas: number): Promise<void> {
    await this.rest.request({
      method: 'PATCH',
      path: `${objectPath(childKind('StatefulSet').resource, namespace, name)}/scale`,
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas } },
    });
  }

  async writeStatus(namespace: string, name: string, status: ComputeNodeGroupStatus): Promise<void> {
    const desired: DesiredObject = { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, status };
    await this.applier.applyStatus(GROUP_RESOURCE, desired, this.caches.groups.get(`${namespace}/${name}`));
  }

  async setFinalizers(
    namespace: string,
    name: string,
    finalizers: string[],
    resourceVersion: string | undefined,
  ): Promise<void> {
    const metadata = { name, namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) };
    await this.applier.setFinalizers(GROUP_RESOURCE, { metadata }, finalizers);
  }

  record(
    group: { metadata: { name: string; namespace?: string | undefined; uid?: string | undefined } },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    if (!this.mayAct()) return;
    const { name, namespace, uid } = group.metadata;
    this.recorder.record({
      subject: {
        apiVersion: API_VERSION,
        kind: KIND,
        name,
        namespace: namespace ?? '',
        ...(uid === undefined ? {} : { uid }),
      },
      type,
      reason,
      action: reason,
      note: message,
    });
  }
}
