// Whether cn.conf puts the CN's data cache, spill and log directories on the volumes spec.storage gives for them.
// A directory outside its volume silently lands in the container's own file system: the cache is lost at every
// restart and the node's disk fills where nobody looks. Pure; the reconciler turns findings into a condition and
// an Event.
import path from 'node:path/posix';
import { CN_HOME, type StorageVolume } from '../api/v1alpha1/index.js';
import { cnConfEntries } from './index.js';

/** A volume as mounted in the `cn` container. */
export interface MountedVolume {
  readonly volume: StorageVolume;
  readonly mountPath: string;
  readonly hostPath: boolean;
}

export type StorageFindingReason = 'PathOutsideVolume' | 'HostPathCacheUnsized';

export interface StorageFinding {
  readonly reason: StorageFindingReason;
  readonly message: string;
}

interface PathKey {
  readonly key: string;
  /** The CN's own default when the key is absent; undefined when the key is only read if set. */
  readonly defaultValue: string | undefined;
}

/** The cn.conf keys each volume is for, with the CN's defaults (`${STARROCKS_HOME}` is the CN's home). */
export const STORAGE_KEYS: Readonly<Record<StorageVolume, readonly PathKey[]>> = {
  cache: [
    { key: 'storage_root_path', defaultValue: '${STARROCKS_HOME}/storage' },
    { key: 'datacache_disk_path', defaultValue: undefined },
  ],
  spill: [{ key: 'spill_local_storage_dir', defaultValue: '${STARROCKS_HOME}/spill' }],
  log: [{ key: 'sys_log_dir', defaultValue: '${STARROCKS_HOME}/log' }],
};

/** The key a shared (hostPath) cache must set, or each CN takes its default share of the whole disk. */
export const CACHE_SIZE_KEY = 'datacache_disk_size';

/**
 * The directories of a path value: `;`-separated, each maybe followed by `,medium:ssd` (storage_root_path), with
 * `${STARROCKS_HOME}` and `$STARROCKS_HOME` expanded to the image's home.
 */
export function pathsOf(value: string): string[] {
  return value
    .split(';')
    .map((part) => (part.split(',')[0] ?? '').trim())
    .filter((part) => part !== '')
    .map((part) => part.replaceAll('${STARROCKS_HOME}', CN_HOME).replaceAll('$STARROCKS_HOME', CN_HOME));
}

function isInside(directory: string, mountPath: string): boolean {
  const relative = path.relative(path.normalize(mountPath), path.normalize(directory));
  return relative === '' || (relative !== '..' && !relative.startsWith('../') && !path.isAbsolute(relative));
}

export function checkStorage(cnConf: string, volumes: readonly MountedVolume[]): StorageFinding[] {
  const { entries } = cnConfEntries(cnConf);
  const findings: StorageFinding[] = [];
  for (const mounted of volumes) {
    for (const { key, defaultValue } of STORAGE_KEYS[mounted.volume]) {
      const entry = entries.get(key);
      const value = entry?.value ?? defaultValue;
      if (value === undefined) continue;
      for (const directory of pathsOf(value)) {
        if (isInside(directory, mounted.mountPath)) continue;
        const source =
          entry === undefined ? `${key} is not set, so the CN uses ${directory}` : `cn.conf ${key} = ${directory}`;
        findings.push({
          reason: 'PathOutsideVolume',
          message:
            `${source}, outside the ${mounted.volume} volume mounted at ${mounted.mountPath}: the CN would write there ` +
            `into the container's own file system; set ${key} to a directory inside ${mounted.mountPath}, or set ` +
            `spec.storage.${mounted.volume}.mountPath`,
        });
      }
    }
    if (mounted.volume === 'cache' && mounted.hostPath && !entries.has(CACHE_SIZE_KEY)) {
      findings.push({
        reason: 'HostPathCacheUnsized',
        message:
          `the cache volume is a hostPath, shared by every CN pod on the node, and cn.conf sets no ${CACHE_SIZE_KEY}: ` +
          `each CN sizes its cache as a share of the whole disk and they overrun each other; set ${CACHE_SIZE_KEY} ` +
          '(e.g. 200G) in cn.conf',
      });
    }
  }
  return findings;
}
