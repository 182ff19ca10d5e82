// The ComputeNodeGroup schema: the single source of the TypeScript types, the runtime validation, the CRD's OpenAPI
// schema (hack/generate.ts) and the API reference. Field names, types and meanings of the 2022 API are kept; every
// addition is optional with a default, so YAML written for the 2022 operator still validates.
import type {
  V1Affinity,
  V1EnvVarSource,
  V1Container,
  V1HostAlias,
  V1PodSecurityContext,
  V1SecurityContext,
  CoreV1ResourceClaim,
  V1TopologySpreadConstraint,
  V2HorizontalPodAutoscalerBehavior,
  V2MetricSpec,
} from '@kubernetes/client-node';
import { z } from 'zod';
import {
  API_VERSION,
  ConditionType,
  DEFAULT_LIVENESS_PROBE_SECONDS,
  DEFAULT_MAX_UNAVAILABLE,
  FE_ALIVE_CONDITION,
  DEFAULT_REPLICAS,
  DEFAULT_STARTUP_PROBE_SECONDS,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  DEFAULT_DRAIN_WINDOW_SECONDS,
  DRAIN_ORDERS,
  KIND,
  MAX_NAME_LENGTH,
  MAX_PROBE_SECONDS,
  MAX_TERMINATION_GRACE_PERIOD_SECONDS,
  DEFAULT_STORAGE_MOUNT_PATHS,
  type StorageVolume,
} from './constants.js';
import {
  CONTAINER_NAMES_FREE,
  CONTAINER_NAMES_UNIQUE,
  MAX_EXTRA_CONTAINERS,
  MAX_EXTRA_MOUNTS,
  MOUNT_PATHS_UNIQUE,
  RESERVED_CONTAINER_NAMES,
  ABSOLUTE_PATH_FORM,
  ABSOLUTE_PATH_MESSAGE,
  CLAIM_UNCHANGED,
  CLAIMS_UNCHANGED,
  PATH_MAX_LENGTH,
  ADDRESS_CHARSET,
  ADDRESS_FORM,
  ADDRESS_HOST_LENGTH,
  ADDRESS_NUMERIC_HOST,
  ADDRESS_MAX_LENGTH,
  ADDRESS_MESSAGES,
  ADDRESS_PORT_RANGE,
  DNS_LABEL,
  DNS_SUBDOMAIN,
  DNS_SUBDOMAIN_MAX_LENGTH,
  DNS_SUBDOMAIN_MESSAGE,
  IMAGE_FORM,
  IMAGE_MAX_LENGTH,
  IMAGE_MESSAGE,
  MAX_FE_ADDRESSES,
  PERCENT_FORM,
  POSITIVE_PERCENT_FORM,
  RESERVED_LABELS,
  RESERVED_LABELS_RULE,
  SCHEDULE_FORM,
  SCHEDULE_MAX_LENGTH,
  SCHEDULE_MESSAGE,
  SCHEDULE_RANGES,
  SCHEDULE_RANGES_MESSAGE,
  celMatches,
  type CelRule,
} from './rules.js';
import { cronMatchesSomeDate, isTimeZone } from '../../util/cron.js';

/** Metadata keys the CRD generator turns into the Kubernetes OpenAPI extensions of the same name. */
export const PRESERVE_UNKNOWN_FIELDS = 'x-kubernetes-preserve-unknown-fields';
export const INT_OR_STRING = 'x-kubernetes-int-or-string';
export const VALIDATIONS = 'x-kubernetes-validations';
export const LIST_TYPE = 'x-kubernetes-list-type';
export const LIST_MAP_KEYS = 'x-kubernetes-list-map-keys';

/**
 * An embedded Kubernetes type (affinity, HPA metrics, ...) that the operator copies verbatim into a child. Spelling
 * out these large types would duplicate the API server's own validation, which runs when the child is applied; here
 * it only has to be an object, and the CRD keeps its unknown fields.
 */
function kubeObject<T>(kubeType: string, description: string) {
  return z
    .record(z.string(), z.unknown(), { error: `must be an object (Kubernetes ${kubeType})` })
    .transform((value) => value as T)
    .meta({
      description: `${description} Kubernetes \`${kubeType}\`, copied verbatim into the child; the API server validates it when the operator applies the child.`,
      [PRESERVE_UNKNOWN_FIELDS]: true,
    });
}

function objectName(description: string) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(DNS_SUBDOMAIN_MAX_LENGTH, `must be at most ${DNS_SUBDOMAIN_MAX_LENGTH} characters`)
    .regex(new RegExp(DNS_SUBDOMAIN), DNS_SUBDOMAIN_MESSAGE)
    .meta({ description });
}

function image(description: string) {
  return z
    .string()
    .min(1, 'must not be empty: give an image reference such as starrocks/cn-ubuntu:3.3.5')
    .max(IMAGE_MAX_LENGTH, `must be at most ${IMAGE_MAX_LENGTH} characters`)
    .regex(new RegExp(IMAGE_FORM), IMAGE_MESSAGE)
    .meta({ description });
}

const stringMap = (description: string) =>
  z.record(z.string(), z.string({ error: 'must be a string (quote numbers and booleans)' })).meta({ description });

function int32(description: string) {
  return z.int32({ error: 'must be a whole number' }).meta({ description });
}

/** Each rule of an FE address, checked in this order; the first that fails is the message. */
const FE_ADDRESS_RULES: readonly { pattern: string; message: string }[] = [
  { pattern: ADDRESS_CHARSET, message: ADDRESS_MESSAGES.charset },
  { pattern: ADDRESS_FORM, message: ADDRESS_MESSAGES.form },
  { pattern: ADDRESS_NUMERIC_HOST, message: ADDRESS_MESSAGES.numericHost },
  { pattern: ADDRESS_HOST_LENGTH, message: ADDRESS_MESSAGES.hostLength },
  { pattern: ADDRESS_PORT_RANGE.replace(/^:/, '^.*:'), message: ADDRESS_MESSAGES.port },
];

/** The first rule an address breaks, as the API server reports it (one message, not every consequence of one error). */
function feAddressProblem(value: string): string | undefined {
  return FE_ADDRESS_RULES.find((rule) => !new RegExp(rule.pattern).test(value))?.message;
}

const feAddress = z
  .string()
  .max(ADDRESS_MAX_LENGTH, `must be at most ${ADDRESS_MAX_LENGTH} characters`)
  .superRefine((value, context) => {
    const message = feAddressProblem(value);
    if (message !== undefined) context.addIssue({ code: 'custom', message });
  })
  .meta({
    description: 'An FE MySQL endpoint `host:query_port` (query_port is 9030 by default).',
    [VALIDATIONS]: FE_ADDRESS_RULES.map((rule) => celMatches(rule.pattern, rule.message)) satisfies CelRule[],
  });

