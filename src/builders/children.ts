// The desired children of a ComputeNodeGroup (docs/resources.md). Pure: the same input always gives the same
// objects, which the reconciler server-side-applies and `cngctl render` prints.
import type {
  CronJob,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  Role,
  RoleBinding,
  Service,
  ServiceAccount,
  StatefulSet,
  Plain,
} from './plain.js';
import type {
  V1PodSpec,
  V2ContainerResourceMetricSource,
  V2HorizontalPodAutoscalerBehavior,
  V2MetricSpec,
} from '@kubernetes/client-node';
import {
  API_VERSION,
  GROUP,
  KIND,
  PLURAL,
  QUERY_LOAD_METRIC,
  type AutoScalingPolicy,
  type ComputeNodeGroup,
} from '../api/v1alpha1/index.js';
import type { CnPorts } from '../cnconf/index.js';
import { childLabels, childMetadata } from './metadata.js';
import {
  LABEL_NAME,
  groupNamespace,
  headlessServiceName,
  horizontalPodAutoscalerName,
  offlineName,
  podDisruptionBudgetName,
  selectorLabels,
  statefulSetName,
} from './names.js';
import { claimRetentionPolicy, volumeClaimTemplates } from './storage.js';
import { buildPodTemplate, componentsImage, definedOnly, restrictedContainerSecurityContext } from './pod.js';
import { CN_CONTAINER, COMPONENTS_ENTRYPOINT, type OperatorSettings } from './settings.js';

export interface BuildInput {
  cng: ComputeNodeGroup;
  /** Ports parsed from the group's cn.conf (DEFAULT_CN_PORTS without a ConfigMap). */
  ports: CnPorts;
  /** hashCnConf of the group's cn.conf; undefined when the group names no ConfigMap. */
  cnConfHash: string | undefined;
  /**
   * The StatefulSet's replicas. The reconciler decides it: on scale-in it keeps the old count until the leaving
   * CNs are out of the FE, so this is not simply spec.replicas.
   */
  replicas: number;
  /**
   * The HPA's bounds now (a schedule window's), or 'Paused' while the group is suspended (no HPA); undefined: the
   * policy's own bounds.
   */
  hpa?: HpaPlan | undefined;
  settings: OperatorSettings;
}

/** The HPA's bounds as the pass decided them (a schedule window's, or the policy's). */
export interface HpaBounds {
  minReplicas?: number;
  maxReplicas: number;
}

export type HpaPlan = HpaBounds | 'Paused';

export interface OfflineChildren {
  serviceAccount: ServiceAccount;
  role: Role;
  roleBinding: RoleBinding;
  cronJob: CronJob;
}

export interface DesiredChildren {
  statefulSet: StatefulSet;
  service: Service;
  podDisruptionBudget: PodDisruptionBudget;
  /** Only with spec.autoScalingPolicy; the reconciler deletes an existing HPA when this is absent. */
  horizontalPodAutoscaler: HorizontalPodAutoscaler | undefined;
  /** Only with spec.cronJobPolicy.schedule; the reconciler deletes existing ones when this is absent. */
  offline: OfflineChildren | undefined;
}

export function buildStatefulSet(input: BuildInput): StatefulSet {
  const { cng } = input;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMetadata(cng, statefulSetName(cng), 'cn'),
    spec: {
      replicas: input.replicas,
      serviceName: headlessServiceName(cng),
      // Pods start and stop together; the operator, not the StatefulSet, orders which CNs leave and when.
      podManagementPolicy: 'Parallel',
      updateStrategy: updateStrategy(cng),
      selector: { matchLabels: selectorLabels(cng) },
      template: buildPodTemplate(input),
      ...definedOnly({
        minReadySeconds: cng.spec.podPolicy.minReadySeconds,
        volumeClaimTemplates: volumeClaimTemplates(cng),
        persistentVolumeClaimRetentionPolicy: claimRetentionPolicy(cng),
      }),
    },
  };
}

function updateStrategy(cng: ComputeNodeGroup): NonNullable<StatefulSet['spec']>['updateStrategy'] {
  const strategy = cng.spec.updateStrategy;
  if (strategy?.type === 'OnDelete') return { type: 'OnDelete' };
  const rollingUpdate = definedOnly({ partition: strategy?.partition, maxUnavailable: strategy?.maxUnavailable });
  return { type: 'RollingUpdate', ...(Object.keys(rollingUpdate).length === 0 ? {} : { rollingUpdate }) };
}

