// Helpers for the end-to-end tests of the operator: its compiled program, the project's own REST client on the test
// cluster, the seed's install order and the project's CRD. The cluster itself (kubectl, namespaces, the audit log)
// is the testbed's control plane (@starrocks-cn-operator/testbed/control-plane).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { e2eEnvironment, kubectl } from '@starrocks-cn-operator/testbed/control-plane';
import { REPO_ROOT, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { kubeconfigConnection, type KubeConnection } from '../../src/kube/kubeconfig.js';

/**
 * Where `hack/<script> --path` says its result goes, checked: a binary (executable), or a folder with the `inside`
 * files (executables, or readable `.yaml`). A tool the tests need but nobody built (or a build that was interrupted)
 * fails with the command that builds it (hack/test.sh runs every build script first).
 */
export async function builtByScript(script: string, what: string, inside: readonly string[] = ['']): Promise<string> {
  const scriptPath = path.join(REPO_ROOT, 'hack', script);
  const { stdout } = await promisify(execFile)('bash', [scriptPath, '--path'], { timeout: 10_000 });
  const result = stdout.trim();
  for (const file of inside) {
    const full = path.join(result, file);
    try {
      await access(full, file.endsWith('.yaml') ? constants.R_OK : constants.X_OK);
    } catch {
      throw new Error(`${what} is not built (${full} missing): run bash hack/${script} first (hack/test.sh does)`);
    }
  }
  return result;
}

/**
 * The command line of the compiled program, as the image runs it (`node dist/cli/main.js`): the e2e tier tests the
 * build, so an import path or a file the build leaves out fails here. hack/e2e.sh builds dist/ from scratch first.
 */
export function compiledCli(): string[] {
  const entry = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build (hack/e2e.sh does it first)`);
  return [entry];
}

/** The admin's connection, for the project's own REST client (KubeRest). */
export async function kubeConnection(): Promise<KubeConnection> {
  return kubeconfigConnection((await e2eEnvironment()).kubeconfigPath);
}

/** The seed's install order (its section 3): the CRD, then the namespace, RBAC, the ServiceAccount, the manager. */
export const SEED_DEPLOY_ORDER = [
  'starrocks.com_computenodegroups.yaml',
  'namespace.yaml',
  'leader_election_role.yaml',
  'role.yaml',
  'role_binding.yaml',
  'leader_election_role_binding.yaml',
  'service_account.yaml',
  'manager.yaml',
] as const;

/** The repository's generated CRD manifest. */
export const CRD_PATH = path.join(REPO_ROOT, 'deploy', 'starrocks.com_computenodegroups.yaml');
export const CRD_NAME = 'computenodegroups.starrocks.com';

/**
 * Installs (or updates) the project's CRD with a server-side apply and waits until it is Established. Several test
 * files share the cluster, so the CRD is never deleted by a test.
 */
export async function installCrd(): Promise<void> {
  const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=e2e', '-f', CRD_PATH]);
  if (applied.code !== 0) throw new Error(`the CRD ${CRD_PATH} was not accepted: ${applied.stderr.trim()}`);
  await waitFor(
    async () => {
      const result = await kubectl([
        'get',
        'crd',
        CRD_NAME,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ]);
      return result.code === 0 && result.stdout.trim() === 'True';
    },
    { description: `CRD ${CRD_NAME} Established`, timeoutMs: 30_000 },
  );
}
