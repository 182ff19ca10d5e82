// The OCI image layout as JSON documents: image config, manifest, index and the oci-layout marker, plus the sha256
// digests that tie them together. Pure functions only; writing files is in archive.ts. containerd checks every
// digest and size on import, so these are computed from the exact bytes that are written.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export const MEDIA_TYPE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_TYPE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_CONFIG = 'application/vnd.oci.image.config.v1+json';
/** Uncompressed layers: import is fast and nothing is gained by compressing a tar that never leaves the machine. */
export const MEDIA_TYPE_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

/** The OCI annotation `ctr images import` names the image by (with --index-name semantics off). */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
/** containerd's own annotation: its importer prefers it and takes the full name from it. */
export const ANNOTATION_CONTAINERD_NAME = 'io.containerd.image.name';

export const OCI_LAYOUT = JSON.stringify({ imageLayoutVersion: '1.0.0' });

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** A blob as it will be stored: its bytes, digest and size. */
export interface Blob {
  bytes: Buffer;
  descriptor: Descriptor;
}

/** The process an image runs, as the image config's `config` member holds it. */
export interface RunConfig {
  entrypoint: readonly string[];
  cmd?: readonly string[];
  /** `uid:gid` or a user name; left out means root. */
  user?: string;
  env: readonly string[];
  workingDir: string;
}

/** What a built layer tar contributes: its descriptor (digest of the tar as stored) and its diff_id. */
export interface LayerDescriptor {
  digest: string;
  size: number;
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${sha256Hex(bytes)}`;
}

/** Digest and size of a file, streamed: layers hold a 120 MB node binary. */
export async function digestFile(path: string): Promise<LayerDescriptor> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    hash.update(buffer);
    size += buffer.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

function jsonBlob(mediaType: string, document: unknown, annotations?: Record<string, string>): Blob {
  const bytes = Buffer.from(JSON.stringify(document), 'utf8');
  const descriptor: Descriptor = { mediaType, digest: sha256Digest(bytes), size: bytes.length };
  if (annotations !== undefined) descriptor.annotations = annotations;
  return { bytes, descriptor };
}

/**
 * The image config. Layers are uncompressed, so each diff_id equals the layer's digest. `created` is fixed at the
 * epoch so equal inputs give an equal image id.
 */
export function imageConfig(run: RunConfig, layers: readonly LayerDescriptor[]): Blob {
  const config: Record<string, unknown> = {
    Entrypoint: [...run.entrypoint],
    Env: [...run.env],
    WorkingDir: run.workingDir,
  };
  if (run.cmd !== undefined) config['Cmd'] = [...run.cmd];
  if (run.user !== undefined) config['User'] = run.user;
  return jsonBlob(MEDIA_TYPE_CONFIG, {
    created: '1970-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config,
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
    history: layers.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'testbed/images' })),
  });
}

export function imageManifest(config: Descriptor, layers: readonly LayerDescriptor[]): Blob {
  return jsonBlob(MEDIA_TYPE_MANIFEST, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_MANIFEST,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({ mediaType: MEDIA_TYPE_LAYER_TAR, digest: layer.digest, size: layer.size })),
  });
}

/**
 * index.json: one manifest, named by both annotations. `ctr images import` names an image from
 * io.containerd.image.name when present, else from org.opencontainers.image.ref.name; both carry the full
 * normalized reference so either path gives the name the kubelet asks for.
 */
export function imageIndex(manifest: Descriptor, ref: string): Blob {
  return jsonBlob(MEDIA_TYPE_INDEX, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_INDEX,
    manifests: [
      {
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.size,
        annotations: { [ANNOTATION_CONTAINERD_NAME]: ref, [ANNOTATION_REF_NAME]: ref },
        platform: { architecture: 'amd64', os: 'linux' },
      },
    ],
  });
}

/** The blob path of a digest inside an OCI layout: blobs/sha256/<hex>. */
export function blobPath(digest: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (match?.[1] === undefined) throw new Error(`not a sha256 digest: ${digest}`);
  return `blobs/sha256/${match[1]}`;
}
