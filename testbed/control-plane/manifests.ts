// The objects `up` creates: the kwok Node that runs every pod, and the aggregated metrics.k8s.io API served by the
// project's own metrics backend on loopback. Pure.
import { METRICS_SERVICE } from './pki.js';

export const NODE_NAME = 'kwok-node-0';
export const METRICS_APISERVICE = 'v1beta1.metrics.k8s.io';

export function kwokNode(): Record<string, unknown> {
  const resources = { cpu: '32', memory: '64Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
    },
    // No kwok NoSchedule taint: the operator's pods do not tolerate it.
    status: { allocatable: resources, capacity: resources },
  };
}

/** An ExternalName Service: the aggregator proxies to https://<externalName>:<APIService port>, here loopback. */
export function metricsService(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: METRICS_SERVICE.name, namespace: METRICS_SERVICE.namespace },
    spec: { type: 'ExternalName', externalName: '127.0.0.1' },
  };
}

export function metricsApiService(port: number, caBundlePem: string): Record<string, unknown> {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: METRICS_APISERVICE },
    spec: {
      service: { name: METRICS_SERVICE.name, namespace: METRICS_SERVICE.namespace, port },
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      // The backend's certificate is signed by the run's CA and names <service>.<namespace>.svc.
      caBundle: Buffer.from(caBundlePem).toString('base64'),
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  };
}

/** Objects as a kubectl `apply -f -` stream (JSON documents are valid YAML). */
export function asApplyStream(objects: readonly Record<string, unknown>[]): string {
  return objects.map((object) => JSON.stringify(object)).join('\n---\n') + '\n';
}
