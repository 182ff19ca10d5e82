// The control plane's PKI, generated with the openssl command for each run: one CA, a serving certificate for the
// API server, one loopback serving certificate for kwok and the metrics API, the service-account signing key, and
// one random bearer token per identity. Planning the openssl calls is pure; running them is the only I/O.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { IDENTITIES, USER_NAMES, type Identity } from './layout.js';

const run = promisify(execFile);

/** The service the metrics API's APIService points at; the aggregator checks this name in the serving certificate. */
export const METRICS_SERVICE = { name: 'metrics-api', namespace: 'kube-system' } as const;
/** The Service in front of the operator's custom metrics API in the end-to-end tests (an ExternalName to loopback). */
export const CUSTOM_METRICS_SERVICE = { name: 'cn-operator-custom-metrics', namespace: 'kube-system' } as const;
/** The aggregator's front-proxy client certificate's common name (--requestheader-allowed-names). */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

export interface PkiFiles {
  readonly caCert: string;
  readonly caKey: string;
  readonly apiServerCert: string;
  readonly apiServerKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  /** The API server's client certificate towards kubelets (logs, exec); in system:masters. */
  readonly kubeletClientCert: string;
  readonly kubeletClientKey: string;
  /** The aggregator's client certificate towards aggregated API servers (front proxy). */
  readonly proxyClientCert: string;
  readonly proxyClientKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  readonly tokenFile: string;
  readonly opensslConfig: string;
}

export function pkiFiles(pkiDir: string): PkiFiles {
  const file = (name: string): string => path.join(pkiDir, name);
  return {
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    apiServerCert: file('apiserver.crt'),
    apiServerKey: file('apiserver.key'),
    servingCert: file('serving.crt'),
    servingKey: file('serving.key'),
    kubeletClientCert: file('apiserver-kubelet-client.crt'),
    kubeletClientKey: file('apiserver-kubelet-client.key'),
    proxyClientCert: file('front-proxy-client.crt'),
    proxyClientKey: file('front-proxy-client.key'),
    serviceAccountKey: file('sa.key'),
    serviceAccountPub: file('sa.pub'),
    tokenFile: file('tokens.csv'),
    opensslConfig: file('openssl.cnf'),
  };
}

// Our own openssl config, so the result does not depend on the distribution's openssl.cnf defaults.
export function opensslConfig(): string {
  const apiServerNames = [
    'IP:127.0.0.1',
    'IP:10.0.0.1',
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ];
  const servingNames = [
    'IP:127.0.0.1',
    'DNS:localhost',
    `DNS:${METRICS_SERVICE.name}.${METRICS_SERVICE.namespace}.svc`,
    `DNS:${CUSTOM_METRICS_SERVICE.name}.${CUSTOM_METRICS_SERVICE.namespace}.svc`,
  ];
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    'CN = placeholder',
    '[ca_ext]',
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
    'subjectKeyIdentifier = hash',
    '[apiserver_ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${apiServerNames.join(',')}`,
    '[serving_ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${servingNames.join(',')}`,
    '[client_ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = clientAuth',
    '',
  ].join('\n');
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** The openssl invocations, in order (pure, so a test can check them without running openssl). */
export function opensslSteps(files: PkiFiles): string[][] {
  const cfg = ['-config', files.opensslConfig];
  const signed = (csr: string, cert: string, ext: string): string[] => [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    files.caCert,
    '-CAkey',
    files.caKey,
    '-CAcreateserial',
    '-CAserial',
    `${files.caCert}.srl`,
    '-days',
    '3650',
    '-sha256',
    '-extfile',
    files.opensslConfig,
    '-extensions',
    ext,
    '-out',
    cert,
  ];
  const apiServerCsr = `${files.apiServerCert}.csr`;
  const servingCsr = `${files.servingCert}.csr`;
  const kubeletClientCsr = `${files.kubeletClientCert}.csr`;
  const proxyClientCsr = `${files.proxyClientCert}.csr`;
  return [
    [
      'req',
      ...cfg,
      '-x509',
      ...EC_KEY,
      '-days',
      '3650',
      '-sha256',
      '-subj',
      '/CN=starrocks-cn-operator-test-ca',
      '-extensions',
      'ca_ext',
      '-keyout',
      files.caKey,
      '-out',
      files.caCert,
    ],
    ['req', ...cfg, ...EC_KEY, '-subj', '/CN=kube-apiserver', '-keyout', files.apiServerKey, '-out', apiServerCsr],
    signed(apiServerCsr, files.apiServerCert, 'apiserver_ext'),
    ['req', ...cfg, ...EC_KEY, '-subj', '/CN=loopback-serving', '-keyout', files.servingKey, '-out', servingCsr],
    signed(servingCsr, files.servingCert, 'serving_ext'),
    [
      'req',
      ...cfg,
      ...EC_KEY,
      '-subj',
      '/O=system:masters/CN=kube-apiserver-kubelet-client',
      '-keyout',
      files.kubeletClientKey,
      '-out',
      kubeletClientCsr,
    ],
    signed(kubeletClientCsr, files.kubeletClientCert, 'client_ext'),
    [
      'req',
      ...cfg,
      ...EC_KEY,
      '-subj',
      `/CN=${FRONT_PROXY_CLIENT}`,
      '-keyout',
      files.proxyClientKey,
      '-out',
      proxyClientCsr,
    ],
    signed(proxyClientCsr, files.proxyClientCert, 'client_ext'),
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', files.serviceAccountKey],
    ['pkey', '-in', files.serviceAccountKey, '-pubout', '-out', files.serviceAccountPub],
  ];
}

export type Tokens = Readonly<Record<Identity, string>>;

export function randomTokens(): Tokens {
  const token = (): string => randomBytes(24).toString('hex');
  return {
    admin: token(),
    operator: token(),
    'kube-controller-manager': token(),
    'kube-scheduler': token(),
    kwok: token(),
    'metrics-api': token(),
    kubelet: token(),
  };
}

/** kube-apiserver's static token file: token,user,uid,"groups". Every identity is in system:masters. */
export function tokenFileContent(tokens: Tokens): string {
  return IDENTITIES.map(
    (identity) => `${tokens[identity]},${USER_NAMES[identity]},${identity},"system:masters"\n`,
  ).join('');
}

/** Generates the PKI in `pkiDir` with openssl (each call bounded in time). */
export async function generatePki(pkiDir: string, tokens: Tokens, timeoutMs = 30_000): Promise<PkiFiles> {
  const files = pkiFiles(pkiDir);
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  await writeFile(files.opensslConfig, opensslConfig());
  for (const args of opensslSteps(files)) {
    try {
      await run('openssl', args, { timeout: timeoutMs });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(
        `openssl ${args[0] ?? ''} failed while generating the test PKI (is openssl installed?): ${detail}`,
        { cause: error },
      );
    }
  }
  await writeFile(files.tokenFile, tokenFileContent(tokens), { mode: 0o600 });
  await chmod(files.caKey, 0o600);
  return files;
}
