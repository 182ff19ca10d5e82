// Where the testbed and the repository it serves live. The testbed is a folder of the operator's repository, not a
// published package: the control plane starts the metrics API from its source, the image builder lays out the
// operator's dist/, and tests read deploy/ and examples/, all by these two paths.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The testbed package's own folder (testbed/). */
export const TESTBED_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The operator's repository root: package.json, dist/, deploy/, examples/, hack/. */
export const REPO_ROOT = path.dirname(TESTBED_ROOT);
