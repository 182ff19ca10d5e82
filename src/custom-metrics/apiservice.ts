// The APIService that routes custom.metrics.k8s.io/v1beta2 to this operator. Only one provider can own that API in a
// cluster (prometheus-adapter often does): the operator creates the APIService when there is none, keeps its own up
// to date, and never touches one that points at another service; it reports that instead. The decision is pure.
import { z } from 'zod';
import { LABEL_MANAGED_BY, MANAGED_BY } from '../builders/names.js';
import { objectPath, type ResourceRef } from '../kube/objects.js';
import type { ServiceRef } from '../runtime/service-ref.js';
import { API_SERVICE_NAME, CUSTOM_METRICS_GROUP, CUSTOM_METRICS_VERSION } from './api.js';

export const API_SERVICE_RESOURCE: ResourceRef = {
  apiPath: '/apis/apiregistration.k8s.io/v1',
  plural: 'apiservices',
  namespaced: false,
  kind: 'APIService',
};
export const API_SERVICE_PATH = objectPath(API_SERVICE_RESOURCE, undefined, API_SERVICE_NAME);

export interface DesiredApiService {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    version: string;
    service: ServiceRef;
    caBundle: string;
    groupPriorityMinimum: number;
    versionPriority: number;
  };
}

export function desiredApiService(service: ServiceRef, caBundlePem: string): DesiredApiService {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: API_SERVICE_NAME, labels: { [LABEL_MANAGED_BY]: MANAGED_BY } },
    spec: {
      group: CUSTOM_METRICS_GROUP,
      version: CUSTOM_METRICS_VERSION,
      service: { namespace: service.namespace, name: service.name, port: service.port },
      caBundle: Buffer.from(caBundlePem).toString('base64'),
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  };
}

const existingSchema = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string().optional() }),
  spec: z.looseObject({
    service: z.looseObject({ namespace: z.string(), name: z.string(), port: z.number().optional() }).nullish(),
    caBundle: z.string().optional(),
  }),
});

export type ApiServiceDecision =
  | { kind: 'create' }
  | { kind: 'update'; resourceVersion: string | undefined }
  | { kind: 'unchanged' }
  /** Someone else serves the API: leave it alone and say who. */
  | { kind: 'foreign'; owner: string };

/** `existing` is the APIService as read (undefined when there is none). */
export function decideApiService(existing: unknown, service: ServiceRef, caBundlePem: string): ApiServiceDecision {
  if (existing === undefined) return { kind: 'create' };
  const parsed = existingSchema.safeParse(existing);
  if (!parsed.success) return { kind: 'foreign', owner: 'an APIService this operator cannot read' };
  const current = parsed.data.spec.service;
  if (current === null || current === undefined) return { kind: 'foreign', owner: 'the API server itself (Local)' };
  if (current.namespace !== service.namespace || current.name !== service.name) {
    return { kind: 'foreign', owner: `service ${current.namespace}/${current.name}` };
  }
  const desired = desiredApiService(service, caBundlePem).spec;
  const same = parsed.data.spec.caBundle === desired.caBundle && (current.port ?? 443) === service.port;
  return same ? { kind: 'unchanged' } : { kind: 'update', resourceVersion: parsed.data.metadata.resourceVersion };
}
