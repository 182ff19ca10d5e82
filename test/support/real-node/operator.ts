// Installs the operator as the seed's guide does (deploy/ applied file by file, in its order), with the test image,
// and waits until its pod is Running and Ready. Idempotent: every real-node test that needs the operator calls it.
import { after, before } from 'node:test';
import { kubectl } from '@starrocks-cn-operator/testbed/control-plane';
import type { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import {
  deployFile,
  OPERATOR_IMAGE,
  SEED_DEPLOY_ORDER,
  startBridgeFe,
  waitForReadyPods,
  type PodSummary,
} from './fixtures.js';

export const OPERATOR_NAMESPACE = 'starrocks';
export const OPERATOR_SELECTOR = 'control-plane=controller-manager';

export async function installOperator(timeoutMs = 180_000): Promise<PodSummary> {
  for (const name of SEED_DEPLOY_ORDER) {
    const result = await kubectl(['apply', '-f', '-'], { input: await deployFile(name, OPERATOR_IMAGE) });
    if (result.code !== 0) throw new Error(`kubectl apply -f ${name} failed: ${result.stderr.trim()}`);
    if (name.startsWith('starrocks.com_')) {
      await kubectl(['wait', '--for=condition=Established', 'crd/computenodegroups.starrocks.com', '--timeout=30s']);
    }
  }
  const [pod] = await waitForReadyPods(OPERATOR_NAMESPACE, OPERATOR_SELECTOR, 1, timeoutMs);
  if (pod === undefined) throw new Error('no operator pod');
  return pod;
}

/** The Lease holder of the operator's leader election (the pod name, with the seed's --leader-elect). */
export async function leaseHolder(): Promise<string> {
  return waitFor(
    async () => {
      const result = await kubectl([
        'get',
        'lease',
        '-n',
        OPERATOR_NAMESPACE,
        '-o',
        'jsonpath={.items[*].spec.holderIdentity}',
      ]);
      return result.code === 0 && result.stdout.trim() !== '' ? result.stdout.trim() : undefined;
    },
    { description: 'a leader Lease in starrocks', timeoutMs: 60_000, intervalMs: 500 },
  );
}

/**
 * For a describe block: the operator installed as the seed does (idempotent, shared by the files) and an FE
 * simulator on the bridge for this block, stopped after it. Call the returned function inside a test for the FE.
 */
export function useOperatorAndBridgeFe(): () => FeSimulator {
  let fe: FeSimulator | undefined;
  before(async () => {
    await installOperator();
    fe = await startBridgeFe();
  });
  after(async () => {
    await fe?.stop();
  });
  return () => {
    if (fe === undefined) throw new Error('the FE simulator is not started yet (use it inside a test)');
    return fe;
  };
}