export const feInfoSchema = z
  .strictObject({
    addresses: z
      .array(feAddress)
      .min(1, 'must list at least one FE address host:query_port')
      .max(MAX_FE_ADDRESSES, `must list at most ${MAX_FE_ADDRESSES} FE addresses`)
      .meta({ description: 'FE MySQL endpoints `host:query_port`; the operator and the components try them in turn.' }),
    accountSecret: objectName(
      "Secret in the group's namespace with the keys `FE_USR` and `FE_PWD`: an FE account with the NODE privilege (or `cluster_admin`), and OPERATE for the drain's kill (StarRocks 3.4+).",
    ),
  })
  .meta({ description: 'How to reach the StarRocks FE.' });

export const addressTypeSchema = z.enum(['IP', 'FQDN'], { error: 'must be IP or FQDN' }).meta({
  description:
    'How a CN registers in the FE: `IP` as `<pod IP>:<heartbeat port>` (FE in IP mode, the default), `FQDN` as `<pod>.<headless service>.<namespace>.svc.cluster.local:<heartbeat port>` (FE in FQDN mode).',
});

export const registrationSchema = z.enum(['Sidecar', 'Operator'], { error: 'must be Sidecar or Operator' }).meta({
  description:
    'Who adds each CN to the FE and tells Kubernetes when its pod is ready. `Sidecar` (the 2022 design): a `register` ' +
    'container in every CN pod adds its CN and is ready while the FE reports it alive; CNs still register while the ' +
    'operator is down, but every pod holds the FE account and runs a second container. `Operator`: no sidecar and no ' +
    `FE credentials in the pods; the operator adds each CN and sets the pod readiness gate \`${FE_ALIVE_CONDITION}\` ` +
    'True while the FE reports it alive, so the pod is Ready only then (the HPA sees only the CN container).',
});

export const cnInfoSchema = z
  .strictObject({
    configMap: objectName(
      "ConfigMap whose key `cn.conf` is mounted as the CN's cn.conf; the ports are read from it. Absent: the image's cn.conf and the default ports.",
    ).optional(),
    addressType: addressTypeSchema.default('IP'),
    registration: registrationSchema.default('Sidecar'),
  })
  .meta({ description: 'Compute node configuration.' });

export const imagesSchema = z
  .strictObject({
    cnImage: image('CN image, e.g. `starrocks/cn-ubuntu:3.3.5`.'),
    componentsImage: image(
      "Image with the `register` and `offline` programs. Absent: the operator's own image, which holds both.",
    ).optional(),
  })
  .meta({ description: 'Container images.' });

export const hpaPolicySchema = z
  .strictObject({
    metrics: z
      .array(kubeObject<V2MetricSpec>('autoscaling/v2 MetricSpec', 'A metric the HPA scales on.'))
      .optional()
      .meta({ description: "Copied into the HPA's `spec.metrics`. Absent: the HPA's default (80% average CPU)." }),
    behavior: kubeObject<V2HorizontalPodAutoscalerBehavior>(
      'autoscaling/v2 HorizontalPodAutoscalerBehavior',
      "Copied into the HPA's `spec.behavior`: scale-up and scale-down policies.",
    ).optional(),
  })
  .meta({ description: 'Metrics and behavior of the HorizontalPodAutoscaler.' });

/** Most concurrent queries a CN can be asked to take; a target above it is a typo. */
export const MAX_QUERIES_PER_CN = 10_000;

export const queryScalingSchema = z
  .strictObject({
    targetPerCN: z
      .number({ error: 'must be a number of queries per CN, such as 4 or 2.5' })
      .positive('must be more than 0')
      .max(MAX_QUERIES_PER_CN, `must be at most ${MAX_QUERIES_PER_CN}`)
      .meta({
        description:
          "Running plus queued queries per CN the HPA aims at: the group's `query_load` (status.load.queryLoad) divided by this gives the number of CNs. Read from the FE (StarRocks 3.1+; the queue from 3.1.4 with query queues on).",
      }),
  })
  .meta({
    description:
      'Query-aware autoscaling in short: the operator adds to the HPA an `Object` metric `query_load` of this ComputeNodeGroup, served by its custom metrics API (or any provider of that metric), and, unless `hpaPolicy.behavior` is given, a behavior for analytic bursts (up at once, down slowly). Combined with `hpaPolicy.metrics`, the HPA takes the largest proposal. See docs/autoscaling.md.',
  });

const MIN_LE_MAX: CelRule = {
  rule: '!has(self.minReplicas) || self.minReplicas <= self.maxReplicas',
  message: 'minReplicas must be less than or equal to maxReplicas',
  fieldPath: '.minReplicas',
};

export const autoScalingPolicySchema = z
  .strictObject({
    maxReplicas: int32('Upper bound of the number of CNs.').min(1, 'must be 1 or more'),
    minReplicas: int32(
      "Lower bound of the number of CNs (the HPA's default is 1). 0 needs the HPAScaleToZero feature gate (alpha, off by default): where it is off the API server refuses the HPA and the group says so (ChildRefused); the HPA then scales to 0 through the same path as a suspension (docs/cost-control.md). autoSuspend does the same on every cluster.",
    )
      .min(0, 'must be 0 or more')
      .optional(),
    hpaPolicy: hpaPolicySchema.optional(),
    queries: queryScalingSchema.optional(),
    resourceMetrics: z.enum(['Container', 'Pod'], { error: 'must be Container or Pod' }).default('Container').meta({
      description:
        "What the CPU and memory metrics of `hpaPolicy.metrics` (`type: Resource`, and the HPA's default of 80% CPU when no metric is given) measure. `Container` (default): the `cn` container alone, as `ContainerResource` metrics, so the register sidecar's requests and usage do not skew the CN's figures. `Pod`: the whole pod, the metrics copied verbatim.",
    }),
  })
  .superRefine((policy, ctx) => {
    if (policy.minReplicas !== undefined && policy.minReplicas > policy.maxReplicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['minReplicas'],
        message: `must be less than or equal to maxReplicas (${policy.minReplicas} > ${policy.maxReplicas})`,
      });
    }
  })
  .meta({
    description:
      'Autoscaling: the operator creates an `autoscaling/v2` HorizontalPodAutoscaler whose target is this ComputeNodeGroup (its scale subresource); removing the policy deletes the HPA.',
    [VALIDATIONS]: [MIN_LE_MAX],
  });

/** A Kubernetes quantity such as `4`, `4000m`, `8Gi`; numbers are kept as their decimal text. */
const QUANTITY_FORM =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
/** Bounded so that CEL rules comparing claims stay within the API server's cost budget. */
const QUANTITY_MAX_LENGTH = 64;
const quantity = z
  .union([
    z.number(),
    z
      .string()
      .max(QUANTITY_MAX_LENGTH, `must be at most ${QUANTITY_MAX_LENGTH} characters`)
      .regex(new RegExp(QUANTITY_FORM), 'must be a Kubernetes quantity such as 4, 500m, 8Gi'),
  ])
  .transform((value) => String(value))
  .meta({ [INT_OR_STRING]: true, pattern: QUANTITY_FORM });

