// The one REST client every program uses (the manager, `offline`, `cngctl status`), connected as kubeconfig.ts says
// (in-cluster service account, or KUBECONFIG / ~/.kube/config), counting its requests in
// rest_client_requests_total{code,method,host} when given the metrics.
import { loadKubeConnection } from './kubeconfig.js';
import { KubeRest, type KubeRestOptions } from './rest.js';

/** The REST client for the default connection; throws KubeconfigError saying what to do when there is none. */
export async function connectKube(options: KubeRestOptions = {}): Promise<KubeRest> {
  return new KubeRest(await loadKubeConnection(), options);
}
