// The versions the testbed pins and the cache folder it builds into, read from versions.env next to this file: the
// file hack/lib.sh reads for the shell scripts, so a version is written once for both. Read once, when first imported.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { TESTBED_ROOT } from './helpers/repo.js';

export const VERSIONS_FILE = path.join(TESTBED_ROOT, 'versions.env');

const versionsSchema = z.object({
  KUBE_VERSION: z.string().min(1),
  ETCD_VERSION: z.string().min(1),
  KWOK_VERSION: z.string().min(1),
  HELM_VERSION: z.string().min(1),
  PROMTOOL_MODULE_VERSION: z.string().min(1),
  PROMETHEUS_OPERATOR_VERSION: z.string().min(1),
  PROMETHEUS_ADAPTER_VERSION: z.string().min(1),
  KEDA_VERSION: z.string().min(1),
  CONTROLLER_TOOLS_VERSION: z.string().min(1),
  IMAGE_NODE_VERSION: z.string().min(1),
  PAUSE_IMAGE: z.string().min(1),
  CACHE_DIR_NAME: z.string().min(1),
});
export type Versions = z.infer<typeof versionsSchema>;

const LINE = /^([A-Z][A-Z0-9_]*)=(\S+)$/;

/** The KEY=value lines of an env file (blank lines and # comments skipped); anything else is an error. Pure. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (match === null) throw new Error(`line ${index + 1}: not a KEY=value line: ${line}`);
    const [, key = '', value = ''] = match;
    values[key] = value;
  }
  return values;
}

/** The pinned versions of a versions.env text; an error names the missing key. Pure. */
export function parseVersions(text: string): Versions {
  return versionsSchema.parse(parseEnvFile(text));
}

export const VERSIONS: Versions = parseVersions(readFileSync(VERSIONS_FILE, 'utf8'));

/** The testbed's cache folder: under XDG_CACHE_HOME, else ~/.cache, as hack/lib.sh computes it. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env, homeDir: string = os.homedir()): string {
  const xdg = env['XDG_CACHE_HOME'];
  const cacheHome = xdg !== undefined && xdg !== '' ? xdg : path.join(homeDir, '.cache');
  return path.join(cacheHome, VERSIONS.CACHE_DIR_NAME);
}
