// The image names the real-node tests use. containerd's CRI plugin looks images up by their fully normalized
// reference (docker.io/library/<name>:<tag> for a short name), so the archives carry that form: a pod can then say
// `image: starrocks-cn-operator:test` with `imagePullPolicy: IfNotPresent` (or Never) and the kubelet finds it
// without a registry.
import { VERSIONS } from '../versions.js';

/** The project's own image (manager, register, offline). Short name in pod specs: `starrocks-cn-operator:test`. */
export const OPERATOR_IMAGE_REF = 'docker.io/library/starrocks-cn-operator:test';
/** A compute node emulator with the official CN image layout (/opt/starrocks/cn/bin/start_cn.sh, stop_cn.sh). */
export const CN_EMULATOR_IMAGE_REF = 'docker.io/library/starrocks-cn-emulator:test';
/** A 2022-style CN image without be/bin/start_cn.sh: the seed FAQ's wrong-path failure. WorkingDir /opt/starrocks. */
export const CN_2022_IMAGE_REF = 'docker.io/library/starrocks-cn-2022:test';
/** Stands in for the pause image: put it in containerd's `sandbox_image` (hack/real-node.sh does). */
export const PAUSE_IMAGE_REF = VERSIONS.PAUSE_IMAGE;

/** The short names pods use; each normalizes to the matching *_REF above. */
export const OPERATOR_IMAGE = 'starrocks-cn-operator:test';
export const CN_EMULATOR_IMAGE = 'starrocks-cn-emulator:test';
export const CN_2022_IMAGE = 'starrocks-cn-2022:test';

const DEFAULT_DOMAIN = 'docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';

/**
 * Normalizes a reference the way containerd's CRI plugin (docker/distribution's ParseNormalizedNamed) does: no
 * domain means docker.io, a single-component docker.io path gets `library/`, no tag or digest means `:latest`.
 * The first component counts as a domain when it has a `.` or `:` or is `localhost`.
 */
export function normalizeImageRef(reference: string): string {
  if (reference === '' || reference !== reference.trim())
    throw new Error(`invalid image reference ${JSON.stringify(reference)}`);
  const slash = reference.indexOf('/');
  const first = slash < 0 ? '' : reference.slice(0, slash);
  const hasDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  const domain = hasDomain ? first : DEFAULT_DOMAIN;
  let remainder = hasDomain ? reference.slice(slash + 1) : reference;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  const lastSegment = remainder.slice(remainder.lastIndexOf('/') + 1);
  const tagged = lastSegment.includes(':') || remainder.includes('@');
  return `${domain}/${remainder}${tagged ? '' : ':latest'}`;
}
