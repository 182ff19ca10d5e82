// Builds the ComputeNodeGroup controller on the manager's shared caches: the groups, their pods and children
// (scoped by the operator's label), and metadata-only caches of Secrets and ConfigMaps whose content is fetched only
// for the ones a group names. Handlers map every object to the key of its group and only enqueue (not for a group's
// update that changed only its status: group-triggers.ts); all I/O happens in the reconcile.
import { API_VERSION, KIND } from '../../api/v1alpha1/index.js';
import { CHILD_KINDS, LABEL_INSTANCE, LABEL_MANAGED_BY, MANAGED_BY, type ChildKind } from '../../builders/index.js';
import { POD_CACHE_TRANSFORM } from '../../group/pods.js';
import { parseCachedGroup } from './parsed-groups.js';
import { ContentCache } from '../../kube/content-cache.js';
import type { EventRecorder } from '../../kube/events.js';
import type { InformerHandler } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/objects.js';
import type { KubeRest } from '../../kube/rest.js';
import type { ScopedInformers } from '../../kube/scoped-informers.js';
import type { SharedCaches } from '../../kube/shared-caches.js';
import { Controller } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logging.js';
import type { OperatorMetrics } from '../../runtime/metrics.js';
import { isRecord } from '../../util/guards.js';
import { KubeCluster, type ClusterCaches, type ObjectCache } from './cluster.js';
import { FeSessionPool } from './fe-sessions.js';
import { startsPass } from './group-triggers.js';
import type { MayAct } from '../../runtime/write-fence.js';
import { ComputeNodeGroupReconciler, type ReconcilerSettings } from './reconciler.js';
import type { GroupMetrics } from './metrics.js';
import type { LoadSink } from './ports.js';
import { CONFIG_MAP, GROUP_RESOURCE, POD, SECRET } from './resources.js';

export const CONTROLLER_NAME = 'computenodegroup';

export interface ComputeNodeGroupControllerOptions {
  rest: KubeRest;
  /** The manager's caches; the controller asks for the ones it reads before they start. */
  caches: SharedCaches;
  logger: Logger;
  metrics?: OperatorMetrics;
  recorder: EventRecorder;
  settings: ReconcilerSettings;
  /** Where each group's load figures go (the manager's LoadBoard). */
  load?: LoadSink;
  /** The per-group series (status figures, conditions, membership changes), fed from this controller's caches. */
  groupMetrics?: GroupMetrics;
  /** Every group is reconciled at least this often even when nothing changes. */
  resyncPeriodMs: number;
  maxConcurrentReconciles?: number;
  /** Asked before every write (the leader elector's mayAct); without leader election, always true. */
  mayAct?: MayAct;
}

export interface ComputeNodeGroupController {
  controller: Controller;
  /** Starts the workers; the manager calls it once the shared caches synced. */
  start(): void;
  /** Stops the workers (waiting up to `timeoutMs` for reconciles in progress) and the FE connections. */
  stop(timeoutMs: number): Promise<void>;
}

const CHILD_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

export function createComputeNodeGroupController(
  options: ComputeNodeGroupControllerOptions,
): ComputeNodeGroupController {
  const { rest, logger } = options;
  const informers = groupInformers(options.caches, options.resyncPeriodMs);
  const clusterCaches: ClusterCaches = {
    groups: informers.groups,
    pods: informers.pods,
    secrets: new ContentCache({ rest, resource: SECRET, metadata: informers.secretMetadata }),
    configMaps: new ContentCache({ rest, resource: CONFIG_MAP, metadata: informers.configMapMetadata }),
    children: informers.children,
  };
  const mayAct = options.mayAct === undefined ? {} : { mayAct: options.mayAct };
  const cluster = new KubeCluster({ caches: clusterCaches, rest, recorder: options.recorder, logger, ...mayAct });
  const fe = new FeSessionPool({
    syncPeriodMs: options.settings.feSyncPeriodMs,
    idleCloseMs: 10 * 60_000,
    logger,
    ...mayAct,
  });
  const reconciler = new ComputeNodeGroupReconciler({
    cluster,
    fe,
    events: cluster,
    settings: options.settings,
    ...(options.load === undefined ? {} : { load: options.load }),
    ...(options.groupMetrics === undefined ? {} : { membership: options.groupMetrics.membership }),
  });
  options.groupMetrics?.watch(() => informers.groups.list());
  const controller = new Controller({
    name: CONTROLLER_NAME,
    reconcile: reconciler.reconcile,
    logger,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    maxConcurrentReconciles: options.maxConcurrentReconciles ?? 4,
  });
  enqueueOnChanges(informers, (key) => {
    controller.enqueue(key);
  });
  return {
    controller,
    start() {
      controller.start();
    },
    async stop(timeoutMs) {
      await controller.stop(timeoutMs);
      await fe.close();
    },
  };
}

