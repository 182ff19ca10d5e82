// Writes one image as an OCI image layout tarball (oci-layout, index.json, blobs/sha256/<hex>), the format
// `ctr images import` reads. Layer blobs are hard links to the layer tars (copies across file systems), so a
// 130 MB layer is written once per archive, not twice.
import { copyFile, link, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPRODUCIBLE_TAR_FLAGS, type Layer } from './layer.js';
import { OCI_LAYOUT, blobPath, imageConfig, imageIndex, imageManifest, type Blob, type RunConfig } from './oci.js';
import { run } from './run.js';

export interface ImageSpec {
  ref: string;
  layers: readonly Layer[];
  run: RunConfig;
}

export interface WrittenArchive {
  archive: string;
  bytes: number;
  layerBytes: number;
  manifestDigest: string;
  configDigest: string;
}

export async function writeImageArchive(spec: ImageSpec, archive: string): Promise<WrittenArchive> {
  const config = imageConfig(spec.run, spec.layers);
  const manifest = imageManifest(config.descriptor, spec.layers);
  const index = imageIndex(manifest.descriptor, spec.ref);
  const layout = await mkdtemp(path.join(path.dirname(archive), '.layout-'));
  try {
    await mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
    await writeFile(path.join(layout, 'oci-layout'), OCI_LAYOUT);
    await writeFile(path.join(layout, 'index.json'), index.bytes);
    for (const blob of [config, manifest]) await writeBlob(layout, blob);
    for (const layer of spec.layers) await linkOrCopy(layer.file, path.join(layout, blobPath(layer.digest)));
    await rm(archive, { force: true });
    await run('tar', [
      '--create',
      `--file=${archive}`,
      `--directory=${layout}`,
      ...REPRODUCIBLE_TAR_FLAGS,
      '--',
      'oci-layout',
      'index.json',
      'blobs',
    ]);
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
  return {
    archive,
    bytes: (await stat(archive)).size,
    layerBytes: spec.layers.reduce((sum, layer) => sum + layer.size, 0),
    manifestDigest: manifest.descriptor.digest,
    configDigest: config.descriptor.digest,
  };
}

async function writeBlob(layout: string, blob: Blob): Promise<void> {
  await writeFile(path.join(layout, blobPath(blob.descriptor.digest)), blob.bytes);
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    // The same layer twice in one image (never done here) or a file system without hard links.
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return;
    await copyFile(from, to);
  }
}
