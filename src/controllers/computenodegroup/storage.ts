// The StorageConfigured condition: with spec.storage, whether cn.conf puts the cache, spill and log directories on
// the volumes given for them (checkStorage). Pure. It does not count towards Ready: the CNs serve queries either
// way, but a cache outside its volume is lost at every restart.
import { ConditionType, type ComputeNodeGroup } from '../../api/v1alpha1/index.js';
import { mountPathOf, storageVolumes } from '../../builders/storage.js';
import { checkStorage, type StorageFindingReason } from '../../cnconf/storage.js';
import type { ConditionUpdate } from './conditions.js';

export type StorageConditionUpdate = ConditionUpdate & { reason: 'Configured' | StorageFindingReason };

/** Undefined without spec.storage (and the condition goes away). */
export function storageCondition(group: ComputeNodeGroup, cnConf: string): StorageConditionUpdate | undefined {
  const volumes = storageVolumes(group).map(({ volume, spec }) => ({
    volume,
    mountPath: mountPathOf(volume, spec),
    hostPath: spec.hostPath !== undefined,
  }));
  if (volumes.length === 0) return undefined;
  const type = ConditionType.StorageConfigured;
  const findings = checkStorage(cnConf, volumes);
  const [first] = findings;
  if (first === undefined) {
    const names = volumes.map(({ volume, mountPath }) => `${volume} at ${mountPath}`).join(', ');
    return { type, status: 'True', reason: 'Configured', message: `cn.conf uses its volumes: ${names}` };
  }
  return {
    type,
    status: 'False',
    reason: first.reason,
    message: findings.map((finding) => finding.message).join('; also: '),
  };
}
