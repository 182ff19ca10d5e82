// Invalid ComputeNodeGroups, each breaking one rule, with the field the error must name. The runtime parser must
// reject every one (validation.test.ts); the API server, given the generated CRD, rejects them too (an e2e test can
// apply them with the dry-run flag: `admission: true` marks the ones the CRD itself can check).
/** A valid group; each case below breaks one thing in a fresh copy. */
export function validGroup(): Record<string, unknown> {
  return {
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'cn', namespace: 'starrocks' },
    spec: {
      feInfo: { addresses: ['10.0.0.1:9030'], accountSecret: 'fe-account' },
      cnInfo: { configMap: 'cn-conf' },
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.5' },
      replicas: 3,
      autoScalingPolicy: { minReplicas: 1, maxReplicas: 10 },
      podPolicy: {},
    },
  };
}

type Json = Record<string, unknown>;

/** Sets `value` at a dotted path (numeric segments index arrays); `undefined` deletes the field. */
export function withValue(path: string, value: unknown): Json {
  const group = validGroup();
  const segments = path.split('.');
  let node = group as Json;
  for (const segment of segments.slice(0, -1)) {
    node[segment] ??= {};
    node = node[segment] as Json;
  }
  const last = segments[segments.length - 1] ?? '';
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
  return group;
}

export interface InvalidCase {
  name: string;
  input: Json;
  /** The field the error must name. */
  path: string;
  /** Words the message must hold, so a user knows what is expected. */
  message: RegExp;
}

const address = (text: string): Json => withValue('spec.feInfo.addresses', [text]);