export const resourcesSchema = z
  .strictObject({
    limits: z
      .record(z.string(), quantity)
      .optional()
      .meta({ description: 'Maximum resources, e.g. `cpu: 4`, `memory: 8Gi`.' }),
    requests: z
      .record(z.string(), quantity)
      .optional()
      .meta({ description: "Requested resources (the HPA's utilization is relative to these)." }),
    claims: z
      .array(
        kubeObject<CoreV1ResourceClaim>('ResourceClaim', 'A dynamic resource claim of the pod the container uses.'),
      )
      .optional()
      .meta({ description: 'Dynamic resource claims (Kubernetes DRA), copied verbatim.' }),
  })
  .meta({ description: 'Resources of the `cn` container (Kubernetes `ResourceRequirements`).' });

export const tolerationSchema = z
  .strictObject({
    key: z.string().optional().meta({ description: 'Taint key; empty with operator Exists matches every taint.' }),
    operator: z
      .enum(['Exists', 'Equal'], { error: 'must be Exists or Equal' })
      .optional()
      .meta({ description: 'Exists or Equal (the default).' }),
    value: z.string().optional().meta({ description: 'Taint value, for operator Equal.' }),
    effect: z
      .enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], {
        error: 'must be NoSchedule, PreferNoSchedule or NoExecute',
      })
      .optional()
      .meta({ description: 'Taint effect to match; empty matches all effects.' }),
    tolerationSeconds: z
      .int({ error: 'must be a whole number of seconds' })
      .optional()
      .meta({ description: 'With NoExecute: how long the pod stays bound after the taint appears.' }),
  })
  .meta({ description: 'A Kubernetes `Toleration`.' });

export const envVarSchema = z
  .strictObject({
    name: z
      .string()
      .min(1, 'must not be empty')
      .regex(/^[^=]+$/, 'must not contain "="')
      .meta({ description: 'Variable name.' }),
    value: z.string().optional().meta({ description: 'Variable value.' }),
    valueFrom: kubeObject<V1EnvVarSource>('EnvVarSource', 'Source of the value.').optional(),
  })
  .meta({ description: 'A Kubernetes `EnvVar` of the `cn` container.' });

export const imagePullPolicySchema = z
  .enum(['Always', 'IfNotPresent', 'Never'], { error: 'must be Always, IfNotPresent or Never' })
  .meta({ description: 'Pull policy of the containers.' });

/** Seconds a CN health probe may fail before it acts; whole seconds, 0 disables the probe. */
const probeSeconds = (description: string) =>
  z
    .int({ error: 'must be a whole number of seconds' })
    .min(0, 'must be 0 or more (0 disables the probe)')
    .max(MAX_PROBE_SECONDS, `must be at most ${MAX_PROBE_SECONDS} (one day)`)
    .meta({ description });

const absolutePath = (description: string) =>
  z
    .string()
    .max(PATH_MAX_LENGTH, `must be at most ${PATH_MAX_LENGTH} characters`)
    // A CEL rule rather than a schema pattern, so the API server answers with the message, not the expression.
    .refine((value) => new RegExp(ABSOLUTE_PATH_FORM).test(value), { message: ABSOLUTE_PATH_MESSAGE })
    .meta({ description, [VALIDATIONS]: [celMatches(ABSOLUTE_PATH_FORM, ABSOLUTE_PATH_MESSAGE)] });

/** A container of the user's, copied verbatim; its name is checked here because the operator's own take two. */
const extraContainer = z
  .looseObject({
    name: z
      .string()
      .max(63, 'must be at most 63 characters')
      .regex(new RegExp(DNS_LABEL), 'must be lower-case letters, digits and "-", starting with a letter')
      .meta({ description: 'Container name (not `cn` or `register`).' }),
    image: z
      .string()
      .min(1, 'must not be empty')
      .max(IMAGE_MAX_LENGTH, `must be at most ${IMAGE_MAX_LENGTH} characters`)
      .meta({ description: 'Container image.' }),
  })
  .transform((value) => value as unknown as V1Container)
  .meta({
    description:
      'A Kubernetes `Container`, copied verbatim into the CN pod; the API server validates it when the operator applies the StatefulSet.',
    [PRESERVE_UNKNOWN_FIELDS]: true,
  });

const extraContainers = (description: string) =>
  z
    .array(extraContainer)
    .max(MAX_EXTRA_CONTAINERS, `must hold at most ${MAX_EXTRA_CONTAINERS} containers`)
    .superRefine((containers, ctx) => {
      const names = containers.map((container) => container.name);
      names.forEach((name, index) => {
        if ((RESERVED_CONTAINER_NAMES as readonly string[]).includes(name)) {
          ctx.addIssue({ code: 'custom', path: [index, 'name'], message: CONTAINER_NAMES_FREE.message });
        } else if (names.indexOf(name) !== index) {
          ctx.addIssue({ code: 'custom', path: [index, 'name'], message: CONTAINER_NAMES_UNIQUE.message });
        }
      });
    })
    .optional()
    .meta({ description, [VALIDATIONS]: [CONTAINER_NAMES_FREE, CONTAINER_NAMES_UNIQUE] });

const extraMount = (kind: 'ConfigMap' | 'Secret') =>
  z
    .strictObject({
      name: objectName(`Name of the ${kind} (in the group's namespace).`),
      mountPath: absolutePath(`Where it is mounted in the \`cn\` container (read-only).`),
      subPath: z
        .string()
        .max(PATH_MAX_LENGTH, `must be at most ${PATH_MAX_LENGTH} characters`)
        .regex(/^[A-Za-z0-9._-]+$/, 'must be one key of the object (letters, digits, ".", "_", "-")')
        .optional()
        .meta({ description: `Mount only this key of the ${kind}, as a file at mountPath.` }),
    })
    .meta({ description: `A ${kind} mounted read-only into the \`cn\` container.` });

const extraMounts = (kind: 'ConfigMap' | 'Secret', description: string) =>
  z
    .array(extraMount(kind))
    .max(MAX_EXTRA_MOUNTS, `must hold at most ${MAX_EXTRA_MOUNTS} entries`)
    .superRefine((mounts, ctx) => {
      const paths = mounts.map((mount) => mount.mountPath);
      paths.forEach((mountPath, index) => {
        if (paths.indexOf(mountPath) !== index) {
          ctx.addIssue({ code: 'custom', path: [index, 'mountPath'], message: MOUNT_PATHS_UNIQUE.message });
        }
      });
    })
    .optional()
    .meta({ description, [VALIDATIONS]: [MOUNT_PATHS_UNIQUE] });

