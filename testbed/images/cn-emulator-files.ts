// The CN emulator image's own files: the emulator program bundled into one file by esbuild (the image has node
// but no node_modules), the start/stop scripts and the default cn.conf.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CN_EMULATOR_BUNDLE, CN_HOME, DEFAULT_CN_CONF, START_CN_SH, STOP_CN_SH } from './cn-scripts.js';
import { run } from './run.js';

export const CN_EMULATOR_SOURCE = 'testbed/cn-emulator/process.ts';

/** Bundles the emulator to `outFile`. Targets Node 20 so the same bundle also runs on the test machine's node. */
export async function bundleCnEmulator(repoRoot: string, outFile: string): Promise<void> {
  const esbuild = path.join(repoRoot, 'node_modules', '.bin', 'esbuild');
  await run(esbuild, [
    path.join(repoRoot, CN_EMULATOR_SOURCE),
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--target=node20',
    '--log-level=warning',
    `--outfile=${outFile}`,
  ]);
}

/** Writes /opt/starrocks/cn/{bin,conf,lib} under `rootfs`. */
export async function writeCnEmulatorFiles(repoRoot: string, rootfs: string): Promise<void> {
  const home = path.join(rootfs, CN_HOME);
  for (const folder of ['bin', 'conf', 'lib', 'log']) await mkdir(path.join(home, folder), { recursive: true });
  await writeFile(path.join(home, 'bin', 'start_cn.sh'), START_CN_SH);
  await writeFile(path.join(home, 'bin', 'stop_cn.sh'), STOP_CN_SH);
  await chmod(path.join(home, 'bin', 'start_cn.sh'), 0o755);
  await chmod(path.join(home, 'bin', 'stop_cn.sh'), 0o755);
  await writeFile(path.join(home, 'conf', 'cn.conf'), DEFAULT_CN_CONF, { mode: 0o644 });
  await bundleCnEmulator(repoRoot, path.join(rootfs, CN_EMULATOR_BUNDLE));
}
