// Groups the builder tests share: the examples as committed, and small variations written here.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { type ComputeNodeGroup } from '../../../src/api/v1alpha1/index.js';
import { type BuildInput } from '../../../src/builders/index.js';
import { DEFAULT_CN_PORTS, parseCnConf, type CnPorts } from '../../../src/cnconf/index.js';
import { hashCnConf } from '../../../src/builders/settings.js';
import { parseCachedGroup } from '../../../src/controllers/computenodegroup/parsed-groups.js';

const examples = new URL('../../../examples/cn/', import.meta.url);

export const SETTINGS = { operatorImage: 'registry.example.com/starrocks-cn-operator:1.0.0' };
/** A fixed uid so the golden files show the owner references the operator sets. */
export const UID = '8d4f3a52-1c2b-4e5f-9a0b-123456789abc';

export function exampleDocuments(file: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(new URL(file, examples), 'utf8')).map(
    (document) => document.toJS() as Record<string, unknown>,
  );
}

/** Parsed as the reconciler parses (frozen), so a builder that changed its input would fail here. */
export function group(input: unknown): ComputeNodeGroup {
  const result = parseCachedGroup(input);
  if (!result.ok) throw new Error(`invalid test group: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function withUid(document: Record<string, unknown>): Record<string, unknown> {
  return { ...document, metadata: { ...(document['metadata'] as object), uid: UID } };
}

export function cnConfOf(documents: Record<string, unknown>[]): string | undefined {
  for (const document of documents) {
    const data = document['data'] as Record<string, string> | undefined;
    if (document['kind'] === 'ConfigMap' && data?.['cn.conf'] !== undefined) return data['cn.conf'];
  }
  return undefined;
}

function portsOf(text: string | undefined): CnPorts {
  if (text === undefined) return { ...DEFAULT_CN_PORTS };
  const result = parseCnConf(text);
  if (!result.ok) throw new Error(`invalid test cn.conf: ${JSON.stringify(result.errors)}`);
  return result.value;
}

export function buildInput(
  cng: ComputeNodeGroup,
  cnConf: string | undefined,
  replicas = cng.spec.replicas,
): BuildInput {
  return {
    cng,
    ports: portsOf(cnConf),
    cnConfHash: cng.spec.cnInfo.configMap === undefined || cnConf === undefined ? undefined : hashCnConf(cnConf),
    replicas,
    settings: SETTINGS,
  };
}

function minimalDocument(): Record<string, unknown> {
  return {
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'minimal', namespace: 'analytics', uid: UID },
    spec: {
      feInfo: { addresses: ['10.20.0.5:9030'], accountSecret: 'fe-account' },
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.5' },
    },
  };
}

const seedConf = cnConfOf(exampleDocuments('cn-config.yaml'));
const productionDocuments = exampleDocuments('production.yaml');
const productionGroup = productionDocuments.find((document) => document['kind'] === 'ComputeNodeGroup') ?? {};

function maximalDocument(): Record<string, unknown> {
  const spec = productionGroup['spec'] as Record<string, unknown>;
  const podPolicy = spec['podPolicy'] as Record<string, unknown>;
  return withUid({
    ...productionGroup,
    spec: {
      ...spec,
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.5', componentsImage: 'registry.example.com/cn-components:1.0.0' },
      cronJobPolicy: { schedule: '*/5 * * * *' },
      // Within the grace period of 300 s, so it is not raised.
      drain: { order: 'Drain', windowSeconds: 240 },
      podPolicy: {
        ...podPolicy,
        command: ['/opt/starrocks/cn/bin/start_cn.sh'],
        args: ['--logconsole'],
        imagePullSecrets: [{ name: 'registry-credentials' }],
        securityContext: { fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        // A CN warming a large cache: 20 minutes to start, no liveness restarts, out of service after 15 s silent.
        startupProbeFailureSeconds: 1200,
        livenessProbeFailureSeconds: 0,
        readinessProbeFailureSeconds: 15,
        schedulerName: 'starrocks-scheduler',
        hostAliases: [{ ip: '10.30.0.9', hostnames: ['oss.internal'] }],
        shareProcessNamespace: true,
        minReadySeconds: 10,
        env: [
          ...(podPolicy['env'] as object[]),
          { name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        ],
      },
    },
  });
}

export interface GoldenCase {
  name: string;
  input: () => BuildInput;
}

export const GOLDEN_CASES: GoldenCase[] = [
  {
    name: 'seed',
    input: () => {
      const [document] = exampleDocuments('seed-cn.yaml');
      return buildInput(group(withUid(document ?? {})), seedConf);
    },
  },
  { name: 'minimal', input: () => buildInput(group(minimalDocument()), undefined) },
  {
    name: 'maximal',
    input: () => buildInput(group(maximalDocument()), cnConfOf(productionDocuments)),
  },
  {
    name: 'no-autoscaling',
    input: () => {
      const [document] = exampleDocuments('cn.yaml');
      const spec = { ...((document ?? {})['spec'] as Record<string, unknown>) };
      delete spec['autoScalingPolicy'];
      delete spec['cronJobPolicy'];
      return buildInput(group(withUid({ ...document, spec })), seedConf);
    },
  },
  {
    // No register sidecar: the operator registers the CNs and gates the pods' readiness on the FE.
    name: 'operator-registration',
    input: () => {
      const document = minimalDocument();
      const spec = document['spec'] as Record<string, Record<string, unknown>>;
      spec['cnInfo'] = { ...spec['cnInfo'], registration: 'Operator' };
      return buildInput(group(document), undefined);
    },
  },
  {
    // A local NVMe cache on the node, logs on a memory-backed emptyDir, a mount path of the user's choice.
    name: 'host-path-storage',
    input: () => {
      const document = minimalDocument();
      const storage = {
        cache: { hostPath: { path: '/mnt/nvme0/starrocks' } },
        log: { mountPath: '/var/log/starrocks', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
      };
      return buildInput(group(withUid({ ...document, spec: { ...(document['spec'] as object), storage } })), undefined);
    },
  },
  {
    // A log shipper next to the CN, an init container preparing the cache, catalog files and credentials mounted,
    // a canary rollout partition that replaces up to a quarter of the CNs at once.
    name: 'extra-containers-and-mounts',
    input: () => {
      const document = minimalDocument();
      const base = document['spec'] as { podPolicy?: object };
      const podPolicy = {
        ...base.podPolicy,
        initContainers: [{ name: 'prepare-cache', image: 'busybox:1.36', command: ['sh', '-c', 'mkdir -p /cache/dc'] }],
        sidecars: [{ name: 'log-shipper', image: 'fluent/fluent-bit:3.2', args: ['-i', 'tail'] }],
        configMaps: [
          { name: 'hive-site', mountPath: '/opt/starrocks/cn/conf/hive-site.xml', subPath: 'hive-site.xml' },
        ],
        secrets: [{ name: 's3-credentials', mountPath: '/etc/starrocks/s3' }],
        containerSecurityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false },
      };
      const spec = { ...base, podPolicy, updateStrategy: { partition: 2, maxUnavailable: '25%' } };
      return buildInput(group(withUid({ ...document, spec })), undefined);
    },
  },
  {
    name: 'autoscaling-without-hpa-policy',
    input: () => {
      const document = minimalDocument();
      const spec = { ...(document['spec'] as object), replicas: 2, autoScalingPolicy: { maxReplicas: 6 } };
      return buildInput(group({ ...document, spec }), undefined);
    },
  },
  {
    name: 'query-aware-autoscaling',
    input: () => {
      const document = minimalDocument();
      const spec = {
        ...(document['spec'] as object),
        replicas: 2,
        cnInfo: { registration: 'Operator' },
        autoScalingPolicy: { minReplicas: 1, maxReplicas: 8, queries: { targetPerCN: 2.5 } },
      };
      return buildInput(group({ ...document, spec }), undefined);
    },
  },
  {
    name: 'query-aware-with-cpu-and-own-behavior',
    input: () => {
      const document = minimalDocument();
      const spec = {
        ...(document['spec'] as object),
        autoScalingPolicy: {
          maxReplicas: 8,
          queries: { targetPerCN: 4 },
          hpaPolicy: {
            metrics: [
              { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
            ],
            behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
          },
        },
      };
      return buildInput(group({ ...document, spec }), undefined);
    },
  },
  {
    name: 'more-than-10-replicas',
    input: () => {
      const document = minimalDocument();
      const spec = {
        ...(document['spec'] as object),
        replicas: 12,
        cnInfo: { addressType: 'FQDN' },
        autoScalingPolicy: { minReplicas: 11, maxReplicas: 24 },
      };
      return buildInput(group({ ...document, spec }), undefined);
    },
  },
];
