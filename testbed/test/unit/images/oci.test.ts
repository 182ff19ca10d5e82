import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { writeImageArchive } from '../../../images/archive.js';
import { tarLayer } from '../../../images/layer.js';
import {
  ANNOTATION_CONTAINERD_NAME,
  ANNOTATION_REF_NAME,
  MEDIA_TYPE_CONFIG,
  MEDIA_TYPE_LAYER_TAR,
  MEDIA_TYPE_MANIFEST,
  blobPath,
  imageConfig,
  imageIndex,
  imageManifest,
  sha256Digest,
} from '../../../images/oci.js';
import { run } from '../../../images/run.js';

const Descriptor = z.object({ mediaType: z.string(), digest: z.string(), size: z.number() });
const Index = z.object({
  schemaVersion: z.literal(2),
  manifests: z.array(Descriptor.extend({ annotations: z.record(z.string(), z.string()) })).length(1),
});
const Manifest = z.object({ schemaVersion: z.literal(2), config: Descriptor, layers: z.array(Descriptor) });
const Config = z.object({
  architecture: z.literal('amd64'),
  os: z.literal('linux'),
  config: z.object({
    Entrypoint: z.array(z.string()),
    Cmd: z.array(z.string()).optional(),
    User: z.string().optional(),
    Env: z.array(z.string()),
    WorkingDir: z.string(),
  }),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(z.string()) }),
});

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const RUN = {
  entrypoint: ['node', '/app/dist/cli/main.js'],
  cmd: ['manager'],
  user: '65532:65532',
  env: ['NODE_ENV=production'],
  workingDir: '/app',
};

describe('OCI documents', () => {
  const layer = { digest: sha256Digest('layer'), size: 5 };

  it('digests are sha256 of the exact bytes', () => {
    const config = imageConfig(RUN, [layer]);
    assert.equal(config.descriptor.digest, sha256(config.bytes));
    assert.equal(config.descriptor.size, config.bytes.length);
    assert.equal(config.descriptor.mediaType, MEDIA_TYPE_CONFIG);
  });

  it('the config carries the run settings, amd64/linux and the diff_ids', () => {
    const config = Config.parse(JSON.parse(imageConfig(RUN, [layer]).bytes.toString('utf8')));
    assert.deepEqual(config.config, {
      Entrypoint: ['node', '/app/dist/cli/main.js'],
      Cmd: ['manager'],
      User: '65532:65532',
      Env: ['NODE_ENV=production'],
      WorkingDir: '/app',
    });
    assert.deepEqual(config.rootfs.diff_ids, [layer.digest]);
  });

  it('leaves Cmd and User out when not set', () => {
    const config = Config.parse(
      JSON.parse(imageConfig({ entrypoint: ['/bin/sh'], env: [], workingDir: '/' }, []).bytes.toString('utf8')),
    );
    assert.equal(config.config.Cmd, undefined);
    assert.equal(config.config.User, undefined);
  });

  it('the manifest points at the config and the uncompressed layers; the index names the image twice', () => {
    const config = imageConfig(RUN, [layer]);
    const manifest = imageManifest(config.descriptor, [layer]);
    const parsed = Manifest.parse(JSON.parse(manifest.bytes.toString('utf8')));
    assert.deepEqual(parsed.config, {
      mediaType: MEDIA_TYPE_CONFIG,
      digest: config.descriptor.digest,
      size: config.bytes.length,
    });
    assert.deepEqual(parsed.layers, [{ mediaType: MEDIA_TYPE_LAYER_TAR, digest: layer.digest, size: 5 }]);
    const index = Index.parse(
      JSON.parse(imageIndex(manifest.descriptor, 'docker.io/library/x:test').bytes.toString('utf8')),
    );
    const entry = index.manifests[0];
    assert.ok(entry);
    assert.equal(entry.digest, manifest.descriptor.digest);
    assert.equal(entry.mediaType, MEDIA_TYPE_MANIFEST);
    assert.equal(entry.annotations[ANNOTATION_REF_NAME], 'docker.io/library/x:test');
    assert.equal(entry.annotations[ANNOTATION_CONTAINERD_NAME], 'docker.io/library/x:test');
  });

  it('blobPath accepts only sha256 digests', () => {
    assert.equal(blobPath(`sha256:${'a'.repeat(64)}`), `blobs/sha256/${'a'.repeat(64)}`);
    assert.throws(() => blobPath('sha256:abc'));
    assert.throws(() => blobPath(`sha512:${'a'.repeat(64)}`));
  });
});

describe('layers and archives', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'images-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function rootfs(name: string, mtime: number): Promise<string> {
    const root = path.join(dir, name);
    await mkdir(path.join(root, 'bin'), { recursive: true });
    await writeFile(path.join(root, 'bin', 'hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
    await writeFile(path.join(root, 'a.txt'), 'a\n');
    await utimes(path.join(root, 'a.txt'), mtime, mtime);
    return root;
  }

  it('a layer digest and size match the tar file, owned by 0:0, the same whatever the mtimes', async () => {
    const first = await tarLayer(await rootfs('one', 1_000_000), path.join(dir, 'one.tar'));
    const second = await tarLayer(await rootfs('two', 2_000_000), path.join(dir, 'two.tar'));
    const bytes = await readFile(first.file);
    assert.equal(first.digest, sha256(bytes));
    assert.equal(first.size, bytes.length);
    assert.equal(second.digest, first.digest);
    const listing = await run('tar', ['--list', '--verbose', '--numeric-owner', `--file=${first.file}`]);
    assert.match(listing, / 0\/0 .* a\.txt\n/);
    assert.match(listing, / 0\/0 .* bin\/hello\n/);
    assert.doesNotMatch(listing, /\.\//);
  });

  it('an archive holds oci-layout, index.json and every blob under its digest', async () => {
    const layer = await tarLayer(await rootfs('img', 0), path.join(dir, 'img.tar'));
    const archive = path.join(dir, 'x.oci.tar');
    const written = await writeImageArchive({ ref: 'docker.io/library/x:test', layers: [layer], run: RUN }, archive);
    assert.equal(written.layerBytes, layer.size);
    const out = path.join(dir, 'unpacked');
    await mkdir(out);
    await run('tar', ['--extract', `--file=${archive}`, `--directory=${out}`]);
    assert.deepEqual(JSON.parse(await readFile(path.join(out, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    const index = Index.parse(JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8')));
    const readBlob = async (descriptor: z.infer<typeof Descriptor>) => {
      const bytes = await readFile(path.join(out, blobPath(descriptor.digest)));
      assert.equal(sha256(bytes), descriptor.digest);
      assert.equal(bytes.length, descriptor.size);
      return bytes;
    };
    const entry = index.manifests[0];
    assert.ok(entry);
    assert.equal(entry.digest, written.manifestDigest);
    const manifest = Manifest.parse(JSON.parse((await readBlob(entry)).toString('utf8')));
    const config = Config.parse(JSON.parse((await readBlob(manifest.config)).toString('utf8')));
    for (const descriptor of manifest.layers) await readBlob(descriptor);
    assert.deepEqual(
      config.rootfs.diff_ids,
      manifest.layers.map((descriptor) => descriptor.digest),
    );
  });
});
