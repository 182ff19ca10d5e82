// Connection to the API server: the kubeconfig (in-cluster service account, or KUBECONFIG / ~/.kube/config) and the
// one REST client every program uses (the manager, `offline`, `cngctl status`), counting its requests in
// rest_client_requests_total{code,method,host} when given the metrics.
import { KubeConfig } from '@kubernetes/client-node';
import type { OperatorMetrics } from '../runtime/metrics.js';
import { KubeRest, type KubeRestOptions } from './rest.js';

/**
 * In a pod: the service account (KUBERNETES_SERVICE_HOST set). Otherwise: $KUBECONFIG or ~/.kube/config.
 * Throws with what to do when neither is usable.
 */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const config = new KubeConfig();
  const kubeconfigPath = env['KUBECONFIG'];
  if (kubeconfigPath !== undefined && kubeconfigPath !== '') config.loadFromFile(kubeconfigPath.split(':')[0] ?? '');
  else config.loadFromDefault();
  if (!config.getCurrentCluster()) {
    throw new Error(
      'no Kubernetes cluster configured: run in a pod with a service account, or set KUBECONFIG to a kubeconfig file',
    );
  }
  return config;
}

/** The REST client for the default configuration (loadKubeConfig). */
export function connectKube(options: KubeRestOptions & { metrics?: OperatorMetrics } = {}): KubeRest {
  return new KubeRest(loadKubeConfig(), options);
}
