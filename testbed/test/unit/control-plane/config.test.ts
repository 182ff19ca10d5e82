import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { renderKubeconfig } from '../../../control-plane/kubeconfig.js';
import { defaultBinDir, generatedEntries, IDENTITIES, runLayout } from '../../../control-plane/layout.js';
import { generatePki, randomTokens, tokenFileContent } from '../../../control-plane/pki.js';
import { AVOIDED_PORTS, checkPorts, pickPorts, PORT_NAMES } from '../../../control-plane/ports.js';
import { isLoopbackHost, waitUntil } from '../../../control-plane/probes.js';
import { VERSIONS } from '../../../versions.js';

const run = promisify(execFile);

describe('ports', () => {
  it('picks distinct free loopback ports, none of the reserved service ports', async () => {
    const ports = await pickPorts();
    assert.deepEqual(checkPorts(ports), []);
    assert.equal(new Set(Object.values(ports)).size, 7);
    for (const name of PORT_NAMES) assert.ok(!AVOIDED_PORTS.has(ports[name]));
  });
  it('reports duplicates and reserved ports by name', () => {
    const problems = checkPorts({
      etcdClient: 5432,
      etcdPeer: 20000,
      apiServer: 20000,
      controllerManager: 20001,
      scheduler: 20002,
      kwok: 20003,
      metricsApi: 20004,
    });
    assert.deepEqual(problems, [
      'etcdClient: 5432 is reserved for local services',
      'apiServer: 20000 is already used by etcdPeer',
    ]);
  });
});

describe('layout', () => {
  it('uses K8S_TEST_BIN, else the cache folder keyed by version like the build script', () => {
    assert.equal(defaultBinDir({ K8S_TEST_BIN: '/x/bin' }, '/home/u'), '/x/bin');
    const folder = `k8s-v${VERSIONS.KUBE_VERSION}`;
    assert.equal(defaultBinDir({}, '/home/u'), `/home/u/.cache/starrocks-cn-operator/${folder}`);
    assert.equal(defaultBinDir({ XDG_CACHE_HOME: '/c' }, '/home/u'), `/c/starrocks-cn-operator/${folder}`);
  });
  it('only ever removes entries inside the run folder', () => {
    for (const entry of generatedEntries(runLayout('/var/lib/cn-run')))
      assert.ok(entry.startsWith('/var/lib/cn-run/'), entry);
  });
});

describe('kubeconfig', () => {
  it('points at the API server with the CA file and the token', () => {
    const config = parse(
      renderKubeconfig({ server: 'https://127.0.0.1:6443', caFile: '/r/ca.crt', user: 'u', token: 't' }),
    ) as {
      clusters: { cluster: { server: string; 'certificate-authority': string } }[];
      users: { user: { token: string } }[];
      'current-context': string;
    };
    const [cluster] = config.clusters;
    assert.ok(cluster);
    assert.equal(cluster.cluster.server, 'https://127.0.0.1:6443');
    assert.equal(cluster.cluster['certificate-authority'], '/r/ca.crt');
    assert.equal(config.users[0]?.user.token, 't');
    assert.equal(config['current-context'], 'test');
  });
});

describe('probes', () => {
  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['10.0.0.1', '128.0.0.1', '127.0.0', 'example.com', '127.0.0.256'])
      assert.equal(isLoopbackHost(host), false, host);
  });
  it('gives up after the deadline with the last reason', async () => {
    await assert.rejects(
      waitUntil(() => Promise.resolve('still starting'), { description: 'thing', timeoutMs: 100, intervalMs: 20 }),
      /thing: not ready after 100 ms \(last: still starting\)/,
    );
  });
  it('stops at once when the abort check reports the process exited', async () => {
    let checks = 0;
    await assert.rejects(
      waitUntil(
        () => {
          checks++;
          return Promise.resolve('no');
        },
        {
          description: 'etcd',
          timeoutMs: 10_000,
          intervalMs: 10,
          abort: () => Promise.resolve(checks >= 2 ? 'etcd exited' : null),
        },
      ),
      /etcd: etcd exited/,
    );
    assert.equal(checks, 2);
  });
});

// Runs openssl (a prerequisite of the e2e tier): the certificates must verify against the CA with the right names.
describe('PKI', () => {
  it('signs the API server and loopback serving certificates with the run CA', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cp-pki-'));
    try {
      const tokens = randomTokens();
      const files = await generatePki(path.join(dir, 'pki'), tokens);
      const verify = await run('openssl', ['verify', '-CAfile', files.caCert, files.apiServerCert, files.servingCert]);
      assert.match(verify.stdout, /apiserver\.crt: OK/);
      assert.match(verify.stdout, /serving\.crt: OK/);
      const san = await run('openssl', ['x509', '-in', files.servingCert, '-noout', '-ext', 'subjectAltName']);
      assert.match(san.stdout, /IP Address:127\.0\.0\.1/);
      assert.match(san.stdout, /DNS:metrics-api\.kube-system\.svc/);
      assert.equal(await readFile(files.tokenFile, 'utf8'), tokenFileContent(tokens));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('puts every identity in the token file with a distinct token', () => {
    const lines = tokenFileContent(randomTokens()).trim().split('\n');
    assert.equal(lines.length, IDENTITIES.length);
    assert.equal(new Set(lines.map((line) => line.split(',')[0])).size, IDENTITIES.length);
    assert.ok(
      lines.some((line) => line.includes(',system:node:real-node-0,')),
      "the real node's kubelet",
    );
    assert.ok(lines.some((line) => line.includes(',system:kube-controller-manager,')));
    assert.ok(lines.some((line) => line.includes(',starrocks-cn-operator,')));
  });
});
