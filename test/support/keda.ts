// KEDA for the end-to-end tests: its operator and its metrics API server, built from KEDA's Go module by
// hack/build-keda.sh (hack/test.sh runs it), with the CRDs from the same module. Both run on loopback and are stopped
// by their pids. The metrics server is registered as external.metrics.k8s.io/v1beta1 behind an ExternalName Service to
// loopback, as the aggregator needs; it asks the operator over gRPC with mutual TLS, from certificates this file makes
// with openssl (one CA; one certificate for 127.0.0.1 and the Service's name, for serving and as a client). Both get
// the admin kubeconfig, which KEDA's own RBAC would grant in a cluster; cert rotation and the patching of webhooks and
// the APIService (a cluster install's jobs) are off.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { e2eEnvironment, kubectl } from '@starrocks-cn-operator/testbed/control-plane';
import { freePorts, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { builtByScript } from './e2e.js';
import {
  registerLoopbackApi,
  stopProcess,
  unregisterLoopbackApi,
  waitForApiServiceAvailable,
  type LoopbackApi,
} from './loopback-api.js';
import { kubectlOrThrow } from './operator.js';

const run = promisify(execFile);

const SERVICE = { name: 'keda-metrics-apiserver', namespace: 'kube-system' } as const;
/** The external metrics API, served by KEDA's metrics API server. */
const KEDA_API: LoopbackApi = {
  apiService: 'v1beta1.external.metrics.k8s.io',
  group: 'external.metrics.k8s.io',
  version: 'v1beta1',
  service: SERVICE,
  versionPriority: 100,
};

/** One CA and one certificate (serverAuth, clientAuth) for 127.0.0.1 and the Service: ca.crt, tls.crt, tls.key. */
async function makeCertificates(dir: string): Promise<void> {
  const config = path.join(dir, 'openssl.cnf');
  await writeFile(
    config,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = keda-e2e',
      '[ca_ext]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      '[leaf_ext]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = serverAuth,clientAuth',
      `subjectAltName = IP:127.0.0.1,DNS:localhost,DNS:${SERVICE.name}.${SERVICE.namespace}.svc`,
      '',
    ].join('\n'),
  );
  const file = (name: string): string => path.join(dir, name);
  const openssl = (args: string[]): Promise<unknown> => run('openssl', args, { timeout: 30_000 });
  const ca = ['-keyout', file('ca.key'), '-out', file('ca.crt'), '-subj', '/CN=keda-e2e-ca'];
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-config',
    config,
    '-extensions',
    'ca_ext',
    ...ca,
  ]);
  const request = ['-keyout', file('tls.key'), '-out', file('tls.csr'), '-subj', '/CN=keda-e2e'];
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-config', config, ...request]);
  const signing = ['-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1'];
  await openssl([
    'x509',
    '-req',
    '-in',
    file('tls.csr'),
    ...signing,
    '-extfile',
    config,
    '-extensions',
    'leaf_ext',
    '-out',
    file('tls.crt'),
  ]);
}

export interface KedaOptions {
  /** The folder for the two processes' logs. */
  logDir: string;
}

export class RunningKeda {
  private constructor(
    private readonly children: readonly ChildProcess[],
    private readonly dir: string,
    private readonly crdFiles: readonly string[],
  ) {}