/** The caches the controller reads, asked of the manager's shared caches before they start. */
interface GroupInformers {
  groups: ScopedInformers;
  pods: ScopedInformers;
  secretMetadata: ScopedInformers;
  configMapMetadata: ScopedInformers;
  children: Record<ChildKind, ScopedInformers>;
}

function groupInformers(caches: SharedCaches, resyncPeriodMs: number): GroupInformers {
  return {
    groups: caches.informer(GROUP_RESOURCE, { resyncPeriodMs }),
    pods: caches.informer(POD, { labelSelector: CHILD_SELECTOR, transform: POD_CACHE_TRANSFORM }),
    secretMetadata: caches.informer(SECRET, { metadataOnly: true }),
    configMapMetadata: caches.informer(CONFIG_MAP, { metadataOnly: true }),
    children: Object.fromEntries(
      CHILD_KINDS.map((kind) => [kind.kind, caches.informer(kind.resource, { labelSelector: CHILD_SELECTOR })]),
    ) as Record<ChildKind, ScopedInformers>,
  };
}

/**
 * Every change that may matter to a group enqueues its key: the group itself (not an update that changed only its
 * status), its pods and children (by owner), and the Secrets and ConfigMaps groups name.
 */
function enqueueOnChanges(informers: GroupInformers, enqueue: (key: string) => void): void {
  const enqueueKey = (key: string | undefined): void => {
    if (key !== undefined) enqueue(key);
  };
  informers.groups.addHandler((type, object, previous) => {
    if (startsPass(type, object, previous)) enqueueKey(keyOf(object));
  });
  for (const informer of [informers.pods, ...Object.values(informers.children)]) {
    informer.addHandler((_type, object) => {
      enqueueKey(ownerKey(object));
    });
  }
  const referrers = new GroupReferences(informers.groups);
  const byReference =
    (field: 'secret' | 'configMap'): InformerHandler =>
    (_type, object) => {
      for (const key of referrers.groupsNaming(object, field)) enqueue(key);
    };
  informers.secretMetadata.addHandler(byReference('secret'));
  informers.configMapMetadata.addHandler(byReference('configMap'));
}

function keyOf(object: KubeObject): string | undefined {
  const { namespace, name } = object.metadata;
  return namespace === undefined ? undefined : `${namespace}/${name}`;
}

/** The group a child or pod belongs to: its controller owner reference, else the instance label. */
function ownerKey(object: KubeObject): string | undefined {
  const namespace = object.metadata.namespace;
  if (namespace === undefined) return undefined;
  const owner = (object.metadata.ownerReferences ?? []).find(
    (reference): reference is { apiVersion: string; kind: string; name: string } =>
      isRecord(reference) &&
      reference['kind'] === KIND &&
      reference['apiVersion'] === API_VERSION &&
      typeof reference['name'] === 'string',
  );
  const name = owner?.name ?? object.metadata.labels?.[LABEL_INSTANCE];
  return name === undefined ? undefined : `${namespace}/${name}`;
}

/** Which groups name a Secret or ConfigMap, read from the parsed groups (parsed once per cached version). */
class GroupReferences {
  constructor(private readonly groups: ObjectCache) {}

  /** Keys of the groups in the object's namespace that name it as their account Secret or cn.conf ConfigMap. */
  groupsNaming(object: KubeObject, field: 'secret' | 'configMap'): string[] {
    const { namespace, name } = object.metadata;
    if (namespace === undefined) return [];
    return this.groups
      .list(namespace)
      .map((raw) => parseCachedGroup(raw))
      .flatMap((result) => (result.ok ? [result.value] : []))
      .filter((group) =>
        field === 'secret' ? group.spec.feInfo.accountSecret === name : group.spec.cnInfo.configMap === name,
      )
      .map((group) => `${namespace}/${group.metadata.name}`);
  }
}
