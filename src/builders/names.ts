// Names and labels of a group's children. The controllers, the components and the builders all derive them from
// here, so a pod, its Service and the FE address the operator computes always agree.

/** The part of a ComputeNodeGroup the names depend on; a parsed group satisfies it. */
export interface GroupIdentity {
  metadata: { name: string; namespace?: string | undefined };
}

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const APP_NAME = 'starrocks-cn';
export const MANAGED_BY = 'starrocks-cn-operator';
/** Namespace assumed when a group has none (e.g. rendering a file that does not say). */
export const DEFAULT_NAMESPACE = 'default';

export function groupNamespace(cng: GroupIdentity): string {
  return cng.metadata.namespace ?? DEFAULT_NAMESPACE;
}

export function statefulSetName(cng: GroupIdentity): string {
  return cng.metadata.name;
}

export function headlessServiceName(cng: GroupIdentity): string {
  return `${cng.metadata.name}-cn`;
}

export function horizontalPodAutoscalerName(cng: GroupIdentity): string {
  return cng.metadata.name;
}

export function podDisruptionBudgetName(cng: GroupIdentity): string {
  return cng.metadata.name;
}

/** The CronJob, and its ServiceAccount, Role and RoleBinding. */
export function offlineName(cng: GroupIdentity): string {
  return `${cng.metadata.name}-offline`;
}

export function podName(cng: GroupIdentity, ordinal: number): string {
  return `${statefulSetName(cng)}-${ordinal}`;
}

/** The pod's DNS name through the headless Service: what a CN registers as in FQDN mode. */
export function podFqdn(cng: GroupIdentity, ordinal: number): string {
  return `${podName(cng, ordinal)}.${headlessServiceName(cng)}.${groupNamespace(cng)}.svc.cluster.local`;
}

/** Labels that select the group's CN pods (StatefulSet, Service, PDB, HPA through status.labelSelector). */
export function selectorLabels(cng: GroupIdentity): Record<string, string> {
  return {
    [LABEL_NAME]: APP_NAME,
    [LABEL_INSTANCE]: cng.metadata.name,
    [LABEL_MANAGED_BY]: MANAGED_BY,
  };
}

/** Labels of the CN pods: the selector labels plus the component. */
export function podLabels(cng: GroupIdentity): Record<string, string> {
  return { ...selectorLabels(cng), [LABEL_COMPONENT]: 'cn' };
}

/** The selector as the text `status.labelSelector` carries (keys sorted, so it never changes spuriously). */
export function labelSelectorString(cng: GroupIdentity): string {
  return Object.entries(selectorLabels(cng))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
