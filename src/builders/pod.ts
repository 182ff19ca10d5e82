// The CN pod template: container `cn` (the CN process) and, with `cnInfo.registration: Sidecar`, container
// `register` (the sidecar that adds its CN to the FE); with `Operator`, a readiness gate instead. Everything here
// comes from the group, the parsed cn.conf ports, the cn.conf hash and the operator settings; nothing else may
// change the template, since any change to it rolls every CN.
import type {
  V1Container,
  V1EnvVar,
  V1PodSecurityContext,
  V1PodTemplateSpec,
  V1Probe,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { Plain } from './plain.js';
import {
  CN_CONF_KEY,
  FE_ALIVE_CONDITION,
  FE_PASSWORD_KEY,
  FE_USER_KEY,
  type ComputeNodeGroup,
} from '../api/v1alpha1/index.js';
import type { CnPorts } from '../cnconf/index.js';
import { childLabels } from './metadata.js';
import { groupNamespace, headlessServiceName } from './names.js';
import { storageMounts, storagePodVolumes } from './storage.js';
import { cnLifecycle, drainGracePeriodSeconds } from './drain-gate.js';
import {
  CN_CONF_HASH_ANNOTATION,
  CN_CONF_PATH,
  CN_CONTAINER,
  CN_START_SCRIPT,
  CN_STOP_SCRIPT,
  REGISTER_COMMAND,
  REGISTER_CONTAINER,
  REGISTER_PROBE_PORT,
  type OperatorSettings,
} from './settings.js';

export interface PodTemplateInput {
  cng: ComputeNodeGroup;
  ports: CnPorts;
  /** hashCnConf of the mounted cn.conf; undefined when the group names no ConfigMap. */
  cnConfHash: string | undefined;
  settings: OperatorSettings;
}

const CN_CONF_VOLUME = 'cn-conf';

export function componentsImage(cng: ComputeNodeGroup, settings: OperatorSettings): string {
  return cng.spec.images.componentsImage ?? settings.operatorImage;
}

export function buildPodTemplate(input: PodTemplateInput): Plain<V1PodTemplateSpec> {
  const { cng, cnConfHash } = input;
  const policy = cng.spec.podPolicy;
  const withSidecar = cng.spec.cnInfo.registration === 'Sidecar';
  const annotations = {
    ...policy.annotations,
    ...(cnConfHash === undefined ? {} : { [CN_CONF_HASH_ANNOTATION]: cnConfHash }),
  };
  return {
    metadata: {
      labels: { ...policy.labels, ...childLabels(cng, 'cn') },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      containers: [cnContainer(input), ...(withSidecar ? [registerContainer(input)] : []), ...(policy.sidecars ?? [])],
      // With the operator registering, the pod is Ready only once the operator says the FE reports its CN alive.
      ...(withSidecar ? {} : { readinessGates: [{ conditionType: FE_ALIVE_CONDITION }] }),
      // Neither container calls the Kubernetes API; the register sidecar only talks to the FE and its own CN.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: gracePeriodSeconds(cng),
      securityContext: policy.securityContext ?? defaultPodSecurityContext(),
      ...definedOnly({
        serviceAccountName: policy.serviceAccountName,
        priorityClassName: policy.priorityClassName,
        nodeSelector: policy.nodeSelector,
        affinity: policy.affinity,
        tolerations: policy.tolerations,
        topologySpreadConstraints: policy.topologySpreadConstraints,
        imagePullSecrets: policy.imagePullSecrets,
        schedulerName: policy.schedulerName,
        hostAliases: policy.hostAliases,
        shareProcessNamespace: policy.shareProcessNamespace,
        initContainers: policy.initContainers && policy.initContainers.length > 0 ? policy.initContainers : undefined,
        volumes: nonEmpty([...(cnConfVolumes(cng) ?? []), ...storagePodVolumes(cng), ...extraVolumes(cng)]),
      }),
    },
  };
}

/** The CN image runs as root (its files belong to root), so the pod default only restricts system calls. */
function defaultPodSecurityContext(): Plain<V1PodSecurityContext> {
  return { seccompProfile: { type: 'RuntimeDefault' } };
}

function cnConfVolumes(cng: ComputeNodeGroup): Plain<V1Volume>[] | undefined {
  const configMap = cng.spec.cnInfo.configMap;
  if (configMap === undefined) return undefined;
  return [{ name: CN_CONF_VOLUME, configMap: { name: configMap, items: [{ key: CN_CONF_KEY, path: CN_CONF_KEY }] } }];
}

function cnConfMounts(cng: ComputeNodeGroup): Plain<V1VolumeMount>[] | undefined {
  if (cng.spec.cnInfo.configMap === undefined) return undefined;
  return [{ name: CN_CONF_VOLUME, mountPath: CN_CONF_PATH, subPath: CN_CONF_KEY, readOnly: true }];
}

/**
 * A probe of the CN's `/api/health` that gives up after `failureSeconds` (whole periods, at least one); undefined
 * when the user turned it off with 0.
 */
function healthProbe(port: number, periodSeconds: number, failureSeconds: number): Plain<V1Probe> | undefined {
  if (failureSeconds === 0) return undefined;
  return {
    httpGet: { path: '/api/health', port },
    periodSeconds,
    failureThreshold: Math.max(1, Math.ceil(failureSeconds / periodSeconds)),
    timeoutSeconds: 3,
  };
}

function cnContainer(input: PodTemplateInput): Plain<V1Container> {
  const { cng, ports } = input;
  const policy = cng.spec.podPolicy;
  const command = policy.command ?? [CN_START_SCRIPT];
  return {
    name: CN_CONTAINER,
    image: cng.spec.images.cnImage,
    command,
    ports: [
      { name: 'heartbeat', containerPort: ports.heartbeatServicePort, protocol: 'TCP' },
      { name: 'be', containerPort: ports.bePort, protocol: 'TCP' },
      { name: 'http', containerPort: ports.httpPort, protocol: 'TCP' },
      { name: 'brpc', containerPort: ports.brpcPort, protocol: 'TCP' },
      { name: 'starlet', containerPort: ports.starletPort, protocol: 'TCP' },
    ],
    ...definedOnly({
      // By default up to 10 minutes to start (data cache warm-up), then restarted after 30 s without an answer.
      startupProbe: healthProbe(ports.httpPort, 5, policy.startupProbeFailureSeconds),
      livenessProbe: healthProbe(ports.httpPort, 10, policy.livenessProbeFailureSeconds),
      readinessProbe: healthProbe(ports.httpPort, 5, policy.readinessProbeFailureSeconds ?? 0),
    }),
    ...definedOnly({
      lifecycle: cnLifecycle({
        order: cng.spec.drain.order,
        windowSeconds: cng.spec.drain.windowSeconds,
        gracePeriodSeconds: gracePeriodSeconds(cng),
        httpPort: ports.httpPort,
        stopScript: supportsGracefulStop(cng) ? stopScriptOf(command) : undefined,
      }),
    }),
    securityContext: policy.containerSecurityContext ?? { allowPrivilegeEscalation: false },
    ...definedOnly({
      args: policy.args,
      env: policy.env && policy.env.length > 0 ? policy.env : undefined,
      resources: policy.resources && Object.keys(policy.resources).length > 0 ? policy.resources : undefined,
      imagePullPolicy: policy.imagePullPolicy,
      volumeMounts: nonEmpty([...(cnConfMounts(cng) ?? []), ...storageMounts(cng), ...extraMounts(cng)]),
    }),
  };
}

/** podPolicy.configMaps and podPolicy.secrets: volumes named by kind and position, mounted read-only into `cn`. */
function extraSources(cng: ComputeNodeGroup): { volume: Plain<V1Volume>; mount: Plain<V1VolumeMount> }[] {
  const policy = cng.spec.podPolicy;
  const configMaps = (policy.configMaps ?? []).map((entry, index) => ({
    entry,
    volume: { name: `configmap-${index}`, configMap: { name: entry.name } },
  }));
  const secrets = (policy.secrets ?? []).map((entry, index) => ({
    entry,
    volume: { name: `secret-${index}`, secret: { secretName: entry.name } },
  }));
  return [...configMaps, ...secrets].map(({ entry, volume }) => ({
    volume,
    mount: {
      name: volume.name,
      mountPath: entry.mountPath,
      readOnly: true,
      ...(entry.subPath === undefined ? {} : { subPath: entry.subPath }),
    },
  }));
}

function extraVolumes(cng: ComputeNodeGroup): Plain<V1Volume>[] {
  return extraSources(cng).map((source) => source.volume);
}

function extraMounts(cng: ComputeNodeGroup): Plain<V1VolumeMount>[] {
  return extraSources(cng).map((source) => source.mount);
}

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

/** The first StarRocks release of each line whose `stop_cn.sh -g` exits gracefully (the official operator's gate). */
export const GRACEFUL_STOP_SINCE: Readonly<Record<string, number>> = { '3.3': 17, '3.4': 6, '3.5': 2 };

/** `major.minor.patch` of an image tag such as `3.3.5`, `3.4.6-ubuntu` or `v3.5.2`; undefined when it is not one. */
export function imageVersion(image: string): [number, number, number] | undefined {
  const withoutDigest = image.split('@')[0] ?? image;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(withoutDigest.slice(colon + 1));
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** Whether the CN image's stop script knows `-g` (see podPolicy.gracefulStop). */
export function supportsGracefulStop(cng: ComputeNodeGroup): boolean {
  const mode = cng.spec.podPolicy.gracefulStop;
  if (mode !== 'Auto') return mode === 'Always';
  const version = imageVersion(cng.spec.images.cnImage);
  if (version === undefined) return true;
  const [major, minor, patch] = version;
  if (major !== 3) return major > 3;
  const since = GRACEFUL_STOP_SINCE[`${major}.${minor}`];
  if (since !== undefined) return patch >= since;
  return minor > 5;
}

/** The grace period the pods get: the user's, raised to fit the drain window (drain-gate.ts). */
export function gracePeriodSeconds(cng: ComputeNodeGroup): number {
  const { order, windowSeconds } = cng.spec.drain;
  return drainGracePeriodSeconds(order, windowSeconds, cng.spec.podPolicy.terminationGracePeriodSeconds);
}

/**
 * The graceful stop (`stop_cn.sh -g`: a 3.4.5+ CN lets running fragments finish) of the preStop hook. With a custom
 * start command the stop script is looked for next to the start script.
 */
function stopScriptOf(command: readonly string[]): string {
  const start = command[0] ?? '';
  return start.endsWith('start_cn.sh') ? start.replace(/start_cn\.sh$/, 'stop_cn.sh') : CN_STOP_SCRIPT;
}

function registerEnv(input: PodTemplateInput): Plain<V1EnvVar>[] {
  const { cng, ports } = input;
  const secret = cng.spec.feInfo.accountSecret;
  const fieldRef = (fieldPath: string): Plain<V1EnvVar>['valueFrom'] => ({ fieldRef: { fieldPath } });
  // CN_HOST refers to POD_NAME/POD_IP, so those come first: Kubernetes expands $(VAR) only from earlier entries.
  const cnHost =
    cng.spec.cnInfo.addressType === 'FQDN'
      ? `$(POD_NAME).${headlessServiceName(cng)}.${groupNamespace(cng)}.svc.cluster.local`
      : '$(POD_IP)';
  return [
    { name: 'FE_ADDRS', value: cng.spec.feInfo.addresses.join(',') },
    { name: 'FE_USR', valueFrom: { secretKeyRef: { name: secret, key: FE_USER_KEY } } },
    { name: 'FE_PWD', valueFrom: { secretKeyRef: { name: secret, key: FE_PASSWORD_KEY } } },
    { name: 'POD_NAME', valueFrom: fieldRef('metadata.name') },
    { name: 'POD_NAMESPACE', valueFrom: fieldRef('metadata.namespace') },
    { name: 'POD_IP', valueFrom: fieldRef('status.podIP') },
    { name: 'CN_HOST', value: cnHost },
    { name: 'CN_PORT', value: String(ports.heartbeatServicePort) },
    { name: 'CN_HTTP_PORT', value: String(ports.httpPort) },
    { name: 'REGISTER_PROBE_PORT', value: String(REGISTER_PROBE_PORT) },
  ];
}

/** The components image is ours: it runs as a fixed non-root user with nothing writable. */
export function restrictedContainerSecurityContext(): Plain<V1SecurityContext> {
  return {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

function registerContainer(input: PodTemplateInput): Plain<V1Container> {
  const { cng, settings } = input;
  const probe = (path: string, periodSeconds: number, failureThreshold: number): Plain<V1Probe> => ({
    httpGet: { path, port: REGISTER_PROBE_PORT },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 3,
  });
  return {
    name: REGISTER_CONTAINER,
    image: componentsImage(cng, settings),
    command: [...REGISTER_COMMAND],
    env: registerEnv(input),
    ports: [{ name: 'register', containerPort: REGISTER_PROBE_PORT, protocol: 'TCP' }],
    readinessProbe: probe('/readyz', 5, 1),
    livenessProbe: probe('/healthz', 10, 3),
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    securityContext: restrictedContainerSecurityContext(),
    ...definedOnly({ imagePullPolicy: cng.spec.podPolicy.imagePullPolicy }),
  };
}

/** Drops undefined members so the built objects (and their YAML) hold only what is set. */
export function definedOnly<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