export function buildHeadlessService(input: BuildInput): Service {
  const { cng, ports } = input;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(cng, headlessServiceName(cng), 'cn'),
    spec: {
      clusterIP: 'None',
      // DNS names exist before the pods are ready: a CN in FQDN mode must resolve to register and become ready.
      publishNotReadyAddresses: true,
      selector: selectorLabels(cng),
      ports: [
        { name: 'heartbeat', port: ports.heartbeatServicePort, targetPort: 'heartbeat', protocol: 'TCP' },
        { name: 'be', port: ports.bePort, targetPort: 'be', protocol: 'TCP' },
        { name: 'http', port: ports.httpPort, targetPort: 'http', protocol: 'TCP' },
        { name: 'brpc', port: ports.brpcPort, targetPort: 'brpc', protocol: 'TCP' },
      ],
    },
  };
}

export function buildPodDisruptionBudget(input: BuildInput): PodDisruptionBudget {
  const { cng } = input;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMetadata(cng, podDisruptionBudgetName(cng), 'cn'),
    spec: {
      maxUnavailable: cng.spec.podDisruptionBudget.maxUnavailable,
      selector: { matchLabels: selectorLabels(cng) },
    },
  };
}

/** The HPA scales the ComputeNodeGroup (its scale subresource), never the StatefulSet, so the operator orders scale-in. */
export function buildHorizontalPodAutoscaler(input: BuildInput): HorizontalPodAutoscaler | undefined {
  const { cng } = input;
  const policy = cng.spec.autoScalingPolicy;
  if (policy === undefined || input.hpa === 'Paused') return undefined;
  const bounds = input.hpa ?? policy;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMetadata(cng, horizontalPodAutoscalerName(cng), 'cn'),
    spec: {
      scaleTargetRef: { apiVersion: API_VERSION, kind: KIND, name: cng.metadata.name },
      maxReplicas: bounds.maxReplicas,
      ...definedOnly({
        minReplicas: bounds.minReplicas,
        metrics: hpaMetrics(policy, cng.metadata.name),
        behavior: policy.hpaPolicy?.behavior ?? (policy.queries === undefined ? undefined : QUERY_BURST_BEHAVIOR),
      }),
    },
  };
}

/** The HPA's own default when no metric is given, measured on the `cn` container. */
const CN_CPU_80: Plain<V2MetricSpec> = {
  type: 'ContainerResource',
  containerResource: { name: 'cpu', container: CN_CONTAINER, target: { type: 'Utilization', averageUtilization: 80 } },
};

/**
 * With `queries` and no `hpaPolicy.behavior`: analytic bursts. Up at once (double, or 4 CNs, every 15 s, whichever
 * is more): a queued query waits now, and a CN helps only the queries that start after it is alive. Down slowly
 * (one CN a minute, after 5 minutes below target): bursts come in waves, a new CN starts with a cold data cache,
 * and each CN leaving is dropped from the FE and drains its fragments first.
 */
export const QUERY_BURST_BEHAVIOR: Plain<V2HorizontalPodAutoscalerBehavior> = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ],
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Min',
    policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
  },
};

/** `autoScalingPolicy.queries` as the HPA reads it: the group's query_load, averaged over its CNs. */
function queryLoadMetric(group: string, targetPerCN: number): Plain<V2MetricSpec> {
  return {
    type: 'Object',
    object: {
      describedObject: { apiVersion: API_VERSION, kind: KIND, name: group },
      metric: { name: QUERY_LOAD_METRIC },
      target: { type: 'AverageValue', averageValue: String(targetPerCN) },
    },
  };
}

/**
 * `Resource` metrics average over every container of the pod, the register sidecar included; with
 * `resourceMetrics: Container` (the default) they become `ContainerResource` metrics of the `cn` container. Other
 * metric types, and everything with `Pod`, are copied verbatim. `queries` adds the query_load metric; the HPA's
 * default of 80% CPU applies only when no metric at all is given.
 */
