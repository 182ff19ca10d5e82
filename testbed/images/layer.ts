// A layer is an uncompressed tar of a root file system folder, written by GNU tar with everything that varies
// between machines and runs fixed: owner root (0:0, numeric, so no name lookup), mtime 0, names sorted. The same
// inputs then give the same layer digest, and layers shared by two images (the node base) are stored once by
// containerd.
import { readdir } from 'node:fs/promises';
import { digestFile, type LayerDescriptor } from './oci.js';
import { run } from './run.js';

/** GNU tar flags of a reproducible archive; also used for the image archive itself. */
export const REPRODUCIBLE_TAR_FLAGS = [
  '--owner=0',
  '--group=0',
  '--numeric-owner',
  '--sort=name',
  '--mtime=@0',
  '--format=gnu',
] as const;

export interface Layer extends LayerDescriptor {
  /** The tar file. */
  file: string;
}

/** Tars the contents of `rootfs` (entries named `bin/...`, not `./bin/...`) into `file`. */
export async function tarLayer(rootfs: string, file: string): Promise<Layer> {
  const entries = (await readdir(rootfs)).sort();
  if (entries.length === 0) throw new Error(`layer folder ${rootfs} is empty`);
  await run('tar', [
    '--create',
    `--file=${file}`,
    `--directory=${rootfs}`,
    ...REPRODUCIBLE_TAR_FLAGS,
    '--',
    ...entries,
  ]);
  return { file, ...(await digestFile(file)) };
}