export const podPolicySchema = z
  .strictObject({
    labels: stringMap('Extra labels of the CN pods.')
      .superRefine((labels, ctx) => {
        for (const key of RESERVED_LABELS) {
          if (key in labels) ctx.addIssue({ code: 'custom', path: [key], message: RESERVED_LABELS_RULE.message });
        }
      })
      .meta({ [VALIDATIONS]: [RESERVED_LABELS_RULE] })
      .optional(),
    annotations: stringMap('Extra annotations of the CN pods.').optional(),
    nodeSelector: stringMap('Node labels the CN pods must run on.').optional(),
    resources: resourcesSchema.optional(),
    imagePullSecrets: z
      .array(z.strictObject({ name: objectName('Name of a docker-registry Secret.') }))
      .optional()
      .meta({ description: 'Secrets to pull the images with.' }),
    affinity: kubeObject<V1Affinity>('Affinity', 'Scheduling affinity of the CN pods.').optional(),
    securityContext: kubeObject<V1PodSecurityContext>(
      'PodSecurityContext',
      'Pod security context. Absent: the RuntimeDefault seccomp profile.',
    ).optional(),
    containerSecurityContext: kubeObject<V1SecurityContext>(
      'SecurityContext',
      'Security context of the `cn` container, e.g. `runAsNonRoot: true` and `runAsUser` for an image whose files belong to a non-root user. Absent: `allowPrivilegeEscalation: false` (the official images run as root).',
    ).optional(),
    command: z.array(z.string()).optional().meta({
      description:
        "Command of the `cn` container. Absent: `/opt/starrocks/cn/bin/start_cn.sh` (the official image's start script, foreground). 2022 images used `be/bin/start_cn.sh`.",
    }),
    args: z.array(z.string()).optional().meta({ description: 'Arguments of the `cn` container.' }),
    tolerations: z.array(tolerationSchema).optional().meta({ description: 'Tolerations of the CN pods.' }),
    env: z.array(envVarSchema).optional().meta({ description: 'Extra environment variables of the `cn` container.' }),
    serviceAccountName: objectName(
      'ServiceAccount of the CN pods. Its token is never mounted: neither container calls the Kubernetes API.',
    ).optional(),
    terminationGracePeriodSeconds: z
      .int({ error: 'must be a whole number of seconds' })
      .min(0, 'must be 0 or more')
      .max(MAX_TERMINATION_GRACE_PERIOD_SECONDS, `must be at most ${MAX_TERMINATION_GRACE_PERIOD_SECONDS} (one day)`)
      .default(DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS)
      .meta({
        description:
          'Seconds a CN gets to finish its running queries when it stops; the graceful stop (`stop_cn.sh -g`) is bounded by it. With `drain.order: Drain` the pods get at least `drain.windowSeconds` + 35 (335 by default: a 5 s lead, 20 s of graceful exit, a margin).',
      }),
    startupProbeFailureSeconds: probeSeconds(
      `How long a CN may take to start (to answer \`/api/health\`) before it is restarted; a CN that warms a large cache needs minutes. 0: no startup probe. Default ${DEFAULT_STARTUP_PROBE_SECONDS}.`,
    ).default(DEFAULT_STARTUP_PROBE_SECONDS),
    livenessProbeFailureSeconds: probeSeconds(
      `How long a started CN may leave \`/api/health\` unanswered before it is restarted. 0: no liveness probe. Default ${DEFAULT_LIVENESS_PROBE_SECONDS}.`,
    ).default(DEFAULT_LIVENESS_PROBE_SECONDS),
    readinessProbeFailureSeconds: probeSeconds(
      'With a value above 0, the `cn` container is also not ready while `/api/health` stays unanswered this long (the pod is then not Ready either). Absent or 0: no readiness probe on `cn` (readiness comes from the FE: the sidecar or the readiness gate).',
    ).optional(),
    priorityClassName: objectName('PriorityClass of the CN pods.').optional(),
    topologySpreadConstraints: z
      .array(kubeObject<V1TopologySpreadConstraint>('TopologySpreadConstraint', 'How to spread the CN pods.'))
      .optional()
      .meta({ description: 'Topology spread constraints of the CN pods (their labelSelector must be given).' }),
    imagePullPolicy: imagePullPolicySchema.optional(),
    schedulerName: objectName("Scheduler of the CN pods. Absent: the cluster's default scheduler.").optional(),
    hostAliases: z
      .array(kubeObject<V1HostAlias>('HostAlias', 'An IP and the host names it answers to.'))
      .optional()
      .meta({ description: 'Extra `/etc/hosts` entries of the CN pods (e.g. object storage endpoints).' }),
    shareProcessNamespace: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .meta({ description: "The containers of a CN pod see each other's processes (for debugging sidecars)." }),
    gracefulStop: z.enum(['Auto', 'Always', 'Never'], { error: 'must be Auto, Always or Never' }).default('Auto').meta({
      description:
        "Whether the CN's preStop hook runs `stop_cn.sh -g` (a graceful exit that lets running queries finish, in StarRocks 3.3.17, 3.4.6, 3.5.2 and later). `Auto` (default): decided from the tag of `images.cnImage` (a version below those, or below 3.3, gets no hook and stops on the kubelet's SIGTERM; a tag that is not a version counts as recent). `Always` / `Never` override it.",
    }),
    initContainers: extraContainers(
      'Init containers of the CN pods, run before `cn` starts (e.g. preparing a cache disk); one with `restartPolicy: Always` is a native sidecar.',
    ),
    sidecars: extraContainers(
      'Extra containers of the CN pods, next to `cn` (and `register`), e.g. a log shipper reading the log volume.',
    ),
    configMaps: extraMounts(
      'ConfigMap',
      'ConfigMaps mounted read-only into the `cn` container (e.g. a core-site.xml or hive-site.xml for data-lake catalogs).',
    ),
    secrets: extraMounts(
      'Secret',
      'Secrets mounted read-only into the `cn` container (e.g. object storage credentials files).',
    ),
    minReadySeconds: z
      .int({ error: 'must be a whole number of seconds' })
      .min(0, 'must be 0 or more')
      .max(MAX_PROBE_SECONDS, `must be at most ${MAX_PROBE_SECONDS} (one day)`)
      .optional()
      .meta({
        description:
          "Seconds a new CN pod must stay Ready before the rollout counts it available (the StatefulSet's `minReadySeconds`).",
      }),
  })
  .meta({ description: 'Pod template settings of the CN pods.' });

export const claimSchema = z
  .strictObject({
    size: quantity.meta({ description: "Requested size of each CN's claim, e.g. `200Gi`." }),
    storageClassName: objectName("StorageClass of the claims. Absent: the cluster's default class.").optional(),
    accessModes: z
      .array(
        z.enum(['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany'], {
          error: 'must be ReadWriteOnce, ReadWriteOncePod, ReadWriteMany or ReadOnlyMany',
        }),
      )
      .min(1, 'must name at least one access mode')
      .max(4, 'must name each access mode at most once')
      .optional()
      .meta({ description: 'Access modes of the claims. Absent: `[ReadWriteOnce]`.' }),
  })
  .meta({
    description:
      "A PersistentVolumeClaim per CN (a StatefulSet volume claim template, named after the volume). It cannot change once the group exists (the StatefulSet's claim templates are immutable).",
    [VALIDATIONS]: [CLAIM_UNCHANGED],
  });

