// What the reconciler needs to know about one CN pod, parsed from the raw object in the cache. Parsing (rather
// than casting) keeps a malformed or unexpected pod from crashing a reconcile: it is simply not a CN pod.
import { z } from 'zod';
import type { CacheTransform } from '../kube/informer.js';
import type { KubeObject } from '../kube/objects.js';
import { isRecord } from '../util/guards.js';
import { FE_ALIVE_CONDITION, type ComputeNodeGroup, type OwnConditionReason } from '../api/v1alpha1/index.js';
import { podFqdn, statefulSetName, type GroupIdentity } from '../builders/names.js';
import { cnAddress, podOrdinal } from '../cn/index.js';
import { CN_CONTAINER, REGISTER_COMMAND, REGISTER_CONTAINER } from '../builders/settings.js';
import type { MemberPod } from '../membership/index.js';

const containerStateSchema = z.looseObject({
  waiting: z.looseObject({ reason: z.string().optional(), message: z.string().optional() }).optional(),
  running: z.looseObject({}).optional(),
  terminated: z
    .looseObject({ reason: z.string().optional(), message: z.string().optional(), exitCode: z.number().optional() })
    .optional(),
});

const podSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    deletionTimestamp: z.string().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  status: z
    .looseObject({
      phase: z.string().optional(),
      podIP: z.string().optional(),
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
      containerStatuses: z
        .array(
          z.looseObject({
            name: z.string(),
            image: z.string().optional(),
            ready: z.boolean().optional(),
            started: z.boolean().optional(),
            restartCount: z.number().optional(),
            state: containerStateSchema.optional(),
            lastState: containerStateSchema.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export interface ContainerProblem {
  reason: Extract<OwnConditionReason, `CN${string}` | 'RegisterStartFailed'>;
  message: string;
}

export interface PodView {
  name: string;
  /** The StatefulSet ordinal, a number: `cn-10` sorts after `cn-9`. */
  ordinal: number;
  ip: string | undefined;
  terminating: boolean;
  /** The pod's Ready condition (with the register sidecar: the FE reports this CN alive). */
  ready: boolean;
  /** The `cn` container runs and passed its startup probe: the CN can be added to the FE. */
  cnUp: boolean;
  annotations: Readonly<Record<string, string>>;
  /** Why the CN does not run (its `cn` container, or the `register` sidecar), when the kubelet says so. */
  cnProblem: ContainerProblem | undefined;
  /** The readiness gate condition (cnInfo.registration: Operator) as last set; undefined when never set. */
  feAliveGate: 'True' | 'False' | undefined;
}

export { CN_CONTAINER };

const KEPT_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'labels',
  'annotations',
  'deletionTimestamp',
  'ownerReferences',
] as const;
const KEPT_CONTAINER_STATUS = ['name', 'image', 'ready', 'started', 'restartCount', 'state', 'lastState'] as const;

/**
 * The operator's pod cache keeps what viewPod and the controller's handlers read (identity, labels, annotations,
 * owner, deletion, phase, IP, condition statuses, container states) and drops the rest: the spec, images, mounts and
 * timestamps are most of a pod's bytes and nothing in the operator reads them from the cache.
 */
export const POD_CACHE_TRANSFORM: CacheTransform = {
  id: 'cn-pod-view',
  apply(pod: KubeObject): KubeObject {
    const metadata = pick(pod.metadata, KEPT_METADATA) as KubeObject['metadata'];
    const status = isRecord(pod['status']) ? pod['status'] : {};
    const conditions = Array.isArray(status['conditions'])
      ? status['conditions'].filter(isRecord).map((condition) => pick(condition, ['type', 'status']))
      : undefined;
    const containerStatuses = Array.isArray(status['containerStatuses'])
      ? status['containerStatuses'].filter(isRecord).map((container) => pick(container, KEPT_CONTAINER_STATUS))
      : undefined;
    return {
      metadata,
      status: {
        ...pick(status, ['phase', 'podIP']),
        ...(conditions === undefined ? {} : { conditions }),
        ...(containerStatuses === undefined ? {} : { containerStatuses }),
      },
    };
  },
};

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

/** Parses a CN pod of the group; undefined for anything else. */
export function viewPod(raw: unknown, group: GroupIdentity): PodView | undefined {
  const parsed = podSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const pod = parsed.data;
  const ordinal = podOrdinal(statefulSetName(group), pod.metadata.name);
  if (ordinal === undefined) return undefined;
  const cn = pod.status?.containerStatuses?.find((status) => status.name === CN_CONTAINER);
  const register = pod.status?.containerStatuses?.find((status) => status.name === REGISTER_CONTAINER);
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  const running = pod.status?.phase === 'Running';
  return {
    name: pod.metadata.name,
    ordinal,
    ip: pod.status?.podIP === '' ? undefined : pod.status?.podIP,
    terminating,
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    // A container without a readiness probe turns ready once its startup probe passed; `started` says the same
    // where the kubelet reports it.
    cnUp: running && !terminating && cn?.state?.running !== undefined && (cn.ready === true || cn.started === true),
    annotations: pod.metadata.annotations ?? {},
    cnProblem:
      (cn === undefined ? undefined : diagnoseContainer(cn.state, cn.lastState)) ??
      (register === undefined ? undefined : diagnoseRegister(register)),
    feAliveGate: gateStatus(pod.status?.conditions),
  };
}

function gateStatus(conditions: readonly { type: string; status: string }[] | undefined): 'True' | 'False' | undefined {
  const status = conditions?.find((condition) => condition.type === FE_ALIVE_CONDITION)?.status;
  return status === 'True' || status === 'False' ? status : undefined;
}

type ContainerState = z.infer<typeof containerStateSchema> | undefined;

const START_FAILURES = new Set(['CrashLoopBackOff', 'CreateContainerError', 'RunContainerError', 'StartError']);
const IMAGE_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

function diagnoseContainer(state: ContainerState, lastState: ContainerState): ContainerProblem | undefined {
  const reason = state?.waiting?.reason;
  if (reason === undefined) return undefined;
  // In CrashLoopBackOff the waiting message only says "back-off"; the cause is in the last termination.
  const detail = lastState?.terminated?.message ?? state?.waiting?.message ?? '';
  if (IMAGE_FAILURES.has(reason)) {
    return {
      reason: 'CNImagePullFailed',
      message: `container cn cannot pull its image (${reason}${suffix(detail)}); check spec.images.cnImage and spec.podPolicy.imagePullSecrets`,
    };
  }
  if (reason === 'CreateContainerConfigError') {
    return {
      reason: 'CNConfigError',
      message: `container cn cannot be configured${suffix(detail)}; check the Secret and ConfigMap the group names`,
    };
  }
  if (!START_FAILURES.has(reason)) return undefined;
  if (/no such file or directory|not found|executable file/i.test(detail)) {
    return {
      reason: 'CNStartScriptMissing',
      message:
        `container cn cannot start: ${detail}; spec.podPolicy.command must point at the image's start script ` +
        `(official images: /opt/starrocks/cn/bin/start_cn.sh; old 2.x images: be/bin/start_cn.sh)`,
    };
  }
  return {
    reason: 'CNStartFailed',
    message: `container cn keeps failing to start (${reason}${suffix(detail)}); see its logs: kubectl logs <pod> -c cn --previous`,
  };
}

/**
 * The register sidecar runs this operator's program from `spec.images.componentsImage` (default: the operator's
 * image). The 2022 operator's components image has no such program, so a group carried over with it never gets its
 * CNs registered: when the program is not found, say which image and what to set; any other failure of the sidecar
 * points at its logs.
 */
function diagnoseRegister(register: {
  image?: string | undefined;
  state?: ContainerState;
  lastState?: ContainerState;
}): ContainerProblem | undefined {
  const reason = register.state?.waiting?.reason;
  if (reason === undefined || !(START_FAILURES.has(reason) || IMAGE_FAILURES.has(reason))) return undefined;
  // A back-off's waiting message says only "back-off"; the last termination says why.
  const terminated = register.lastState?.terminated;
  const detail = terminated?.message ?? (reason === 'CrashLoopBackOff' ? '' : (register.state?.waiting?.message ?? ''));
  const exitCode = terminated?.exitCode;
  const exited = detail === '' && exitCode !== undefined ? `: exited with code ${exitCode}` : suffix(detail);
  const image = register.image ?? '(unknown image)';
  if (IMAGE_FAILURES.has(reason)) {
    return {
      reason: 'RegisterStartFailed',
      message:
        `container register cannot pull image ${image} (${reason}${suffix(detail)}): check the image name ` +
        `(spec.images.componentsImage, or the operator's image when it is absent) and spec.podPolicy.imagePullSecrets`,
    };
  }
  const programMissing =
    /no such file or directory|executable file not found|Cannot find module/i.test(detail) ||
    exitCode === 126 ||
    exitCode === 127;
  if (programMissing) {
    return {
      reason: 'RegisterStartFailed',
      message:
        `container register cannot start (${reason}${exited}): it runs ${REGISTER_COMMAND.join(' ')} ` +
        `from image ${image}, which must be this operator's image: remove spec.images.componentsImage or set it to ` +
        `the operator's image (the 2022 components image does not work), or set spec.cnInfo.registration: Operator`,
    };
  }
  return {
    reason: 'RegisterStartFailed',
    message: `container register keeps failing (${reason}${exited}); see its logs: kubectl logs <pod> -c register --previous`,
  };
}

function suffix(detail: string): string {
  return detail === '' ? '' : `: ${detail}`;
}

/** What the membership decision needs of a CN pod: the address its CN has in the FE (pod IP or DNS name). */
export function memberPodOf(group: ComputeNodeGroup, pod: PodView, heartbeatPort: number): MemberPod {
  return {
    name: pod.name,
    ordinal: pod.ordinal,
    address: cnAddress({
      addressType: group.spec.cnInfo.addressType,
      podIP: pod.ip,
      podFqdn: podFqdn(group, pod.ordinal),
      heartbeatPort,
    }),
    cnUp: pod.cnUp,
    terminating: pod.terminating,
  };
}
