// The CN's volumes from spec.storage: StatefulSet claim templates for `persistentVolumeClaim` volumes (one claim
// per CN, named `<volume>-<statefulset>-<ordinal>` by the StatefulSet controller), pod volumes for `emptyDir` and
// `hostPath`, and the mounts of the `cn` container. Pure.
import type {
  V1PersistentVolumeClaim,
  V1StatefulSetPersistentVolumeClaimRetentionPolicy,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import {
  DEFAULT_STORAGE_MOUNT_PATHS,
  STORAGE_VOLUMES,
  type ComputeNodeGroup,
  type StorageVolume,
} from '../api/v1alpha1/index.js';
import { selectorLabels } from './names.js';
import type { Plain } from './plain.js';

type VolumeSpec = NonNullable<NonNullable<ComputeNodeGroup['spec']['storage']>[StorageVolume]>;

/** The given volumes of a group, in the fixed order cache, spill, log. */
export function storageVolumes(cng: ComputeNodeGroup): { volume: StorageVolume; spec: VolumeSpec }[] {
  const storage = cng.spec.storage;
  if (storage === undefined) return [];
  return STORAGE_VOLUMES.flatMap((volume) => {
    const spec = storage[volume];
    return spec === undefined ? [] : [{ volume, spec }];
  });
}

export function mountPathOf(volume: StorageVolume, spec: VolumeSpec): string {
  return spec.mountPath ?? DEFAULT_STORAGE_MOUNT_PATHS[volume];
}

export function volumeClaimTemplates(cng: ComputeNodeGroup): Plain<V1PersistentVolumeClaim>[] | undefined {
  const claims = storageVolumes(cng).flatMap(({ volume, spec }) => {
    const claim = spec.persistentVolumeClaim;
    if (claim === undefined) return [];
    return [
      {
        // Labelled like the group's pods, so `kubectl get pvc -l app.kubernetes.io/instance=<group>` finds them.
        metadata: { name: volume, labels: selectorLabels(cng) },
        spec: {
          accessModes: claim.accessModes ?? ['ReadWriteOnce'],
          resources: { requests: { storage: claim.size } },
          ...(claim.storageClassName === undefined ? {} : { storageClassName: claim.storageClassName }),
        },
      },
    ];
  });
  return claims.length > 0 ? claims : undefined;
}

/** Set only when the group has claims: a StatefulSet without claim templates keeps the API server's default. */
export function claimRetentionPolicy(
  cng: ComputeNodeGroup,
): Plain<V1StatefulSetPersistentVolumeClaimRetentionPolicy> | undefined {
  const storage = cng.spec.storage;
  if (storage === undefined || volumeClaimTemplates(cng) === undefined) return undefined;
  return {
    whenScaled: storage.persistentVolumeClaimRetention.whenScaled,
    whenDeleted: storage.persistentVolumeClaimRetention.whenDeleted,
  };
}

/** Pod volumes for `emptyDir` and `hostPath` (claims come from the templates). */
export function storagePodVolumes(cng: ComputeNodeGroup): Plain<V1Volume>[] {
  return storageVolumes(cng).flatMap(({ volume, spec }): Plain<V1Volume>[] => {
    if (spec.emptyDir !== undefined) {
      const { sizeLimit, medium } = spec.emptyDir;
      return [
        {
          name: volume,
          emptyDir: {
            ...(sizeLimit === undefined ? {} : { sizeLimit }),
            ...(medium === undefined || medium === '' ? {} : { medium }),
          },
        },
      ];
    }
    if (spec.hostPath !== undefined) {
      return [
        { name: volume, hostPath: { path: spec.hostPath.path, type: spec.hostPath.type ?? 'DirectoryOrCreate' } },
      ];
    }
    return [];
  });
}

export function storageMounts(cng: ComputeNodeGroup): Plain<V1VolumeMount>[] {
  return storageVolumes(cng).map(({ volume, spec }) => ({ name: volume, mountPath: mountPathOf(volume, spec) }));
}
