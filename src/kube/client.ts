// Connection to the API server: the kubeconfig (in-cluster service account, or KUBECONFIG / ~/.kube/config), the raw
// REST client the runtime uses, and typed client-node APIs for the reconciler, all counted in
// rest_client_requests_total{code,method,host}.
import {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  PolicyV1Api,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type HttpLibrary,
  type RequestContext,
  type ResponseContext,
  IsomorphicFetchHttpLibrary,
} from '@kubernetes/client-node';
import type { OperatorMetrics } from '../runtime/metrics.js';
import { KubeRest } from './rest.js';

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

/** The typed client-node APIs, each counting its requests. */
export interface TypedApis {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  autoscaling: AutoscalingV2Api;
  policy: PolicyV1Api;
  rbac: RbacAuthorizationV1Api;
  coordination: CoordinationV1Api;
  events: EventsV1Api;
  customObjects: CustomObjectsApi;
}

export interface KubeClients {
  config: KubeConfig;
  /** Plain-JSON REST client: informers, apply, status, events, lease. */
  rest: KubeRest;
  /** Generated APIs (class instances with Date fields: convert before comparing with cached JSON). */
  apis: TypedApis;
}

export function createKubeClients(config: KubeConfig, metrics?: OperatorMetrics): KubeClients {
  const rest = new KubeRest(config, { metrics });
  return { config, rest, apis: createTypedApis(config, rest.host, metrics) };
}

type ApiClass<T> = new (configuration: ReturnType<typeof createConfiguration>) => T;

export function createTypedApis(config: KubeConfig, host: string, metrics?: OperatorMetrics): TypedApis {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: config },
    httpApi: countingHttpLibrary(new IsomorphicFetchHttpLibrary(), host, metrics),
  });
  const make = <T>(api: ApiClass<T>): T => new api(configuration);
  return {
    core: make(CoreV1Api),
    apps: make(AppsV1Api),
    batch: make(BatchV1Api),
    autoscaling: make(AutoscalingV2Api),
    policy: make(PolicyV1Api),
    rbac: make(RbacAuthorizationV1Api),
    coordination: make(CoordinationV1Api),
    events: make(EventsV1Api),
    customObjects: make(CustomObjectsApi),
  };
}

/** Wraps the generated clients' HTTP library so each request is counted with its status code. */
function countingHttpLibrary(inner: HttpLibrary, host: string, metrics?: OperatorMetrics): HttpLibrary {
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const method = request.getHttpMethod().toString();
      try {
        const response = await inner.send(request).toPromise();
        metrics?.countRestRequest(response.httpStatusCode, method, host);
        return response;
      } catch (error: unknown) {
        metrics?.countRestRequest('<error>', method, host);
        throw error;
      }
    },
  });
}