export const emptyDirSchema = z
  .strictObject({
    sizeLimit: quantity.optional().meta({ description: 'Most the volume may hold; the pod is evicted beyond it.' }),
    medium: z
      .enum(['', 'Memory'], { error: 'must be "" (the node\'s disk) or Memory' })
      .optional()
      .meta({ description: "`Memory` for a tmpfs (counted against the memory limit); absent: the node's disk." }),
  })
  .meta({ description: "A directory on the node's disk that lives as long as the pod (lost when the pod goes)." });

export const hostPathSchema = z
  .strictObject({
    path: absolutePath('Directory on the node, e.g. a local NVMe mount such as `/mnt/nvme0/starrocks`.'),
    type: z
      .enum(['Directory', 'DirectoryOrCreate'], { error: 'must be Directory or DirectoryOrCreate' })
      .optional()
      .meta({ description: '`DirectoryOrCreate` (absent) creates it; `Directory` requires it to exist.' }),
  })
  .meta({
    description:
      "A directory of the node (local NVMe). Every CN pod on the node shares it: give cn.conf an explicit cache size, since the CN's default is a share of the whole disk.",
  });

const ONE_VOLUME_SOURCE: CelRule = {
  rule: '[has(self.persistentVolumeClaim), has(self.emptyDir), has(self.hostPath)].filter(x, x).size() == 1',
  message: 'must set exactly one of persistentVolumeClaim, emptyDir or hostPath',
};

const storageVolumeSchema = (volume: StorageVolume, keys: string) =>
  z
    .strictObject({
      mountPath: absolutePath(
        `Where the volume is mounted in the \`cn\` container. Absent: \`${DEFAULT_STORAGE_MOUNT_PATHS[volume]}\`, the CN's default for ${keys}.`,
      ).optional(),
      persistentVolumeClaim: claimSchema.optional(),
      emptyDir: emptyDirSchema.optional(),
      hostPath: hostPathSchema.optional(),
    })
    .superRefine((value, ctx) => {
      const sources = [value.persistentVolumeClaim, value.emptyDir, value.hostPath].filter((x) => x !== undefined);
      if (sources.length !== 1) ctx.addIssue({ code: 'custom', message: ONE_VOLUME_SOURCE.message });
    })
    .meta({ [VALIDATIONS]: [ONE_VOLUME_SOURCE], description: `The volume for ${keys}: exactly one source.` });

export const retentionSchema = z
  .strictObject({
    whenScaled: z.enum(['Retain', 'Delete'], { error: 'must be Retain or Delete' }).default('Retain').meta({
      description:
        "What happens to the claims of CNs removed by a scale-in: `Retain` (default) keeps them, so a later scale-out gets the same CN's warm cache back; `Delete` frees the storage.",
    }),
    whenDeleted: z
      .enum(['Retain', 'Delete'], { error: 'must be Retain or Delete' })
      .default('Retain')
      .meta({ description: 'What happens to the claims when the group is deleted. Default `Retain`.' }),
  })
  .meta({
    description:
      "The StatefulSet's `persistentVolumeClaimRetentionPolicy` for the claims of `persistentVolumeClaim` volumes.",
  });

export const storageSchema = z
  .strictObject({
    cache: storageVolumeSchema('cache', '`storage_root_path` and `datacache_disk_path` (the data cache)').optional(),
    spill: storageVolumeSchema('spill', '`spill_local_storage_dir` (query spill)').optional(),
    log: storageVolumeSchema('log', '`sys_log_dir` (logs)').optional(),
    persistentVolumeClaimRetention: retentionSchema.prefault({}),
  })
  .meta({
    description:
      'Volumes of the CN: its data cache, spill and log directories. Absent: they live in the container and are lost with it.',
  });

export const cronJobPolicySchema = z
  .strictObject({
    schedule: z
      .string()
      .max(SCHEDULE_MAX_LENGTH, `must be at most ${SCHEDULE_MAX_LENGTH} characters`)
      .regex(new RegExp(SCHEDULE_FORM), SCHEDULE_MESSAGE)
      .refine((value) => !new RegExp(SCHEDULE_FORM).test(value) || new RegExp(SCHEDULE_RANGES).test(value), {
        message: SCHEDULE_RANGES_MESSAGE,
      })
      .optional()
      .meta({
        [VALIDATIONS]: [celMatches(SCHEDULE_RANGES, SCHEDULE_RANGES_MESSAGE)],
        description:
          "Cron schedule of the `offline` CronJob (a clean-up pass that drops this group's dead CNs from the FE). The operator does the same continuously; the job is kept for 2022 compatibility. Absent: no CronJob.",
      }),
  })
  .meta({ description: 'The `offline` CronJob.' });

const maxUnavailable = z
  .union(
    [
      z.int({ error: 'must be a whole number or a percentage' }).min(0, 'must be 0 or more'),
      z.string().regex(new RegExp(PERCENT_FORM), 'must be a percentage from 0% to 100% such as "25%"'),
    ],
    { error: 'must be a number of pods or a percentage such as "25%"' },
  )
  .default(DEFAULT_MAX_UNAVAILABLE)
  .meta({
    description: 'Most CN pods a voluntary disruption (a node drain) may take at once: a number or a percentage.',
    [INT_OR_STRING]: true,
  });

export const podDisruptionBudgetSchema = z
  .strictObject({ maxUnavailable })
  .meta({ description: 'The PodDisruptionBudget of the CN pods.' });

const PARTITION_NEEDS_ROLLING_UPDATE: CelRule = {
  rule: "!has(self.partition) || self.type == 'RollingUpdate'",
  message: 'partition applies to type RollingUpdate only',
  fieldPath: '.partition',
};

const MAX_UNAVAILABLE_NEEDS_ROLLING_UPDATE: CelRule = {
  rule: "!has(self.maxUnavailable) || self.type == 'RollingUpdate'",
  message: 'maxUnavailable applies to type RollingUpdate only',
  fieldPath: '.maxUnavailable',
};

const rolloutMaxUnavailable = z
  .union(
    [
      z.int({ error: 'must be a whole number or a percentage' }).min(1, 'must be 1 or more'),
      z.string().regex(new RegExp(POSITIVE_PERCENT_FORM), 'must be a percentage from 1% to 100% such as "25%"'),
    ],
    { error: 'must be a number of pods or a percentage such as "25%"' },
  )
  .optional()
  .meta({
    description:
      "With RollingUpdate, how many CNs may be replaced at once (a number or a percentage; default 1). Kubernetes honours it only with the `MaxUnavailableStatefulSet` feature gate on (beta, off by default up to 1.36); elsewhere the API server drops it, the rollout goes one CN at a time, and the group's `ChildrenApplied` condition says `FieldsDropped`.",
    [INT_OR_STRING]: true,
  });

