// Where the API server is and how to authenticate to it: the in-cluster service account, or a kubeconfig file
// (KUBECONFIG or ~/.kube/config), read by the project's own small code so that no program loads a general client
// library (@kubernetes/client-node weighed more than the rest of the manager: docs/benchmarks.md, "Where the bytes
// went") to learn an address, a CA and a token.
//
// Supported, as kubectl understands them: server, certificate-authority(-data), insecure-skip-tls-verify,
// tls-server-name; token, tokenFile, client-certificate(-data) and client-key(-data), username/password, and exec
// credential plugins (client.authentication.k8s.io v1 and v1beta1, tokens). Legacy auth-provider entries and proxies
// are refused with a message saying so. The first file of a KUBECONFIG list is read; files are not merged.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { isRecord } from '../util/guards.js';

export interface KubeTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** false only with insecure-skip-tls-verify. */
  rejectUnauthorized: boolean;
  servername?: string;
}

/** How to reach and authenticate to one API server. */
export interface KubeConnection {
  server: URL;
  tls: KubeTls;
  /** The Authorization header of the next request (re-read or refreshed as tokens rotate); undefined for none. */
  authorization(): Promise<string | undefined>;
  /** For messages: where the connection came from. */
  source: string;
}

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Bound service account tokens rotate; re-read the file at least this often (client-go re-reads every minute). */
const TOKEN_FILE_MAX_AGE_MS = 60_000;
const EXEC_TIMEOUT_MS = 30_000;

/**
 * In controller-runtime's order: $KUBECONFIG (its first file), else the pod's service account when
 * KUBERNETES_SERVICE_HOST is set, else ~/.kube/config. Throws KubeconfigError saying what to do when none is usable.
 */
