// prometheus-adapter for the end-to-end tests: built from its Go module by hack/build-prometheus-adapter.sh (hack/test.sh
// runs it), started on a loopback port with the rules the test gives, registered as the custom metrics API
// (custom.metrics.k8s.io/v1beta2) behind an ExternalName Service to loopback as the aggregator needs, stopped by its
// pid. It authenticates and authorizes its callers through the API server, as it does in a cluster; the test gives it
// the admin kubeconfig for that and for its discovery, which the adapter's own RBAC would grant in a cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import {
  CUSTOM_METRICS_SERVICE,
  e2eEnvironment,
  kubectl,
  pkiFiles,
} from '@starrocks-cn-operator/testbed/control-plane';
import { freePort, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { CUSTOM_METRICS_API_SERVICE } from './custom-metrics.js';
import { builtByScript } from './e2e.js';
import { kubectlOrThrow } from './operator.js';

export function adapterBinary(): Promise<string> {
  return builtByScript('build-prometheus-adapter.sh', 'prometheus-adapter');
}

export interface AdapterOptions {
  prometheusUrl: string;
  /** The adapter's `rules` (its --config file's list of custom metric rules). */
  rules: readonly unknown[];
  /** Where the adapter's own log goes. */
  logPath: string;
}

export class RunningAdapter {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(options: AdapterOptions): Promise<RunningAdapter> {
    const binary = await adapterBinary();
    const environment = await e2eEnvironment();
    const pki = pkiFiles(environment.layout.pkiDir);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'prometheus-adapter-e2e-'));
    const configPath = path.join(dir, 'config.yaml');
    await writeFile(configPath, stringify({ rules: options.rules }));
    const port = await freePort();
    const kubeconfig = environment.kubeconfigPath;
    const log = createWriteStream(options.logPath, { flags: 'a' });
    const child = spawn(
      binary,
      [
        `--prometheus-url=${options.prometheusUrl}`,
        `--config=${configPath}`,
        '--metrics-relist-interval=2s',
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        // The run's serving certificate names the Service the APIService points at (CUSTOM_METRICS_SERVICE).
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--lister-kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        `--cert-dir=${dir}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('exit', () => setTimeout(() => log.end(), 100));
    const adapter = new RunningAdapter(child, dir, port);
    try {
      await adapter.register(await readFile(pki.caCert, 'utf8'));
      await waitForAvailable(child, options.logPath);
    } catch (error) {
      await adapter.stop();
      throw error;
    }
    return adapter;
  }

  /** The ExternalName Service to loopback and the APIService of custom.metrics.k8s.io/v1beta2, to this adapter. */
  private async register(caPem: string): Promise<void> {
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { ...CUSTOM_METRICS_SERVICE },
      spec: { type: 'ExternalName', externalName: '127.0.0.1' },
    };
    const apiService = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: CUSTOM_METRICS_API_SERVICE },
      spec: {
        service: { ...CUSTOM_METRICS_SERVICE, port: this.port },
        group: 'custom.metrics.k8s.io',
        version: 'v1beta2',
        caBundle: Buffer.from(caPem).toString('base64'),
        groupPriorityMinimum: 100,
        versionPriority: 200,
      },
    };
    await kubectlOrThrow(['apply', '-f', '-'], JSON.stringify(service));
    await kubectlOrThrow(['apply', '-f', '-'], JSON.stringify(apiService));
  }

  /** Removes the APIService first (a backend gone behind it leaves discovery partial), then stops the process. */
  async stop(): Promise<void> {
    await kubectl(['delete', 'apiservice', CUSTOM_METRICS_API_SERVICE, '--ignore-not-found']);
    await kubectl(['delete', 'service', CUSTOM_METRICS_SERVICE.name, '-n', CUSTOM_METRICS_SERVICE.namespace]);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(10_000, false, { ref: false })]);
      if (!stopped) this.child.kill('SIGKILL');
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Bounded: the aggregator reports the APIService Available once the adapter answers; an exit fails at once. */
async function waitForAvailable(child: ChildProcess, logPath: string): Promise<void> {
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`prometheus-adapter exited (${child.exitCode ?? child.signalCode}); see ${logPath}`);
      }
      const result = await kubectl([
        'get',
        'apiservice',
        CUSTOM_METRICS_API_SERVICE,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Available")].status}',
      ]);
      return result.code === 0 && result.stdout.trim() === 'True';
    },
    { description: `APIService ${CUSTOM_METRICS_API_SERVICE} Available (prometheus-adapter)`, timeoutMs: 90_000 },
  );
}