export const updateStrategySchema = z
  .strictObject({
    type: z
      .enum(['RollingUpdate', 'OnDelete'], { error: 'must be RollingUpdate or OnDelete' })
      .default('RollingUpdate')
      .meta({
        description:
          '`RollingUpdate` (default): a changed pod template (cn.conf, image, podPolicy) replaces the CNs one at a time, each Ready (alive in the FE) before the next. `OnDelete`: a CN gets the new template only when its pod is deleted.',
      }),
    partition: int32(
      'With RollingUpdate, only CNs with an ordinal at or above this number are updated (a canary: set it to replicas - 1, check, then lower it).',
    )
      .min(0, 'must be 0 or more')
      .optional(),
    maxUnavailable: rolloutMaxUnavailable,
  })
  .superRefine((strategy, ctx) => {
    if (strategy.partition !== undefined && strategy.type !== 'RollingUpdate') {
      ctx.addIssue({ code: 'custom', path: ['partition'], message: PARTITION_NEEDS_ROLLING_UPDATE.message });
    }
    if (strategy.maxUnavailable !== undefined && strategy.type !== 'RollingUpdate') {
      ctx.addIssue({
        code: 'custom',
        path: ['maxUnavailable'],
        message: MAX_UNAVAILABLE_NEEDS_ROLLING_UPDATE.message,
      });
    }
  })
  .meta({
    description: "How CN pods get a new template (the StatefulSet's `updateStrategy`).",
    [VALIDATIONS]: [PARTITION_NEEDS_ROLLING_UPDATE, MAX_UNAVAILABLE_NEEDS_ROLLING_UPDATE],
  });

export const drainSchema = z
  .strictObject({
    order: z.enum(DRAIN_ORDERS, { error: 'must be Drain, DropFirst or StopFirst' }).default('Drain').meta({
      description:
        "How a leaving CN (scale-in, rollout, eviction, a pod deleted by hand, the group's deletion) is taken out. `Drain` (default): the FE stops sending it new work first (DROP), the pod's preStop hook then waits until the CN runs no query (its `starrocks_be_pip_query_ctx_cnt`), at most `windowSeconds`, and only then stops it gracefully; past the window the operator kills, through the FE, the queries still running there (StarRocks 3.4+), so they fail at once with a message naming the drain instead of hanging. `DropFirst`: the 2022 order (DROP, then `stop_cn.sh -g` at once: a query still running there when the CN exits hangs until its timeout). `StopFirst`: the official operator's order (stop first, DROP once the pod is gone: on 3.3 the FE keeps sending new work to the stopping CN until it declares it dead).",
    }),
    windowSeconds: z
      .int({ error: 'must be a whole number of seconds' })
      .min(0, 'must be 0 or more')
      .max(MAX_TERMINATION_GRACE_PERIOD_SECONDS, `must be at most ${MAX_TERMINATION_GRACE_PERIOD_SECONDS} (one day)`)
      .default(DEFAULT_DRAIN_WINDOW_SECONDS)
      .meta({
        description: `With \`order: Drain\`, the longest a leaving CN waits for its running queries to finish; default ${DEFAULT_DRAIN_WINDOW_SECONDS} (StarRocks' default \`query_timeout\`). The pods' \`terminationGracePeriodSeconds\` is raised to the window plus 35 s when it is smaller. Queries longer than the window are killed when it ends. 0: no wait, as \`DropFirst\`.`,
      }),
  })
  .meta({ description: 'How CNs leave without breaking queries (docs/operating.md, "Draining a CN").' });

// ---- cost control: suspend, schedules, idle auto-suspend ---------------------------------------------------------

/** Longest idle time `autoSuspend.idleSeconds` takes: a week. */
const MAX_IDLE_SECONDS = 604_800;
/** At most this many schedule windows per group (bounds the CEL cost and the status). */
export const MAX_SCHEDULES = 16;

const cronOf = (what: string) =>
  z
    .string()
    .max(SCHEDULE_MAX_LENGTH, `must be at most ${SCHEDULE_MAX_LENGTH} characters`)
    .regex(new RegExp(SCHEDULE_FORM), SCHEDULE_MESSAGE)
    .refine((value) => !new RegExp(SCHEDULE_FORM).test(value) || new RegExp(SCHEDULE_RANGES).test(value), {
      message: SCHEDULE_RANGES_MESSAGE,
    })
    .refine((value) => !new RegExp(SCHEDULE_RANGES).test(value) || cronMatchesSomeDate(value), {
      message: 'never matches a date (e.g. the 31st of February)',
    })
    .meta({ description: what, [VALIDATIONS]: [celMatches(SCHEDULE_RANGES, SCHEDULE_RANGES_MESSAGE)] });

const WINDOW_ENDS: CelRule = {
  rule: 'self.start != self.end',
  message: 'end must differ from start: a window that ends when it starts would never close',
  fieldPath: '.end',
};

const WINDOW_SETS_ONE_THING: CelRule = {
  rule: '(has(self.suspend) && self.suspend) ? !has(self.replicas) && !has(self.minReplicas) && !has(self.maxReplicas) : has(self.replicas) || has(self.minReplicas) || has(self.maxReplicas)',
  message: 'a window either suspends the group (suspend: true) or sets replicas, minReplicas or maxReplicas',
};

export const scheduleWindowSchema = z
  .strictObject({
    name: z
      .string({ error: 'must be a name' })
      .min(1, 'must not be empty')
      .max(63, 'must be at most 63 characters')
      .regex(new RegExp(DNS_LABEL), 'must be lower-case letters, digits and "-", starting with a letter')
      .meta({ description: 'Names the window in status, Events and `cngctl status`.' }),
    start: cronOf('Cron expression (five fields) of the times the window opens, read in `timeZone`.'),
    end: cronOf(
      'Cron expression of the times the window closes: it stays open from a `start` until the first `end` after it (wall-clock times, so a window keeps its hours across daylight saving changes).',
    ),
    timeZone: z
      .string()
      .max(64, 'must be at most 64 characters')
      .refine(isTimeZone, { message: 'must be an IANA time zone such as "Asia/Shanghai" or "UTC"' })
      .default('UTC')
      .meta({ description: 'IANA time zone of `start` and `end`; default UTC.' }),
    suspend: z
      .boolean()
      .optional()
      .meta({ description: 'True: the group is suspended while the window is open (as with `spec.suspend`).' }),
    replicas: int32('Without an autoscaling policy: the number of CNs while the window is open.')
      .min(0, 'must be 0 or more')
      .optional(),
    minReplicas: int32("With an autoscaling policy: the HPA's lower bound while the window is open.")
      .min(1, 'must be 1 or more')
      .optional(),
    maxReplicas: int32("With an autoscaling policy: the HPA's upper bound while the window is open.")
      .min(1, 'must be 1 or more')
      .optional(),
  })
  .superRefine((window, ctx) => {
    const sets = window.replicas !== undefined || window.minReplicas !== undefined || window.maxReplicas !== undefined;
    if (window.suspend === true ? sets : !sets)
      ctx.addIssue({ code: 'custom', message: WINDOW_SETS_ONE_THING.message });
    if (window.start === window.end) ctx.addIssue({ code: 'custom', path: ['end'], message: WINDOW_ENDS.message });
  })
  .meta({
    description:
      "A time window that sets the group's capacity while it is open; outside every window the spec applies as written. Metric scaling goes on inside a window (it sets the HPA's bounds). Overlapping windows: the largest figure of each wins, and a suspending window applies only while no open window asks for CNs.",
    [VALIDATIONS]: [WINDOW_SETS_ONE_THING, WINDOW_ENDS],
  });

