// What the builders need to know about the operator itself, passed in rather than read from the environment so the
// builders stay pure.
import { createHash } from 'node:crypto';
import { CN_HOME } from '../api/v1alpha1/index.js';

export interface OperatorSettings {
  /** The operator's image; it also holds the `register` and `offline` programs (the default componentsImage). */
  operatorImage: string;
}

/** The image `cngctl render` assumes when none is given; the Helm chart and deploy/ set the real one. */
export const DEFAULT_OPERATOR_IMAGE = 'starrocks-cn-operator:0.1.0';

/** Where the programs live in the operator image (dist/ of this package, built into /app). */
export const COMPONENTS_ENTRYPOINT = ['node', '/app/dist/cli/main.js'] as const;

/**
 * V8 settings of the image's entry point, so of the manager (the register sidecar and the offline CronJob give their
 * own commands). A long-lived process that works in bursts: V8's default 16 MiB semi-spaces (kept committed) and an
 * old generation allowed to grow to several times its live data leave the converged manager holding several times
 * its live objects. 4 MiB semi-spaces and an old generation collected once it grows 20 % past its live size bound
 * both, for about the same CPU to converge; on the image's Node 24, whose default young generation is larger still,
 * they save more, for a little more CPU (bench/operator-memory.ts; the figures: docs/benchmarks.md, "The lean-manager
 * work" and "Status-only passes, and the image's Node 24").
 */
export const MANAGER_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=20'] as const;

/** The image's ENTRYPOINT (the Dockerfile's, and the test image's): `manager` and the other commands follow it. */
export const IMAGE_ENTRYPOINT = [
  COMPONENTS_ENTRYPOINT[0],
  ...MANAGER_NODE_FLAGS,
  ...COMPONENTS_ENTRYPOINT.slice(1),
] as const;

/**
 * V8 settings of the register sidecar, which runs in every CN pod and does one small FE query every few seconds: no
 * JIT compiler, a 1 MiB young generation, and V8's size-over-speed mode: on the image's Node 24, less resident and
 * private memory for no more CPU, flat over an hour (bench/register-memory.ts; the figures: docs/benchmarks.md, "The
 * `register` sidecar over time"). The manager, which works hard in bursts, would pay for the interpreter: it has
 * settings of its own.
 */
export const REGISTER_NODE_FLAGS = ['--jitless', '--max-semi-space-size=1', '--optimize-for-size'] as const;

/** The register sidecar's command line: the image's program, run with REGISTER_NODE_FLAGS. */
export const REGISTER_COMMAND = [
  COMPONENTS_ENTRYPOINT[0],
  ...REGISTER_NODE_FLAGS,
  ...COMPONENTS_ENTRYPOINT.slice(1),
  'register',
] as const;

/** The CN pod's main container (the StarRocks CN process). */
export const CN_CONTAINER = 'cn';

/** The sidecar that adds its CN to the FE (`cnInfo.registration: Sidecar`, the 2022 design). */
export const REGISTER_CONTAINER = 'register';

/** The register sidecar's health server: /readyz (CN alive in the FE) and /healthz. */
export const REGISTER_PROBE_PORT = 8099;

/** StarRocks layout of the official CN images (starrocks/cn-ubuntu); CN_HOME comes from the API's constants. */
export { CN_HOME };
export const CN_CONF_PATH = `${CN_HOME}/conf/cn.conf`;
export const CN_START_SCRIPT = `${CN_HOME}/bin/start_cn.sh`;
export const CN_STOP_SCRIPT = `${CN_HOME}/bin/stop_cn.sh`;

/** Pod template annotation holding the hash of cn.conf: a config change rolls the pods, nothing else does. */
export const CN_CONF_HASH_ANNOTATION = 'starrocks.com/cn-conf-hash';

/** The value of CN_CONF_HASH_ANNOTATION for a cn.conf text (the first 16 hex digits of its SHA-256). */
export function hashCnConf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}
