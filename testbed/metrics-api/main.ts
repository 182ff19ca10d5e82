// The test metrics backend as a process, started by the control plane:
//   node --import tsx testbed/metrics-api/main.ts --kubeconfig=F --port=N --tls-cert-file=F --tls-private-key-file=F
// Listens on 127.0.0.1 only; stops on SIGTERM.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { createLogger } from '../../src/runtime/logging.js';
import type { PodView } from './metrics.js';
import { createMetricsServer, type PodSource } from './server.js';

const logger = createLogger({ name: 'metrics-api' });

function required(values: Record<string, string | undefined>, name: string): string {
  const value = values[name];
  if (value === undefined || value === '') throw new Error(`metrics-api: --${name} is required`);
  return value;
}

function podView(pod: V1Pod): PodView {
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    labels: pod.metadata?.labels ?? {},
    annotations: pod.metadata?.annotations ?? {},
    phase: pod.status?.phase ?? 'Unknown',
    containers: pod.spec?.containers.map((container) => container.name) ?? [],
  };
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 404;
}

function podSource(kubeconfigPath: string): PodSource {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const core = config.makeApiClient(CoreV1Api);
  return {
    async listPods(namespace, labelSelector) {
      const list =
        namespace === null
          ? await core.listPodForAllNamespaces({ labelSelector })
          : await core.listNamespacedPod({ namespace, labelSelector });
      return list.items.map(podView);
    },
    async getPod(namespace, name) {
      try {
        return podView(await core.readNamespacedPod({ namespace, name }));
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      port: { type: 'string' },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
    },
  });
  const port = Number(required(values, 'port'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`metrics-api: --port must be 1-65535`);
  const server = createMetricsServer({
    source: podSource(required(values, 'kubeconfig')),
    cert: await readFile(required(values, 'tls-cert-file'), 'utf8'),
    key: await readFile(required(values, 'tls-private-key-file'), 'utf8'),
    onError: (message) => {
      logger.warn({ error: message }, 'request failed');
    },
  });
  server.listen(port, '127.0.0.1', () => {
    logger.info({ port }, 'metrics.k8s.io backend listening on 127.0.0.1');
  });
  const stop = (): void => {
    logger.info('stopping');
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  logger.error({ error: error instanceof Error ? error.message : String(error) }, 'metrics-api failed to start');
  process.exit(1);
});