export const autoSuspendSchema = z
  .strictObject({
    idleSeconds: z
      .int({ error: 'must be a whole number of seconds' })
      .min(60, 'must be 60 or more')
      .max(MAX_IDLE_SECONDS, `must be at most ${MAX_IDLE_SECONDS} (a week)`)
      .meta({
        description:
          'Suspend the group after this long without work: no query running on its CNs nor queued in the FE and, where `feHttpPort` is set and the FE has `warehouse_idle_check_enable`, the FE itself idle (GET /api/idle_status). Never decided on a guess: a pass that cannot read one of them starts the idle time over.',
      }),
    resume: z.enum(['OnWork', 'Manual'], { error: 'must be OnWork or Manual' }).default('OnWork').meta({
      description:
        '`OnWork` (default): resume when queries run on its CNs or wait in the FE queue, when the FE reports itself busy (/api/idle_status; only once it was seen quiet after the suspension, since the FE counts the operator own DROPs as work), or when a schedule window that asks for CNs opens. `Manual`: stay suspended until the spec changes.',
    }),
    feHttpPort: z.int().min(1, 'must be a port number').max(65535, 'must be a port number').optional().meta({
      description:
        "The FE's HTTP port (its `http_port`, usually 8030) on the hosts of `feInfo.addresses`, for GET /api/idle_status. Absent: only the group's own figures are read.",
    }),
  })
  .meta({ description: 'Idle auto-suspend and wake on work (docs/cost-control.md).' });

const WINDOW_FITS_SCALING: CelRule = {
  rule: '!has(self.schedules) || (has(self.autoScalingPolicy) ? self.schedules.all(w, !has(w.replicas)) : self.schedules.all(w, !has(w.minReplicas) && !has(w.maxReplicas)))',
  message: 'schedule windows set minReplicas and maxReplicas with an autoscaling policy, and replicas without one',
};

export const computeNodeGroupSpecSchema = z
  .strictObject({
    feInfo: feInfoSchema,
    cnInfo: cnInfoSchema.prefault({}),
    images: imagesSchema,
    replicas: int32('Number of CNs. With an autoscaling policy the HPA writes it through the scale subresource.')
      .min(0, 'must be 0 or more')
      .default(DEFAULT_REPLICAS),
    autoScalingPolicy: autoScalingPolicySchema.optional(),
    podPolicy: podPolicySchema.prefault({}),
    cronJobPolicy: cronJobPolicySchema.optional(),
    podDisruptionBudget: podDisruptionBudgetSchema.prefault({}),
    storage: storageSchema.optional(),
    updateStrategy: updateStrategySchema.optional(),
    drain: drainSchema.prefault({}),
    suspend: z.boolean().default(false).meta({
      description:
        'True: take every CN out (through the same ordered path as a scale-in: out of the FE first, then drained) and keep `replicas`, the claims and the HPA settings to come back to. Refused while the FE would be left with no alive BE or CN, unless `allowNoCompute` (docs/cost-control.md).',
    }),
    schedules: z
      .array(scheduleWindowSchema)
      .max(MAX_SCHEDULES, `must have at most ${MAX_SCHEDULES} windows`)
      .optional()
      .meta({
        description: 'Time windows that set the capacity while they are open.',
        [LIST_TYPE]: 'map',
        [LIST_MAP_KEYS]: ['name'],
      }),
    autoSuspend: autoSuspendSchema.optional(),
    allowNoCompute: z.boolean().default(false).meta({
      description:
        'True: the group may go to 0 CNs (suspend, a window, `replicas: 0`) even when the FE then has no alive BE or CN at all, where every query fails at once until a CN is back (a CN-only cluster). False (default): the group keeps 1 CN and says why.',
    }),
  })
  .superRefine((spec, ctx) => {
    const scaled = spec.autoScalingPolicy !== undefined;
    (spec.schedules ?? []).forEach((window, index) => {
      const wrong = scaled
        ? window.replicas !== undefined
        : window.minReplicas !== undefined || window.maxReplicas !== undefined;
      if (wrong) ctx.addIssue({ code: 'custom', path: ['schedules', index], message: WINDOW_FITS_SCALING.message });
    });
  })
  .meta({
    description: 'Desired state of a group of StarRocks compute nodes.',
    [VALIDATIONS]: [CLAIMS_UNCHANGED, WINDOW_FITS_SCALING],
  });

export const conditionSchema = z
  .object({
    type: z
      .string()
      .min(1)
      .meta({
        description: `Condition type: ${Object.values(ConditionType).join(', ')}.`,
      }),
    status: z.enum(['True', 'False', 'Unknown']),
    observedGeneration: z.int().min(0).optional(),
    lastTransitionTime: z
      .string()
      .meta({ description: 'RFC 3339 time of the last status change.', format: 'date-time' }),
    reason: z.string().meta({ description: 'CamelCase reason.' }),
    message: z.string().meta({ description: 'What happened and what to do.' }),
  })
  .meta({ description: 'A standard Kubernetes condition.' });

export const serversCountersSchema = z
  .object({
    available: z.int().min(0).meta({ description: 'CNs of this group registered and alive in the FE.' }),
    unavailable: z.int().min(0).meta({ description: 'CNs of this group registered but not alive in the FE.' }),
    unregistered: z.int().min(0).meta({ description: 'Pods of this group whose CN is not registered in the FE.' }),
    useless: z.int().min(0).meta({ description: 'FE entries of this group with no pod: to be dropped.' }),
  })
  .meta({ description: 'Counters of the 2022 API.' });

export const computeNodeStatusSchema = z
  .object({
    pod: z.string().meta({ description: 'Pod name (of the pod that had the address when it was registered).' }),
    address: z.string().meta({ description: 'Registered address `host:heartbeatPort`.' }),
    registered: z.boolean().meta({ description: 'The FE lists the address.' }),
    alive: z.boolean().meta({ description: 'The FE reports the CN alive.' }),
    drain: z
      .object({
        since: z.string().meta({
          description: 'When the operator saw the CN out of the FE (its DROP done) with its pod leaving (RFC 3339).',
          format: 'date-time',
        }),
        windowEndsAt: z.string().meta({
          description: 'When its drain window ends: the CN stops by then, whatever still runs there.',
          format: 'date-time',
        }),
        killedQueries: z.int().min(0).optional().meta({
          description:
            'Set once the end of the window was dealt with: how many queries still running on the CN were killed through the FE. Those that could not be (StarRocks before 3.4, a missing privilege) are named in the Event `DrainWindowOver`.',
        }),
      })
      .optional()
      .meta({
        description: 'With `drain.order: Drain`, the drain of a leaving CN (its pod is leaving or terminating).',
      }),
  })
  .meta({ description: 'One CN of the group as the FE sees it.' });

