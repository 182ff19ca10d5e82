// The operator image's /app, laid out by hack/image/layout-app.sh, the script the Dockerfile runs: package.json and
// the caller's built dist/ (a bundle that holds its dependencies, so no node_modules).
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { run } from './run.js';

export const LAYOUT_APP_SCRIPT = 'hack/image/layout-app.sh';
export const APP_DIR_IN_IMAGE = '/app';

export interface AppSources {
  /** The repository root (package.json, hack/image/layout-app.sh). */
  repoRoot: string;
  /** The built output (`npm run build`); default <repoRoot>/dist. */
  distDir?: string;
}

/** Fails early and clearly when there is nothing to put in the image. */
export function checkDist(distDir: string): void {
  if (!existsSync(path.join(distDir, 'cli', 'main.js'))) {
    throw new Error(`${distDir}/cli/main.js is missing: run \`npm run build\` before building the test images`);
  }
}

/** Lays out /app under `rootfs` (rootfs/app). `scratchRoot` holds the temporary copy the layout script reads. */
export async function layoutApp(sources: AppSources, rootfs: string, scratchRoot: string): Promise<void> {
  const distDir = sources.distDir ?? path.join(sources.repoRoot, 'dist');
  checkDist(distDir);
  const source = await mkdtemp(path.join(scratchRoot, 'app-src-'));
  try {
    await copyFile(path.join(sources.repoRoot, 'package.json'), path.join(source, 'package.json'));
    // A copy, not a link: the layout script copies dist/ with cp -R, which would keep a link as a link.
    await cp(distDir, path.join(source, 'dist'), { recursive: true });
    await run('bash', [path.join(sources.repoRoot, LAYOUT_APP_SCRIPT), source, path.join(rootfs, APP_DIR_IN_IMAGE)]);
  } finally {
    await rm(source, { recursive: true, force: true });
  }
}
