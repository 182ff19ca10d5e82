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
import { stringify } from 'yaml';
import { CUSTOM_METRICS_SERVICE, e2eEnvironment, pkiFiles } from '@starrocks-cn-operator/testbed/control-plane';
import { freePort } from '@starrocks-cn-operator/testbed/helpers';
import { CUSTOM_METRICS_API_SERVICE } from './custom-metrics.js';
import { builtByScript } from './e2e.js';
import {
  registerLoopbackApi,
  stopProcess,
  unregisterLoopbackApi,
  waitForApiServiceAvailable,
  type LoopbackApi,
} from './loopback-api.js';

/** The custom metrics API, served by the adapter (the run's serving certificate names this Service). */
const ADAPTER_API: LoopbackApi = {
  apiService: CUSTOM_METRICS_API_SERVICE,
  group: 'custom.metrics.k8s.io',
  version: 'v1beta2',
  service: CUSTOM_METRICS_SERVICE,
  versionPriority: 200,
};

function exitedOf(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

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
      await registerLoopbackApi(ADAPTER_API, port, await readFile(pki.caCert, 'utf8'));
      await waitForApiServiceAvailable(ADAPTER_API.apiService, {
        timeoutMs: 90_000,
        failure: () => (exitedOf(child) ? `prometheus-adapter exited; see ${options.logPath}` : undefined),
      });
    } catch (error) {
      await adapter.stop();
      throw error;
    }
    return adapter;
  }

  /** Removes the APIService first (a backend gone behind it leaves discovery partial), then stops the process. */
  async stop(): Promise<void> {
    await unregisterLoopbackApi(ADAPTER_API);
    await stopProcess(this.child);
    await rm(this.dir, { recursive: true, force: true });
  }
}
