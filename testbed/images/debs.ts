// Root file systems from Debian packages: `apt-get download` fetches the exact candidate version (no install, no
// root needed for the download itself), `dpkg-deb -x` unpacks it into a folder. The .deb files are cached by
// package and version, so a warm build touches no network.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { cacheFileName, storeInCache } from './cache.js';
import { run } from './run.js';

/** The shared libraries `node` links against (ldd: libc, libm, libdl, libpthread, libstdc++, libgcc_s). */
export const NODE_RUNTIME_PACKAGES = ['libc6', 'libgcc-s1', 'libstdc++6'] as const;
/** /bin/busybox, a static binary: sh, timeout, sleep, kill and the rest as applet symlinks. */
export const BUSYBOX_PACKAGE = 'busybox-static';

/** The `Version:` of the first stanza of `apt-cache show --no-all-versions` (the candidate). */
export function parseCandidateVersion(showOutput: string): string | undefined {
  const match = /^Version:\s*(\S+)\s*$/m.exec(showOutput);
  return match?.[1];
}

export async function candidateVersion(pkg: string): Promise<string> {
  let output: string;
  try {
    output = await run('apt-cache', ['show', '--no-all-versions', pkg]);
  } catch (error) {
    throw new Error(`apt-cache knows no package ${pkg} (run apt-get update?): ${String(error)}`, { cause: error });
  }
  const version = parseCandidateVersion(output);
  if (version === undefined) throw new Error(`apt-cache show ${pkg} printed no Version:`);
  return version;
}

/** The cached .deb of the candidate version of `pkg`, downloaded on first use. */
export async function fetchDeb(pkg: string, cacheDir: string): Promise<string> {
  const version = await candidateVersion(pkg);
  const cached = path.join(cacheDir, 'debs', cacheFileName(pkg, version, 'deb'));
  if (existsSync(cached)) return cached;
  await mkdir(cacheDir, { recursive: true });
  // Downloaded next to the cache (same file system) so the final rename is atomic.
  const scratch = await mkdtemp(path.join(cacheDir, '.download-'));
  try {
    await run('apt-get', ['download', '-q', `${pkg}=${version}`], { cwd: scratch });
    const debs = (await readdir(scratch)).filter((name) => name.endsWith('.deb'));
    const deb = debs[0];
    if (debs.length !== 1 || deb === undefined)
      throw new Error(`apt-get download ${pkg} left ${debs.length} .deb files`);
    await storeInCache(path.join(scratch, deb), cached);
    return cached;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export async function extractDeb(deb: string, rootfs: string): Promise<void> {
  await mkdir(rootfs, { recursive: true });
  await run('dpkg-deb', ['-x', deb, rootfs]);
}

/** Documentation, manuals and translations: not needed to run anything, and a few MB per image. */
export async function pruneDocs(rootfs: string): Promise<void> {
  for (const folder of ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/lintian', 'usr/share/locale']) {
    await rm(path.join(rootfs, folder), { recursive: true, force: true });
  }
}