export function hpaMetrics(policy: AutoScalingPolicy, group: string): Plain<V2MetricSpec>[] | undefined {
  const given = policy.hpaPolicy?.metrics ?? [];
  const queries = policy.queries === undefined ? [] : [queryLoadMetric(group, policy.queries.targetPerCN)];
  if (policy.resourceMetrics === 'Pod') {
    return given.length + queries.length === 0 ? policy.hpaPolicy?.metrics : [...given, ...queries];
  }
  if (given.length + queries.length === 0) return [CN_CPU_80];
  const converted = given.map((metric): Plain<V2MetricSpec> => {
    if (metric.type !== 'Resource' || metric.resource === undefined) return metric;
    const { name, target } = metric.resource;
    const containerResource: Plain<V2ContainerResourceMetricSource> = { name, container: CN_CONTAINER, target };
    return { type: 'ContainerResource', containerResource };
  });
  return [...converted, ...queries];
}

/**
 * The 2022 `offline` CronJob: one clean-up pass of this group's FE membership. Its ServiceAccount may read this
 * group, list pods, and read only the Secret (and ConfigMap) the group names; nothing cluster-wide.
 */
export function buildOffline(input: BuildInput): OfflineChildren | undefined {
  const { cng } = input;
  const schedule = cng.spec.cronJobPolicy?.schedule;
  if (schedule === undefined) return undefined;
  const name = offlineName(cng);
  const serviceAccount: ServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: childMetadata(cng, name, 'offline'),
    automountServiceAccountToken: false,
  };
  const roleBinding: RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: childMetadata(cng, name, 'offline'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: groupNamespace(cng) }],
  };
  return { serviceAccount, role: offlineRole(cng, name), roleBinding, cronJob: offlineCronJob(input, name, schedule) };
}

/** What one clean-up pass reads: this group, the pods, the Secret and ConfigMap it names. */
function offlineRole(cng: ComputeNodeGroup, name: string): Role {
  const configMap = cng.spec.cnInfo.configMap;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: childMetadata(cng, name, 'offline'),
    rules: [
      { apiGroups: [GROUP], resources: [PLURAL], resourceNames: [cng.metadata.name], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: [cng.spec.feInfo.accountSecret], verbs: ['get'] },
      ...(configMap === undefined
        ? []
        : [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [configMap], verbs: ['get'] }]),
    ],
  };
}

function offlineCronJob(input: BuildInput, name: string, schedule: string): CronJob {
  const { cng } = input;
  // The job's pods must not carry the CN selector labels, or the HPA and the PDB would count them as CNs.
  const jobPodLabels = (): Record<string, string> => ({
    ...childLabels(cng, 'offline'),
    [LABEL_NAME]: 'starrocks-cn-offline',
  });
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: childMetadata(cng, name, 'offline'),
    spec: {
      schedule,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: jobPodLabels() },
        spec: {
          backoffLimit: 1,
          // One pass is a few FE statements with their own timeouts; a job that runs longer is stuck.
          activeDeadlineSeconds: 300,
          ttlSecondsAfterFinished: 3600,
          template: { metadata: { labels: jobPodLabels() }, spec: offlinePodSpec(input, name) },
        },
      },
    },
  };
}

function offlinePodSpec(input: BuildInput, name: string): Plain<V1PodSpec> {
  const { cng, settings } = input;
  const policy = cng.spec.podPolicy;
  const namespace = groupNamespace(cng);
  return {
    serviceAccountName: name,
    automountServiceAccountToken: true,
    restartPolicy: 'Never',
    enableServiceLinks: false,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'offline',
        image: componentsImage(cng, settings),
        command: [...COMPONENTS_ENTRYPOINT, 'offline', '--namespace', namespace, '--name', cng.metadata.name],
        resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
        securityContext: restrictedContainerSecurityContext(),
        ...definedOnly({ imagePullPolicy: policy.imagePullPolicy }),
      },
    ],
    ...definedOnly({ imagePullSecrets: policy.imagePullSecrets }),
  };
}

export function buildChildren(input: BuildInput): DesiredChildren {
  return {
    statefulSet: buildStatefulSet(input),
    service: buildHeadlessService(input),
    podDisruptionBudget: buildPodDisruptionBudget(input),
    horizontalPodAutoscaler: buildHorizontalPodAutoscaler(input),
    offline: buildOffline(input),
  };
}