  static async start(options: KedaOptions): Promise<RunningKeda> {
    const folder = await builtByScript('build-keda.sh', 'KEDA', [
      'keda-operator',
      'keda-adapter',
      'crds/keda.sh_scaledobjects.yaml',
    ]);
    const crdDir = path.join(folder, 'crds');
    const crdFiles = (await readdir(crdDir)).filter((name) => name.endsWith('.yaml')).map((n) => path.join(crdDir, n));
    // Server-side: the CRDs are too large for the last-applied annotation of a client-side apply.
    await kubectlOrThrow(['apply', '--server-side', '--field-manager=e2e', ...crdFiles.flatMap((f) => ['-f', f])]);
    await waitFor(
      async () => {
        const established = await kubectl([
          'get',
          'crd',
          'scaledobjects.keda.sh',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Established")].status}',
        ]);
        return established.stdout.trim() === 'True';
      },
      { description: "KEDA's ScaledObject CRD established", timeoutMs: 60_000 },
    );

    const dir = await mkdtemp(path.join(os.tmpdir(), 'keda-e2e-'));
    const kubeconfig = (await e2eEnvironment()).kubeconfigPath;
    const environment = {
      PATH: process.env['PATH'],
      KUBECONFIG: kubeconfig,
      POD_NAMESPACE: SERVICE.namespace,
      // Where KEDA keeps its cluster-wide objects; in a pod it reads its service account's namespace file.
      KEDA_CLUSTER_OBJECT_NAMESPACE: SERVICE.namespace,
    };
    const started: ChildProcess[] = [];
    const keda = new RunningKeda(started, dir, crdFiles);
    const spawnLogged = (binary: string, args: string[], log: string): ChildProcess => {
      const out = createWriteStream(path.join(options.logDir, log), { flags: 'a' });
      const child = spawn(path.join(folder, binary), args, {
        env: { ...environment, WATCH_NAMESPACE: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.pipe(out, { end: false });
      child.stderr.pipe(out, { end: false });
      child.once('exit', () => setTimeout(() => out.end(), 100));
      // A binary that cannot start: the wait for the APIService reports the exit (with the log).
      child.once('error', (error) => {
        out.write(`spawn failed: ${error.message}\n`);
      });
      started.push(child);
      return child;
    };
    try {
      await makeCertificates(dir);
      const [grpcPort, securePort, operatorProbes, adapterMetrics] = await freePorts(4);
      if (
        grpcPort === undefined ||
        securePort === undefined ||
        operatorProbes === undefined ||
        adapterMetrics === undefined
      ) {
        throw new Error('no free ports for KEDA');
      }
      spawnLogged(
        'keda-operator',
        [
          '--leader-elect=false',
          '--metrics-bind-address=0',
          `--health-probe-bind-address=127.0.0.1:${operatorProbes}`,
          `--metrics-service-bind-address=127.0.0.1:${grpcPort}`,
          `--cert-dir=${dir}`,
          `--ca-dir=${dir}`,
          '--enable-cert-rotation=false',
          '--enable-webhook-patching=false',
          '--enable-apiservice-patching=false',
          '--zap-log-level=info',
        ],
        'keda-operator.log',
      );
      spawnLogged(
        'keda-adapter',
        [
          '--bind-address=127.0.0.1',
          `--secure-port=${securePort}`,
          `--tls-cert-file=${path.join(dir, 'tls.crt')}`,
          `--tls-private-key-file=${path.join(dir, 'tls.key')}`,
          `--cert-dir=${dir}`,
          `--metrics-service-address=127.0.0.1:${grpcPort}`,
          `--port=${adapterMetrics}`,
          `--lister-kubeconfig=${kubeconfig}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
        ],
        'keda-adapter.log',
      );
      await registerLoopbackApi(KEDA_API, securePort, await readFile(path.join(dir, 'ca.crt'), 'utf8'));
      await waitForApiServiceAvailable(KEDA_API.apiService, {
        timeoutMs: 90_000,
        failure: () =>
          started.some((child) => child.exitCode !== null || child.signalCode !== null)
            ? `a KEDA process exited; see keda-*.log in ${options.logDir}`
            : undefined,
      });
    } catch (error) {
      await keda.stop();
      throw error;
    }
    return keda;
  }

  /**
   * Removes every ScaledObject while the operator still runs (it holds a finalizer on each), then the APIService (a
   * backend gone behind it leaves discovery partial), stops both processes, and removes the CRDs.
   */
  async stop(): Promise<void> {
    const deleted = await kubectl(['delete', 'scaledobjects.keda.sh', '--all', '-A', '--wait=true', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    if (deleted.code !== 0) await this.releaseScaledObjects(deleted.stderr);
    await unregisterLoopbackApi(KEDA_API);
    for (const child of this.children) await stopProcess(child);
    await kubectl(['delete', '--ignore-not-found', '--wait=false', ...this.crdFiles.flatMap((f) => ['-f', f])]);
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * The ScaledObjects left after a failed delete (KEDA's operator gone, its finalizer never removed): their finalizers
   * are cleared, so neither they nor the test's namespace stay Terminating.
   */
  private async releaseScaledObjects(why: string): Promise<void> {
    process.stderr.write(`KEDA: deleting the ScaledObjects failed (${why.trim()}); clearing their finalizers\n`);
    const listed = await kubectl([
      'get',
      'scaledobjects.keda.sh',
      '-A',
      '-o',
      'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
    ]);
    for (const entry of listed.stdout.split('\n').filter(Boolean)) {
      const [namespace = '', name = ''] = entry.split('/');
      await kubectl([
        'patch',
        'scaledobjects.keda.sh',
        name,
        '-n',
        namespace,
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ]);
    }
  }
}
