// The project's own kubeconfig reading: the current context, file paths relative to the kubeconfig, inline data,
// tokens (inline, from a file, from an exec plugin), in-cluster credentials, and clear refusals.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import {
  inClusterConnection,
  kubeconfigConnection,
  loadKubeConnection,
  type KubeConnection,
} from '../../../src/kube/kubeconfig.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kubeconfig-test-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | object): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'b',
    contexts: [
      { name: 'a', context: { cluster: 'other', user: 'nobody' } },
      { name: 'b', context: { cluster: 'test', user: 'me' } },
    ],
    clusters: [
      { name: 'other', cluster: { server: 'https://10.9.9.9:6443' } },
      { name: 'test', cluster: { server: 'https://127.0.0.1:6443', ...cluster } },
    ],
    users: [{ name: 'me', user }],
  };
}

const load = (name: string, content: object): Promise<KubeConnection> => kubeconfigConnection(write(name, content), {});

describe('kubeconfigConnection', () => {
  it('reads the current context: server, CA and client certificate files relative to the kubeconfig', async () => {
    write('ca.crt', 'CA');
    write('client.crt', 'CERT');
    write('client.key', 'KEY');
    const connection = await load(
      'files.yaml',
      kubeconfig(
        { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
        { 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes' },
      ),
    );
    assert.equal(connection.server.href, 'https://127.0.0.1:6443/');
    assert.equal(connection.tls.ca?.toString(), 'CA');
    assert.equal(connection.tls.cert?.toString(), 'CERT');
    assert.equal(connection.tls.key?.toString(), 'KEY');
    assert.equal(connection.tls.servername, 'kubernetes');
    assert.equal(connection.tls.rejectUnauthorized, true);
    assert.equal(await connection.authorization(), undefined);
  });

  it('reads inline data, an inline token, insecure-skip-tls-verify and basic auth', async () => {
    const data = await load(
      'data.yaml',
      kubeconfig(
        { token: 'abc' },
        { 'certificate-authority-data': Buffer.from('CA').toString('base64'), 'insecure-skip-tls-verify': true },
      ),
    );
    assert.equal(data.tls.ca?.toString(), 'CA');
    assert.equal(data.tls.rejectUnauthorized, false);
    assert.equal(await data.authorization(), 'Bearer abc');
    const basic = await load('basic.yaml', kubeconfig({ username: 'u', password: 'p' }));
    assert.equal(await basic.authorization(), `Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('reads a token file', async () => {
    write('token', 'from-file\n');
    const connection = await load('token-file.yaml', kubeconfig({ tokenFile: 'token' }));
    assert.equal(await connection.authorization(), 'Bearer from-file');
  });

  it('runs an exec credential plugin once and keeps its token until it expires', async () => {
    const counter = path.join(dir, 'exec-count');
    writeFileSync(counter, '');
    const plugin = write(
      'plugin.sh',
      `#!/bin/sh\necho x >> ${counter}\n` +
        `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",` +
        `"status":{"token":"'"$TOKEN_PREFIX"'-exec","expirationTimestamp":"2999-01-01T00:00:00Z"}}'\n`,
    );
    chmodSync(plugin, 0o755);
    const connection = await load(
      'exec.yaml',
      kubeconfig({
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: plugin,
          env: [{ name: 'TOKEN_PREFIX', value: 't' }],
        },
      }),
    );
    assert.equal(await connection.authorization(), 'Bearer t-exec');
    assert.equal(await connection.authorization(), 'Bearer t-exec');
    const { readFileSync } = await import('node:fs');
    assert.equal(readFileSync(counter, 'utf8').trim().split('\n').length, 1);
  });

  it('says what is wrong with a kubeconfig it cannot use', async () => {
    await assert.rejects(
      load('no-context.yaml', { ...kubeconfig({}), 'current-context': 'zz' }),
      /no context named "zz"/,
    );
    await assert.rejects(
      load('auth-provider.yaml', kubeconfig({ 'auth-provider': { name: 'gcp' } })),
      /auth-provider is not supported: use an exec credential plugin/,
    );
    await assert.rejects(
      load('missing-ca.yaml', kubeconfig({}, { 'certificate-authority': 'nope.crt' })),
      /cannot read/,
    );
    await assert.rejects(kubeconfigConnection(write('garbage.yaml', ': : :'), {}), /not YAML|not a kubeconfig/);
    const failing = write('fail.sh', '#!/bin/sh\necho denied >&2\nexit 3\n');
    chmodSync(failing, 0o755);
    const connection = await load('exec-fail.yaml', kubeconfig({ exec: { command: failing } }));
    await assert.rejects(connection.authorization(), /exec credential plugin .* failed: denied/);
  });
});

describe('inClusterConnection and loadKubeConnection', () => {
  it('uses the service account token, CA and KUBERNETES_SERVICE_HOST (IPv6 bracketed)', async () => {
    const sa = path.join(dir, 'sa');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sa);
    writeFileSync(path.join(sa, 'token'), 'sa-token');
    writeFileSync(path.join(sa, 'ca.crt'), 'SA-CA');
    const connection = inClusterConnection({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, sa);
    assert.equal(connection.server.host, '[fd00::1]');
    assert.equal(connection.tls.ca?.toString(), 'SA-CA');
    assert.equal(await connection.authorization(), 'Bearer sa-token');
  });

  it('prefers KUBECONFIG, and says what to do when nothing is configured', async () => {
    const file = write('env.yaml', kubeconfig({ token: 'env' }));
    const fromEnv = await loadKubeConnection({ KUBECONFIG: `${file}${path.delimiter}/nope`, HOME: dir });
    assert.equal(await fromEnv.authorization(), 'Bearer env');
    await assert.rejects(
      loadKubeConnection({ HOME: path.join(dir, 'empty-home') }),
      /no Kubernetes cluster configured/,
    );
  });
});
