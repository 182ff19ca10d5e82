// Builds the ComputeNodeGroup controller: one informer per kind and watched namespace (children and pods scoped by
// the operator's label), handlers that map every object to the key of its group, the reconciler and its worker loop.
// Handlers only enqueue; all I/O happens in the reconcile.
import { API_VERSION, KIND } from '../../api/v1alpha1/index.js';
import { CHILD_KINDS, LABEL_INSTANCE, LABEL_MANAGED_BY, MANAGED_BY, type ChildKind } from '../../builders/index.js';
import { Applier } from '../../kube/apply.js';
import type { EventRecorder } from '../../kube/events.js';
import type { InformerHandler } from '../../kube/informer.js';
import { ScopedInformers } from '../../kube/scoped-informers.js';
import type { KubeObject, ResourceRef } from '../../kube/objects.js';
import type { KubeRest } from '../../kube/rest.js';
import { Controller } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logging.js';
import type { OperatorMetrics } from '../../runtime/metrics.js';
import { KubeCluster, type ClusterCaches, type ObjectCache } from './cluster.js';
import { FeSessionPool } from './fe-sessions.js';
import { ComputeNodeGroupReconciler, type ReconcilerSettings } from './reconciler.js';
import { CONFIG_MAP, GROUP_RESOURCE, POD, SECRET } from './resources.js';

export const CONTROLLER_NAME = 'computenodegroup';

export interface ComputeNodeGroupControllerOptions {
  rest: KubeRest;
  logger: Logger;
  metrics?: OperatorMetrics;
  recorder: EventRecorder;
  /** Empty: all namespaces. */
  namespaces: readonly string[];
  settings: ReconcilerSettings;
  /** Every group is reconciled at least this often even when nothing changes. */
  resyncPeriodMs: number;
  maxConcurrentReconciles?: number;
}

export interface ComputeNodeGroupController {
  controller: Controller;
  informers: ScopedInformers[];
  /** Starts the informers, waits for their first LIST, then starts the workers. False when the caches did not sync. */
  start(syncTimeoutMs: number): Promise<boolean>;
  /** Stops the workers (waiting up to `timeoutMs` for reconciles in progress), the informers and FE connections. */
  stop(timeoutMs: number): Promise<void>;
}

const CHILD_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

export function createComputeNodeGroupController(
  options: ComputeNodeGroupControllerOptions,
): ComputeNodeGroupController {
  const { rest, logger, namespaces } = options;
  const scoped = (resource: ResourceRef, labelSelector?: string, resyncPeriodMs?: number): ScopedInformers =>
    new ScopedInformers({
      rest,
      resource,
      namespaces,
      logger,
      ...(labelSelector === undefined ? {} : { labelSelector }),
      ...(resyncPeriodMs === undefined ? {} : { resyncPeriodMs }),
    });

  const groups = scoped(GROUP_RESOURCE, undefined, options.resyncPeriodMs);
  const pods = scoped(POD, CHILD_SELECTOR);
  const secrets = scoped(SECRET);
  const configMaps = scoped(CONFIG_MAP);
  const children = Object.fromEntries(
    CHILD_KINDS.map((kind) => [kind.kind, scoped(kind.resource, CHILD_SELECTOR)]),
  ) as Record<ChildKind, ScopedInformers>;
  const caches: ClusterCaches = { groups, pods, secrets, configMaps, children };
  const cluster = new KubeCluster(caches, new Applier(rest, logger), rest, options.recorder);
  const fe = new FeSessionPool({ syncPeriodMs: options.settings.feSyncPeriodMs, idleCloseMs: 10 * 60_000, logger });
  const reconciler = new ComputeNodeGroupReconciler({ cluster, fe, events: cluster, settings: options.settings });
  const controller = new Controller({
    name: CONTROLLER_NAME,
    reconcile: reconciler.reconcile,
    logger,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    maxConcurrentReconciles: options.maxConcurrentReconciles ?? 4,
  });

  const enqueue = (key: string | undefined): void => {
    if (key !== undefined) controller.enqueue(key);
  };
  groups.addHandler((_type, object) => {
    enqueue(keyOf(object));
  });
  for (const informer of [pods, ...Object.values(children)]) {
    informer.addHandler((_type, object) => {
      enqueue(ownerKey(object));
    });
  }
  const byReference =
    (field: 'secret' | 'configMap'): InformerHandler =>
    (_type, object) => {
      for (const key of groupsReferring(caches.groups, object, field)) enqueue(key);
    };
  secrets.addHandler(byReference('secret'));
  configMaps.addHandler(byReference('configMap'));

  const informers = [groups, pods, secrets, configMaps, ...Object.values(children)];
  return {
    controller,
    informers,
    async start(syncTimeoutMs) {
      for (const informer of informers) informer.start();
      const synced = await Promise.all(informers.map((informer) => informer.waitForSync(syncTimeoutMs)));
      if (!synced.every(Boolean)) return false;
      controller.start();
      return true;
    },
    async stop(timeoutMs) {
      await controller.stop(timeoutMs);
      await Promise.all(informers.map((informer) => informer.stop()));
      await fe.close();
    },
  };
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
      typeof reference === 'object' &&
      reference !== null &&
      (reference as Record<string, unknown>)['kind'] === KIND &&
      (reference as Record<string, unknown>)['apiVersion'] === API_VERSION &&
      typeof (reference as Record<string, unknown>)['name'] === 'string',
  );
  const name = owner?.name ?? object.metadata.labels?.[LABEL_INSTANCE];
  return name === undefined ? undefined : `${namespace}/${name}`;
}

/** Keys of the groups in the object's namespace that name it as their account Secret or cn.conf ConfigMap. */
function groupsReferring(groups: ObjectCache, object: KubeObject, field: 'secret' | 'configMap'): string[] {
  const { namespace, name } = object.metadata;
  if (namespace === undefined) return [];
  return groups
    .list(namespace)
    .filter((group) => referencedName(group, field) === name)
    .map((group) => `${namespace}/${group.metadata.name}`);
}

function referencedName(group: KubeObject, field: 'secret' | 'configMap'): unknown {
  const spec = group['spec'];
  if (typeof spec !== 'object' || spec === null) return undefined;
  const section = (spec as Record<string, unknown>)[field === 'secret' ? 'feInfo' : 'cnInfo'];
  if (typeof section !== 'object' || section === null) return undefined;
  return (section as Record<string, unknown>)[field === 'secret' ? 'accountSecret' : 'configMap'];
}
