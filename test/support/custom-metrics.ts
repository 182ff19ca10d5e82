// The operator's custom metrics API on the test control plane, as an installer would set it up: the RBAC of
// deploy/custom-metrics for the operator's ServiceAccount, the Service the APIService points at (an ExternalName to
// loopback: no kube-proxy here), and the serving certificate from the run's PKI (it names that Service). Used by the
// end-to-end test and the autoscaling benchmark; what it creates, cleanup() removes.
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CUSTOM_METRICS_SERVICE,
  e2eEnvironment,
  kubectl,
  pkiFiles,
} from '@starrocks-cn-operator/testbed/control-plane';
import { freePort, REPO_ROOT } from '@starrocks-cn-operator/testbed/helpers';
import { waitForApiServiceAvailable } from './loopback-api.js';
import { kubectlOrThrow } from './operator.js';

export const CUSTOM_METRICS_API_SERVICE = 'v1beta2.custom.metrics.k8s.io';

export interface CustomMetricsSetup {
  /** The manager flags that serve the API on `port`. */
  readonly args: readonly string[];
  readonly port: number;
  /** Deletes the APIService, the Service, the RBAC and the certificate directory. */
  cleanup(): Promise<void>;
}

/** deploy/custom-metrics/rbac.yaml for the ServiceAccount in `namespace` (instead of `starrocks`). */
export async function customMetricsRbac(namespace: string): Promise<string> {
  const text = await readFile(path.join(REPO_ROOT, 'deploy/custom-metrics/rbac.yaml'), 'utf8');
  return text.replace(/namespace: starrocks\b/g, `namespace: ${namespace}`);
}

/** `operatorNamespace`: where the operator's ServiceAccount lives (createOperatorIdentity). */
export async function setUpCustomMetrics(operatorNamespace: string): Promise<CustomMetricsSetup> {
  const rbac = await customMetricsRbac(operatorNamespace);
  await kubectlOrThrow(['apply', '-f', '-'], rbac);
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...CUSTOM_METRICS_SERVICE },
    spec: { type: 'ExternalName', externalName: '127.0.0.1' },
  };
  await kubectlOrThrow(['apply', '-f', '-'], JSON.stringify(service));
  const pki = pkiFiles((await e2eEnvironment()).layout.pkiDir);
  const certDir = await mkdtemp(path.join(tmpdir(), 'cn-custom-metrics-'));
  await copyFile(pki.servingCert, path.join(certDir, 'tls.crt'));
  await copyFile(pki.servingKey, path.join(certDir, 'tls.key'));
  await copyFile(pki.caCert, path.join(certDir, 'ca.crt'));
  const port = await freePort();
  return {
    port,
    args: [
      `--custom-metrics-bind-address=127.0.0.1:${port}`,
      `--custom-metrics-cert-dir=${certDir}`,
      `--custom-metrics-service=${CUSTOM_METRICS_SERVICE.namespace}/${CUSTOM_METRICS_SERVICE.name}:${port}`,
    ],
    async cleanup() {
      // An APIService without its backend leaves discovery partial (namespaces then never finish deleting).
      await kubectl(['delete', 'apiservice', CUSTOM_METRICS_API_SERVICE, '--ignore-not-found']);
      await kubectl([
        'delete',
        'service',
        CUSTOM_METRICS_SERVICE.name,
        '-n',
        CUSTOM_METRICS_SERVICE.namespace,
        '--ignore-not-found',
      ]);
      await kubectl(['delete', '-f', '-', '--ignore-not-found'], { input: rbac });
      await rm(certDir, { recursive: true, force: true });
    },
  };
}

/** Waits (bounded) until the aggregator reports the operator's APIService Available. */
export async function waitForCustomMetricsApi(timeoutMs = 60_000): Promise<void> {
  await waitForApiServiceAvailable(CUSTOM_METRICS_API_SERVICE, { timeoutMs });
}
