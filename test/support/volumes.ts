// PersistentVolumes for the claims a group's StatefulSet will make: the test control plane has no provisioner, so a
// test that runs CNs on claims creates one volume pre-bound to each claim name. The pods run on KWOK: nothing is ever
// mounted, and the hostPath is never touched.

/** The label on every volume made for `namespace`'s test, to delete them afterwards. */
export const VOLUME_NAMESPACE_LABEL = 'e2e.starrocks.com/namespace';

/** The storage class of the volumes made for `namespace`: claims must name it to bind to them. */
export function manualStorageClass(namespace: string): string {
  return `manual-${namespace}`;
}

/** A 1 GiB PersistentVolume named `name`, pre-bound to the claim `claim` of `namespace`. */
export function volumeFor(namespace: string, claim: string, name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, labels: { [VOLUME_NAMESPACE_LABEL]: namespace } },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: manualStorageClass(namespace),
      hostPath: { path: `/tmp/${name}` },
      claimRef: { namespace, name: claim },
    },
  };
}