export const INVALID_CASES: InvalidCase[] = [
  {
    name: 'minReplicas greater than maxReplicas',
    input: withValue('spec.autoScalingPolicy', { minReplicas: 5, maxReplicas: 2 }),
    path: 'spec.autoScalingPolicy.minReplicas',
    message: /less than or equal to maxReplicas/,
  },
  { name: 'negative replicas', input: withValue('spec.replicas', -1), path: 'spec.replicas', message: /0 or more/ },
  {
    name: 'fractional replicas',
    input: withValue('spec.replicas', 1.5),
    path: 'spec.replicas',
    message: /whole number/,
  },
  { name: 'replicas as text', input: withValue('spec.replicas', '3'), path: 'spec.replicas', message: /whole number/ },
  {
    name: 'address without a port',
    input: address('10.0.0.1'),
    path: 'spec.feInfo.addresses[0]',
    message: /host:port/,
  },
  { name: 'port 0', input: address('10.0.0.1:0'), path: 'spec.feInfo.addresses[0]', message: /1 to 65535/ },
  {
    name: 'port above 65535',
    input: address('fe.example.com:65536'),
    path: 'spec.feInfo.addresses[0]',
    message: /1 to 65535/,
  },
  {
    name: 'address with a quote',
    input: address("10.0.0.1:9030'"),
    path: 'spec.feInfo.addresses[0]',
    message: /quotes/,
  },
  {
    name: 'address carrying SQL',
    input: address("10.0.0.1:9030'; DROP COMPUTE NODE '1.1.1.1:9050"),
    path: 'spec.feInfo.addresses[0]',
    message: /SQL/,
  },
  {
    name: 'address with a space',
    input: address('10.0.0.1 :9030'),
    path: 'spec.feInfo.addresses[0]',
    message: /spaces/,
  },
  {
    name: 'IPv6 address without brackets',
    input: address('fd00::1:9030'),
    path: 'spec.feInfo.addresses[0]',
    message: /host:port/,
  },
  {
    name: 'empty address list',
    input: withValue('spec.feInfo.addresses', []),
    path: 'spec.feInfo.addresses',
    message: /at least one/,
  },
  { name: 'missing feInfo', input: withValue('spec.feInfo', undefined), path: 'spec.feInfo', message: /required/ },
  {
    name: 'missing accountSecret',
    input: withValue('spec.feInfo.accountSecret', undefined),
    path: 'spec.feInfo.accountSecret',
    message: /required/,
  },
  {
    name: 'accountSecret not a Kubernetes name',
    input: withValue('spec.feInfo.accountSecret', 'FE_Account'),
    path: 'spec.feInfo.accountSecret',
    message: /lower-case/,
  },
  {
    name: 'empty cnImage',
    input: withValue('spec.images.cnImage', ''),
    path: 'spec.images.cnImage',
    message: /must not be empty/,
  },
  { name: 'missing cnImage', input: withValue('spec.images', {}), path: 'spec.images.cnImage', message: /required/ },
  {
    name: 'componentsImage with a space',
    input: withValue('spec.images.componentsImage', 'repo/img :1'),
    path: 'spec.images.componentsImage',
    message: /without spaces/,
  },
  {
    name: 'unknown address type',
    input: withValue('spec.cnInfo.addressType', 'DNS'),
    path: 'spec.cnInfo.addressType',
    message: /IP or FQDN/,
  },
  {
    name: 'configMap not a Kubernetes name',
    input: withValue('spec.cnInfo.configMap', 'cn conf'),
    path: 'spec.cnInfo.configMap',
    message: /lower-case/,
  },
  {
    name: 'maxReplicas 0',
    input: withValue('spec.autoScalingPolicy', { maxReplicas: 0 }),
    path: 'spec.autoScalingPolicy.maxReplicas',
    message: /1 or more/,
  },
  {
    name: 'queries target 0',
    input: withValue('spec.autoScalingPolicy', { maxReplicas: 3, queries: { targetPerCN: 0 } }),
    path: 'spec.autoScalingPolicy.queries.targetPerCN',
    message: /more than 0/,
  },
  {
    name: 'queries target as text',
    input: withValue('spec.autoScalingPolicy', { maxReplicas: 3, queries: { targetPerCN: '4' } }),
    path: 'spec.autoScalingPolicy.queries.targetPerCN',
    message: /number/,
  },
  {
    name: 'queries target beyond reason',
    input: withValue('spec.autoScalingPolicy', { maxReplicas: 3, queries: { targetPerCN: 1e9 } }),
    path: 'spec.autoScalingPolicy.queries.targetPerCN',
    message: /at most/,
  },
  {
    name: 'queries without a target',
    input: withValue('spec.autoScalingPolicy', { maxReplicas: 3, queries: {} }),
    path: 'spec.autoScalingPolicy.queries.targetPerCN',
    message: /number/,
  },
  {
    name: 'minReplicas -1',
    input: withValue('spec.autoScalingPolicy', { minReplicas: -1, maxReplicas: 3 }),
    path: 'spec.autoScalingPolicy.minReplicas',
    message: /0 or more/,
  },
  {
    name: 'autoscaling without maxReplicas',
    input: withValue('spec.autoScalingPolicy', { minReplicas: 1 }),
    path: 'spec.autoScalingPolicy.maxReplicas',
    message: /required/,
  },
  {
    name: 'HPA metrics not objects',
    input: withValue('spec.autoScalingPolicy.hpaPolicy', { metrics: ['cpu'] }),
    path: 'spec.autoScalingPolicy.hpaPolicy.metrics[0]',
    message: /object/,
  },
  {
    name: 'negative grace period',
    input: withValue('spec.podPolicy.terminationGracePeriodSeconds', -5),
    path: 'spec.podPolicy.terminationGracePeriodSeconds',
    message: /0 or more/,
  },
  {
    name: 'bad imagePullPolicy',
    input: withValue('spec.podPolicy.imagePullPolicy', 'Sometimes'),
    path: 'spec.podPolicy.imagePullPolicy',
    message: /Always, IfNotPresent or Never/,
  },
  {
    name: 'bad toleration operator',
    input: withValue('spec.podPolicy.tolerations', [{ key: 'a', operator: 'In' }]),
    path: 'spec.podPolicy.tolerations[0].operator',
    message: /Exists or Equal/,
  },
  {
    name: 'env without a name',
    input: withValue('spec.podPolicy.env', [{ value: 'x' }]),
    path: 'spec.podPolicy.env[0].name',
    message: /required/,
  },
  {
    name: 'label overriding the selector',
    input: withValue('spec.podPolicy.labels', { 'app.kubernetes.io/instance': 'other' }),
    path: 'spec.podPolicy.labels["app.kubernetes.io/instance"]',
    message: /operator sets them/,
  },
  {
    name: 'label value not a string',
    input: withValue('spec.podPolicy.labels', { tier: 1 }),
    path: 'spec.podPolicy.labels.tier',
    message: /string/,
  },
  {
    name: 'bad quantity',
    input: withValue('spec.podPolicy.resources', { limits: { cpu: 'four' } }),
    path: 'spec.podPolicy.resources.limits.cpu',
    message: /quantity/,
  },
  {
    name: 'bad cron schedule',
    input: withValue('spec.cronJobPolicy', { schedule: 'every minute' }),
    path: 'spec.cronJobPolicy.schedule',
    message: /cron expression/,
  },
  {
    name: 'cron minute out of range (the API server would refuse the CronJob)',
    input: withValue('spec.cronJobPolicy', { schedule: '61 * * * *' }),
    path: 'spec.cronJobPolicy.schedule',
    message: /minute 0-59/,
  },
  {
    name: 'cron day of week 7',
    input: withValue('spec.cronJobPolicy', { schedule: '0 3 * * 7' }),
    path: 'spec.cronJobPolicy.schedule',
    message: /day of week 0-6/,
  },
  {
    name: 'cron step of zero',
    input: withValue('spec.cronJobPolicy', { schedule: '*/0 * * * *' }),
    path: 'spec.cronJobPolicy.schedule',
    message: /within its range/,
  },
  {
    name: 'maxUnavailable above 100% (the API server would refuse the PodDisruptionBudget)',
    input: withValue('spec.podDisruptionBudget', { maxUnavailable: '150%' }),
    path: 'spec.podDisruptionBudget.maxUnavailable',
    message: /percentage/,
  },
  {
    name: 'a probe of -1 s',
    input: withValue('spec.podPolicy', { startupProbeFailureSeconds: -1 }),
    path: 'spec.podPolicy.startupProbeFailureSeconds',
    message: /0 or more/,
  },
  {
    name: 'a probe in fractions of a second',
    input: withValue('spec.podPolicy', { livenessProbeFailureSeconds: 1.5 }),
    path: 'spec.podPolicy.livenessProbeFailureSeconds',
    message: /whole number of seconds/,
  },
  {
    name: 'a probe longer than a day',
    input: withValue('spec.podPolicy', { readinessProbeFailureSeconds: 90_000 }),
    path: 'spec.podPolicy.readinessProbeFailureSeconds',
    message: /at most 86400/,
  },
  {
    name: 'a negative minReadySeconds',
    input: withValue('spec.podPolicy', { minReadySeconds: -1 }),
    path: 'spec.podPolicy.minReadySeconds',
    message: /0 or more/,
  },
  {
    name: 'shareProcessNamespace as text',
    input: withValue('spec.podPolicy', { shareProcessNamespace: 'yes' }),
    path: 'spec.podPolicy.shareProcessNamespace',
    message: /true or false/,
  },
  {
    name: 'hostAliases not a list',
    input: withValue('spec.podPolicy', { hostAliases: { ip: '10.0.0.1' } }),
    path: 'spec.podPolicy.hostAliases',
    message: /array|list|expected/i,
  },
  {
    name: 'an unknown registration',
    input: withValue('spec.cnInfo', { registration: 'Both' }),
    path: 'spec.cnInfo.registration',
    message: /Sidecar or Operator/,
  },
  {
    name: 'negative maxUnavailable',
    input: withValue('spec.podDisruptionBudget', { maxUnavailable: -1 }),
    path: 'spec.podDisruptionBudget.maxUnavailable',
    message: /number of pods or a percentage|0 or more/,
  },
  {
    name: 'maxUnavailable not a percentage',
    input: withValue('spec.podDisruptionBudget', { maxUnavailable: 'half' }),
    path: 'spec.podDisruptionBudget.maxUnavailable',
    message: /percentage/,
  },
  { name: 'misspelled field', input: withValue('spec.replica', 3), path: 'spec.replica', message: /unknown field/ },
  {
    name: 'name too long for the children',
    input: withValue('metadata.name', 'a'.repeat(45)),
    path: 'metadata.name',
    message: /at most 44/,
  },
  {
    name: 'name with upper case',
    input: withValue('metadata.name', 'CN'),
    path: 'metadata.name',
    message: /lower-case/,
  },
  {
    name: 'wrong apiVersion',
    input: withValue('apiVersion', 'starrocks.com/v1'),
    path: 'apiVersion',
    message: /starrocks.com\/v1alpha1/,
  },
  { name: 'missing spec', input: withValue('spec', undefined), path: 'spec', message: /required/ },
  // ---- spec.storage ----
  {
    name: 'a storage volume without a source',
    input: withValue('spec.storage', { cache: {} }),
    path: 'spec.storage.cache',
    message: /exactly one of persistentVolumeClaim, emptyDir or hostPath/,
  },
  {
    name: 'a storage volume with two sources',
    input: withValue('spec.storage', { spill: { emptyDir: {}, hostPath: { path: '/mnt/a' } } }),
    path: 'spec.storage.spill',
    message: /exactly one of/,
  },
  {
    name: 'a claim without a size',
    input: withValue('spec.storage', { cache: { persistentVolumeClaim: {} } }),
    path: 'spec.storage.cache.persistentVolumeClaim.size',
    message: /quantity|Invalid input/,
  },
  {
    name: 'a negative claim size',
    input: withValue('spec.storage', { cache: { persistentVolumeClaim: { size: 'lots' } } }),
    path: 'spec.storage.cache.persistentVolumeClaim.size',
    message: /quantity/,
  },
  {
    name: 'an unknown access mode',
    input: withValue('spec.storage', { cache: { persistentVolumeClaim: { size: '1Gi', accessModes: ['RWO'] } } }),
    path: 'spec.storage.cache.persistentVolumeClaim.accessModes[0]',
    message: /ReadWriteOnce/,
  },
  {
    name: 'an empty access mode list',
    input: withValue('spec.storage', { cache: { persistentVolumeClaim: { size: '1Gi', accessModes: [] } } }),
    path: 'spec.storage.cache.persistentVolumeClaim.accessModes',
    message: /at least one access mode/,
  },
  {
    name: 'a relative mount path',
    input: withValue('spec.storage', { log: { mountPath: 'logs', emptyDir: {} } }),
    path: 'spec.storage.log.mountPath',
    message: /absolute path/,
  },
  {
    name: 'a mount path with a space',
    input: withValue('spec.storage', { log: { mountPath: '/var/my logs', emptyDir: {} } }),
    path: 'spec.storage.log.mountPath',
    message: /absolute path/,
  },
  {
    name: 'a relative hostPath',
    input: withValue('spec.storage', { cache: { hostPath: { path: 'mnt/nvme' } } }),
    path: 'spec.storage.cache.hostPath.path',
    message: /absolute path/,
  },
  {
    name: 'a hostPath of an unsupported type',
    input: withValue('spec.storage', { cache: { hostPath: { path: '/mnt/nvme', type: 'File' } } }),
    path: 'spec.storage.cache.hostPath.type',
    message: /Directory or DirectoryOrCreate/,
  },
  {
    name: 'an emptyDir medium other than Memory',
    input: withValue('spec.storage', { spill: { emptyDir: { medium: 'HugePages' } } }),
    path: 'spec.storage.spill.emptyDir.medium',
    message: /Memory/,
  },
  {
    name: 'a retention policy of an unknown kind',
    input: withValue('spec.storage', { persistentVolumeClaimRetention: { whenScaled: 'Keep' } }),
    path: 'spec.storage.persistentVolumeClaimRetention.whenScaled',
    message: /Retain or Delete/,
  },
  {
    name: 'an unknown storage volume',
    input: withValue('spec.storage', { data: { emptyDir: {} } }),
    path: 'spec.storage.data',
    message: /unknown field/,
  },
  // ---- extra containers and mounts ----
  {
    name: 'a sidecar named cn',
    input: withValue('spec.podPolicy.sidecars', [{ name: 'cn', image: 'busybox' }]),
    path: 'spec.podPolicy.sidecars[0].name',
    message: /must not name a container cn or register/,
  },
  {
    name: 'an init container named register',
    input: withValue('spec.podPolicy.initContainers', [{ name: 'register', image: 'busybox' }]),
    path: 'spec.podPolicy.initContainers[0].name',
    message: /must not name a container cn or register/,
  },
  {
    name: 'two sidecars with one name',
    input: withValue('spec.podPolicy.sidecars', [
      { name: 'ship', image: 'a' },
      { name: 'ship', image: 'b' },
    ]),
    path: 'spec.podPolicy.sidecars[1].name',
    message: /unique/,
  },
  {
    name: 'a sidecar without an image',
    input: withValue('spec.podPolicy.sidecars', [{ name: 'ship' }]),
    path: 'spec.podPolicy.sidecars[0].image',
    message: /is required/,
  },
  {
    name: 'a sidecar name with upper case',
    input: withValue('spec.podPolicy.sidecars', [{ name: 'Ship', image: 'a' }]),
    path: 'spec.podPolicy.sidecars[0].name',
    message: /lower-case/,
  },
  {
    name: 'a ConfigMap mounted at a relative path',
    input: withValue('spec.podPolicy.configMaps', [{ name: 'hive-site', mountPath: 'conf' }]),
    path: 'spec.podPolicy.configMaps[0].mountPath',
    message: /absolute path/,
  },
  {
    name: 'two Secrets at one mount path',
    input: withValue('spec.podPolicy.secrets', [
      { name: 'a', mountPath: '/etc/creds' },
      { name: 'b', mountPath: '/etc/creds' },
    ]),
    path: 'spec.podPolicy.secrets[1].mountPath',
    message: /mount paths must be unique/,
  },
  {
    name: 'a subPath that walks out',
    input: withValue('spec.podPolicy.secrets', [{ name: 'a', mountPath: '/etc/creds', subPath: '../x' }]),
    path: 'spec.podPolicy.secrets[0].subPath',
    message: /one key of the object/,
  },
  {
    name: 'a Secret name that is not a Kubernetes name',
    input: withValue('spec.podPolicy.secrets', [{ name: 'My_Secret', mountPath: '/etc/creds' }]),
    path: 'spec.podPolicy.secrets[0].name',
    message: /Kubernetes object name/,
  },
  // ---- update strategy, autoscaling ----
  {
    name: 'a partition with OnDelete',
    input: withValue('spec.updateStrategy', { type: 'OnDelete', partition: 1 }),
    path: 'spec.updateStrategy.partition',
    message: /RollingUpdate only/,
  },
  {
    name: 'a negative partition',
    input: withValue('spec.updateStrategy', { partition: -1 }),
    path: 'spec.updateStrategy.partition',
    message: /0 or more/,
  },
  {
    name: 'maxUnavailable with OnDelete',
    input: withValue('spec.updateStrategy', { type: 'OnDelete', maxUnavailable: 2 }),
    path: 'spec.updateStrategy.maxUnavailable',
    message: /RollingUpdate only/,
  },
  {
    name: 'a rollout that may take no CN at once',
    input: withValue('spec.updateStrategy', { maxUnavailable: 0 }),
    path: 'spec.updateStrategy.maxUnavailable',
    message: /1 or more/,
  },
  {
    name: 'a rollout of 0%',
    input: withValue('spec.updateStrategy', { maxUnavailable: '0%' }),
    path: 'spec.updateStrategy.maxUnavailable',
    message: /from 1% to 100%/,
  },
  {
    name: 'a rollout of more than 100%',
    input: withValue('spec.updateStrategy', { maxUnavailable: '150%' }),
    path: 'spec.updateStrategy.maxUnavailable',
    message: /from 1% to 100%/,
  },
  {
    name: 'an unknown resource metrics scope',
    input: withValue('spec.autoScalingPolicy', { maxReplicas: 3, resourceMetrics: 'Node' }),
    path: 'spec.autoScalingPolicy.resourceMetrics',
    message: /Container or Pod/,
  },
  {
    name: 'a window cron that matches no date',
    input: withValue('spec.schedules', [{ name: 'day', start: '0 0 31 2 *', end: '0 18 * * *', minReplicas: 2 }]),
    path: 'spec.schedules[0].start',
    message: /never matches a date/,
  },
  {
    name: 'a window cron with a field out of range',
    input: withValue('spec.schedules', [{ name: 'day', start: '0 25 * * *', end: '0 18 * * *', minReplicas: 2 }]),
    path: 'spec.schedules[0].start',
    message: /within its range/,
  },
  {
    name: 'a window in an unknown time zone',
    input: withValue('spec.schedules', [
      { name: 'day', start: '0 8 * * *', end: '0 18 * * *', minReplicas: 2, timeZone: 'Mars/Olympus' },
    ]),
    path: 'spec.schedules[0].timeZone',
    message: /IANA time zone/,
  },
  {
    name: 'a window that suspends and sets replicas',
    input: withValue('spec.schedules', [
      { name: 'day', start: '0 8 * * *', end: '0 18 * * *', minReplicas: 2, suspend: true },
    ]),
    path: 'spec.schedules[0]',
    message: /either suspends the group/,
  },
  {
    name: 'a window that sets nothing',
    input: withValue('spec.schedules', [{ name: 'day', start: '0 8 * * *', end: '0 18 * * *' }]),
    path: 'spec.schedules[0]',
    message: /either suspends the group/,
  },
  {
    name: 'a window with replicas beside an autoscaling policy',
    input: withValue('spec.schedules', [{ name: 'day', start: '0 8 * * *', end: '0 18 * * *', replicas: 2 }]),
    path: 'spec.schedules[0]',
    message: /minReplicas and maxReplicas with an autoscaling policy/,
  },
  {
    name: 'autoSuspend after less than a minute',
    input: withValue('spec.autoSuspend', { idleSeconds: 30 }),
    path: 'spec.autoSuspend.idleSeconds',
    message: /60 or more/,
  },
  {
    name: 'a window that ends when it starts',
    input: withValue('spec.schedules', [{ name: 'day', start: '0 8 * * *', end: '0 8 * * *', minReplicas: 2 }]),
    path: 'spec.schedules[0].end',
    message: /end must differ from start/,
  },
];
