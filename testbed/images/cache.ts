// Downloads (Debian packages, the Node runtime) are kept between builds so a warm build needs no network. Entries
// are keyed by exact version, so a new version is a new file and nothing is ever refreshed in place.
import { mkdir, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cacheRoot } from '../versions.js';

export function defaultImageCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  return path.join(cacheRoot(env, home), 'images');
}

/** A file name safe for any version string (Debian epochs hold `:`, versions may hold `~` and `+`). */
export function cacheFileName(name: string, version: string, extension: string): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9.+~-]/g, '_');
  return `${safe(name)}_${safe(version)}.${extension}`;
}

/** Moves a finished download into the cache: rename is atomic, so an interrupted build leaves no half file. */
export async function storeInCache(file: string, cachedPath: string): Promise<void> {
  await mkdir(path.dirname(cachedPath), { recursive: true });
  await rename(file, cachedPath);
}