export async function loadKubeConnection(
  env: NodeJS.ProcessEnv = process.env,
  serviceAccountDir = SERVICE_ACCOUNT_DIR,
): Promise<KubeConnection> {
  const fromEnv = (env['KUBECONFIG'] ?? '').split(path.delimiter).find((file) => file !== '');
  if (fromEnv !== undefined) return kubeconfigConnection(fromEnv, env);
  if ((env['KUBERNETES_SERVICE_HOST'] ?? '') !== '') return inClusterConnection(env, serviceAccountDir);
  const home = path.join(env['HOME'] ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return kubeconfigConnection(home, env);
  throw new KubeconfigError(
    'no Kubernetes cluster configured: run in a pod with a service account, or set KUBECONFIG to a kubeconfig file',
  );
}

/** The service account of the pod: KUBERNETES_SERVICE_HOST/PORT, its CA, and its token file re-read as it rotates. */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): KubeConnection {
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  if (host === '') throw new KubeconfigError('KUBERNETES_SERVICE_HOST is not set: not running in a pod');
  const tokenFile = path.join(dir, 'token');
  return {
    server: new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`),
    tls: { ca: readFileOrThrow(path.join(dir, 'ca.crt'), 'the service account CA'), rejectUnauthorized: true },
    authorization: bearerFromFile(tokenFile),
    source: `service account (${dir})`,
  };
}

/** A kubeconfig file's current context. Relative file paths in it are relative to the file, as kubectl reads them. */
export async function kubeconfigConnection(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KubeConnection> {
  const text = readFileOrThrow(file, 'the kubeconfig').toString('utf8');
  // `.default` is the package's module.exports both under Node and in the bundle, which gives a CommonJS package
  // loaded by `import()` no named exports (hack/bundle.ts).
  const { parse } = (await import('yaml')).default;
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new KubeconfigError(`${file} is not YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  return connectionFromKubeconfig(document, { file, env });
}

interface KubeconfigContext {
  /** The file it came from: relative paths are resolved against its folder, and messages name it. */
  file: string;
  env: NodeJS.ProcessEnv;
}

/** The current context of a parsed kubeconfig. */
export function connectionFromKubeconfig(document: unknown, context: KubeconfigContext): KubeConnection {
  const { file } = context;
  const fail = (what: string): never => {
    throw new KubeconfigError(`${file}: ${what}`);
  };
  if (!isRecord(document)) return fail('not a kubeconfig (no mapping at the top)');
  const current = document['current-context'];
  if (typeof current !== 'string' || current === '') return fail('no current-context');
  const named = (list: string, name: string, field: string): Record<string, unknown> => {
    const items: unknown = document[list];
    const item: unknown = Array.isArray(items)
      ? items.find((entry: unknown) => isRecord(entry) && entry['name'] === name)
      : undefined;
    const value = isRecord(item) ? item[field] : undefined;
    return isRecord(value) ? value : fail(`no ${field} named "${name}" in ${list}`);
  };
  const ctx = named('contexts', current, 'context');
  const cluster = named(
    'clusters',
    stringField(ctx, 'cluster') ?? fail(`context ${current} names no cluster`),
    'cluster',
  );
  const userName = stringField(ctx, 'user');
  const user = userName === undefined || userName === '' ? {} : named('users', userName, 'user');

  const serverText = stringField(cluster, 'server') ?? fail(`the cluster of context ${current} has no server`);
  let server: URL;
  try {
    server = new URL(serverText);
  } catch {
    return fail(`server "${serverText}" is not a URL`);
  }
  if (cluster['proxy-url'] !== undefined) fail('proxy-url is not supported: reach the API server directly');
  if (user['auth-provider'] !== undefined) {
    fail('auth-provider is not supported: use an exec credential plugin (what kubectl uses today)');
  }
  const base = path.dirname(file);
  const tls: KubeTls = { rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true };
  const ca = material(cluster, 'certificate-authority', base);
  const cert = material(user, 'client-certificate', base);
  const key = material(user, 'client-key', base);
  const servername = stringField(cluster, 'tls-server-name');
  if (ca !== undefined) tls.ca = ca;
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;
  if (servername !== undefined) tls.servername = servername;
  return { server, tls, authorization: authorizationOf(user, base, context.env), source: `${file} (${current})` };
}

function authorizationOf(
  user: Record<string, unknown>,
  base: string,
  env: NodeJS.ProcessEnv,
): () => Promise<string | undefined> {
  const token = stringField(user, 'token');
  if (token !== undefined && token !== '') return () => Promise.resolve(`Bearer ${token}`);
  const tokenFile = stringField(user, 'tokenFile');
  if (tokenFile !== undefined && tokenFile !== '') return bearerFromFile(path.resolve(base, tokenFile));
  if (isRecord(user['exec'])) return execCredential(user['exec'], env);
  const username = stringField(user, 'username');
  if (username !== undefined) {
    const basic = Buffer.from(`${username}:${stringField(user, 'password') ?? ''}`).toString('base64');
    return () => Promise.resolve(`Basic ${basic}`);
  }
  return () => Promise.resolve(undefined);
}

/** A bearer token read from a file, re-read once it is older than a minute (rotated service account tokens). */
function bearerFromFile(file: string): () => Promise<string | undefined> {
  let cached: { token: string; readAt: number; mtimeMs: number } | undefined;
  return () => {
    const now = Date.now();
    if (cached === undefined || now - cached.readAt > TOKEN_FILE_MAX_AGE_MS) {
      const mtimeMs = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (cached === undefined || mtimeMs !== cached.mtimeMs) {
        cached = { token: readFileOrThrow(file, 'the token file').toString('utf8').trim(), readAt: now, mtimeMs };
      } else {
        cached.readAt = now;
      }
    }
    return Promise.resolve(`Bearer ${cached.token}`);
  };
}

/**
 * An exec credential plugin (e.g. aws eks get-token, gke-gcloud-auth-plugin): runs it, reads the ExecCredential it
 * prints, and keeps the token until its expirationTimestamp (a minute early) or, without one, for the process' life.
 */
function execCredential(exec: Record<string, unknown>, env: NodeJS.ProcessEnv): () => Promise<string | undefined> {
  const command = stringField(exec, 'command');
  if (command === undefined || command === '') throw new KubeconfigError('the exec credential plugin has no command');
  const args = Array.isArray(exec['args']) ? exec['args'].filter((arg): arg is string => typeof arg === 'string') : [];
  const apiVersion = stringField(exec, 'apiVersion') ?? 'client.authentication.k8s.io/v1';
  const extraEnv = Array.isArray(exec['env'])
    ? Object.fromEntries(
        exec['env'].flatMap((entry) =>
          isRecord(entry) && typeof entry['name'] === 'string' && typeof entry['value'] === 'string'
            ? [[entry['name'], entry['value']]]
            : [],
        ),
      )
    : {};
  let cached: { token: string; expiresAt: number } | undefined;
  return async () => {
    if (cached !== undefined && Date.now() < cached.expiresAt) return `Bearer ${cached.token}`;
    const execInfo = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: { interactive: false } });
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        command,
        args,
        { env: { ...env, ...extraEnv, KUBERNETES_EXEC_INFO: execInfo }, timeout: EXEC_TIMEOUT_MS },
        (error, out, err) => {
          if (error)
            reject(new KubeconfigError(`exec credential plugin ${command} failed: ${err.trim() || error.message}`));
          else resolve(out);
        },
      );
    });
    const status = parseExecCredential(stdout, command);
    const expires = status.expirationTimestamp === undefined ? Infinity : Date.parse(status.expirationTimestamp);
    cached = { token: status.token, expiresAt: Number.isNaN(expires) ? 0 : expires - 60_000 };
    return `Bearer ${status.token}`;
  };
}

function parseExecCredential(stdout: string, command: string): { token: string; expirationTimestamp?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new KubeconfigError(`exec credential plugin ${command} did not print an ExecCredential (JSON)`);
  }
  const status = isRecord(parsed) ? parsed['status'] : undefined;
  const token = isRecord(status) ? status['token'] : undefined;
  if (typeof token !== 'string' || token === '') {
    throw new KubeconfigError(
      `exec credential plugin ${command} gave no token (client certificates from plugins are not supported)`,
    );
  }
  const expiration = isRecord(status) ? status['expirationTimestamp'] : undefined;
  return typeof expiration === 'string' ? { token, expirationTimestamp: expiration } : { token };
}

/** `<name>-data` (base64) or `<name>` (a file, relative to the kubeconfig's folder). */
function material(section: Record<string, unknown>, name: string, base: string): Buffer | undefined {
  const data = stringField(section, `${name}-data`);
  if (data !== undefined && data !== '') return Buffer.from(data, 'base64');
  const file = stringField(section, name);
  if (file === undefined || file === '') return undefined;
  return readFileOrThrow(path.resolve(base, file), name);
}

function stringField(section: Record<string, unknown>, name: string): string | undefined {
  const value = section[name];
  return typeof value === 'string' ? value : undefined;
}

function readFileOrThrow(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KubeconfigError(`cannot read ${what} ${file}: ${reason}`);
  }
}