const loadFigure = (description: string) => z.number().min(0).optional().meta({ description });

export const loadStatusSchema = z
  .object({
    aliveComputeNodes: z.int().min(0).meta({ description: "The group's CNs the FE reports alive." }),
    queryLoad: loadFigure(
      'runningQueries + pendingQueries: what query-aware autoscaling targets per CN. Absent when the FE does not report both.',
    ),
    runningQueries: loadFigure(
      "NumRunningQueries summed over the group's alive CNs (StarRocks 3.1+; a query on n CNs counts n times).",
    ),
    pendingQueries: loadFigure(
      "The group's share of the FE's query queue (SHOW RUNNING QUERIES, 3.1.4+, with query queues on), in proportion to its share of the alive CNs.",
    ),
    slotLoad: loadFigure(
      "The group's share of the slots of the FE's query queue, running and waiting (SHOW RUNNING QUERIES' Slots, 3.1.4+): 1 per query under queue v1, the FE's estimate per query under v2 (the default from 4.1).",
    ),
    cpuUsedPercent: loadFigure("Mean CpuUsedPct the FE reports for the group's alive CNs (3.1+)."),
    memUsedPercent: loadFigure("Mean MemUsedPct the FE reports for the group's alive CNs (3.1+)."),
  })
  .meta({ description: "The group's load as the FE reported it at the last read (see docs/autoscaling.md)." });

export const suspensionStatusSchema = z
  .object({
    suspendedBy: z.enum(['Spec', 'Schedule', 'Idle']).optional().meta({
      description:
        'Set while the group is suspended: by `spec.suspend`, by a schedule window, or after being idle (`autoSuspend`).',
    }),
    since: z.string().optional().meta({ description: 'When the suspension began (RFC 3339).', format: 'date-time' }),
    generation: z
      .int()
      .min(0)
      .optional()
      .meta({ description: 'The generation suspended: an idle suspension ends when the spec changes.' }),
    quietSince: z.string().optional().meta({
      description:
        'Idle suspensions: the first pass since the suspension that read no work. The FE counts the operator own DROPs as work for a while, so the FE reporting itself busy wakes the group only after this (RFC 3339).',
      format: 'date-time',
    }),
    idleSince: z.string().optional().meta({
      description: 'With `autoSuspend`: since when the group has had no work (RFC 3339).',
      format: 'date-time',
    }),
    openWindows: z.array(z.string()).optional().meta({ description: 'The schedule windows open now (absent: none).' }),
    nextChange: z
      .object({
        at: z.string().meta({ description: 'When (RFC 3339).', format: 'date-time' }),
        window: z.string().meta({ description: 'The window.' }),
        action: z.enum(['Opens', 'Closes']),
      })
      .optional()
      .meta({ description: 'The next time a schedule window opens or closes.' }),
  })
  .meta({ description: 'Suspension, schedules and idle time (docs/cost-control.md).' });

export const computeNodeGroupStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().meta({ description: 'The generation the status describes.' }),
    conditions: z
      .array(conditionSchema)
      .optional()
      .meta({ description: 'Standard conditions.', [LIST_TYPE]: 'map', [LIST_MAP_KEYS]: ['type'] }),
    replicas: z.int().min(0).optional().meta({ description: 'Current number of CN pods (scale subresource).' }),
    readyReplicas: z.int().min(0).optional().meta({ description: 'CN pods that are ready.' }),
    registeredReplicas: z
      .int()
      .min(0)
      .optional()
      .meta({ description: 'CNs of this group the FE lists, alive or not (servers.available + servers.unavailable).' }),
    labelSelector: z.string().optional().meta({ description: 'Selector of the CN pods (scale subresource, HPA).' }),
    servers: serversCountersSchema.optional(),
    computeNodes: z.array(computeNodeStatusSchema).optional().meta({
      description:
        'Every CN of the group, and every address this group registered that is still in the FE (the ledger the operator drops from).',
    }),
    load: loadStatusSchema.optional(),
    suspension: suspensionStatusSchema.optional(),
  })
  .meta({ description: 'Observed state, written by the operator.' });

const groupName = z
  .string({ error: "must be the group's name" })
  .min(1, 'must not be empty')
  .max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters (the children's names add suffixes)`)
  .regex(new RegExp(DNS_LABEL), 'must be lower-case letters, digits and "-", starting with a letter');

export const objectMetaSchema = z.looseObject({
  name: groupName,
  namespace: z.string().optional(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  resourceVersion: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  /** Set by the API server when the group is being deleted (the finalizer then runs). */
  deletionTimestamp: z.string().optional(),
});

export const computeNodeGroupSchema = z.object({
  apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
  kind: z.literal(KIND, { error: `must be ${KIND}` }),
  metadata: objectMetaSchema,
  spec: computeNodeGroupSpecSchema,
  // A status the operator cannot read (e.g. the 2022 map of conditions) is dropped, never a reason to reject the
  // group: the operator rewrites the whole status anyway.
  status: computeNodeGroupStatusSchema.optional().catch(undefined),
});

/** Root CEL rules of the CRD, mirroring the `metadata.name` checks above. */
export const ROOT_VALIDATIONS: CelRule[] = [
  {
    rule: `size(self.metadata.name) <= ${MAX_NAME_LENGTH}`,
    message: `metadata.name must be at most ${MAX_NAME_LENGTH} characters (the children's names add suffixes)`,
  },
  {
    rule: `self.metadata.name.matches('${DNS_LABEL}')`,
    message: 'metadata.name must be lower-case letters, digits and "-", starting with a letter',
  },
];

export type ComputeNodeGroup = z.output<typeof computeNodeGroupSchema>;
/** What a user may write: defaults not yet applied. */
export type ComputeNodeGroupInput = z.input<typeof computeNodeGroupSchema>;
export type ComputeNodeGroupSpec = z.output<typeof computeNodeGroupSpecSchema>;
export type ComputeNodeGroupStatus = z.output<typeof computeNodeGroupStatusSchema>;
export type ComputeNodeStatus = z.output<typeof computeNodeStatusSchema>;
export type Condition = z.output<typeof conditionSchema>;
export type ServersCounters = z.output<typeof serversCountersSchema>;
export type LoadStatus = z.output<typeof loadStatusSchema>;
export type SuspensionStatus = z.output<typeof suspensionStatusSchema>;
export type ScheduleWindow = z.output<typeof scheduleWindowSchema>;
export type AutoSuspend = z.output<typeof autoSuspendSchema>;
export type AddressType = z.output<typeof addressTypeSchema>;
export type Registration = z.output<typeof registrationSchema>;
export type PodPolicy = z.output<typeof podPolicySchema>;
export type AutoScalingPolicy = z.output<typeof autoScalingPolicySchema>;
export type QueryScaling = z.output<typeof queryScalingSchema>;
export type Storage = z.output<typeof storageSchema>;
