import type { V1OwnerReference } from '@kubernetes/client-node';
import type { ChildMetadata, Plain } from './plain.js';
import { API_VERSION, KIND, type ComputeNodeGroup } from '../api/v1alpha1/index.js';
import { LABEL_COMPONENT, groupNamespace, selectorLabels } from './names.js';

export type Component = 'cn' | 'offline';

/** The labels of every child: the group's selector labels and which part of the group it is. */
export function childLabels(cng: ComputeNodeGroup, component: Component): Record<string, string> {
  return { ...selectorLabels(cng), [LABEL_COMPONENT]: component };
}

/**
 * The controller reference that lets garbage collection delete the child with its group. Rendering a file without
 * a cluster has no uid to point at, so there is none then.
 */
export function ownerReferences(cng: ComputeNodeGroup): Plain<V1OwnerReference>[] | undefined {
  const uid = cng.metadata.uid;
  if (uid === undefined || uid === '') return undefined;
  return [
    { apiVersion: API_VERSION, kind: KIND, name: cng.metadata.name, uid, controller: true, blockOwnerDeletion: true },
  ];
}

export function childMetadata(cng: ComputeNodeGroup, name: string, component: Component): ChildMetadata {
  const owners = ownerReferences(cng);
  return {
    name,
    namespace: groupNamespace(cng),
    labels: childLabels(cng, component),
    ...(owners === undefined ? {} : { ownerReferences: owners }),
  };
}
