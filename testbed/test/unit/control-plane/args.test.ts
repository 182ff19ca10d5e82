import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allCommands, FAST_HPA_FLAGS, KWOK_STAGES, type CommandInput } from '../../../control-plane/args.js';
import { runLayout } from '../../../control-plane/layout.js';
import { pkiFiles } from '../../../control-plane/pki.js';
import { isLoopbackHost } from '../../../control-plane/probes.js';

const layout = runLayout('/var/lib/cn-run');
const input: CommandInput = {
  binDir: '/opt/bin',
  layout,
  pki: pkiFiles(layout.pkiDir),
  ports: {
    etcdClient: 40001,
    etcdPeer: 40002,
    apiServer: 40003,
    controllerManager: 40004,
    scheduler: 40005,
    kwok: 40006,
    metricsApi: 40007,
  },
  repoRoot: '/repo',
  nodeBinary: '/usr/bin/node',
  hpaTimings: 'fast',
};
const commands = allCommands(input);

function flag(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

// Every host in a flag value that names an address (URLs, host:port, bare IPs).
function addressesIn(args: readonly string[]): string[] {
  const hosts: string[] = [];
  for (const arg of args) {
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg;
    for (const match of value.matchAll(/([a-z]+:\/\/)?(\d{1,3}(\.\d{1,3}){3}|localhost)(:\d+)?/g)) {
      if (match[2] !== undefined) hosts.push(match[2]);
    }
  }
  return hosts;
}

describe('control-plane command lines', () => {
  it('only listen on and point at loopback, apart from the fake pod and service ranges', () => {
    for (const spec of Object.values(commands)) {
      const ranges = new Set(['10.0.0.0', '10.244.0.0']);
      const addresses = addressesIn(spec.args).filter((address) => !ranges.has(address));
      assert.ok(addresses.length > 0 || spec.component === 'metrics-api', `${spec.component} has addresses`);
      for (const address of addresses) assert.ok(isLoopbackHost(address), `${spec.component}: ${address} is loopback`);
    }
  });

  it('makes the API server advertise 127.0.0.1 and not reconcile the kubernetes endpoints', () => {
    const args = commands['kube-apiserver'].args;
    assert.equal(flag(args, 'advertise-address'), '127.0.0.1');
    assert.equal(flag(args, 'bind-address'), '127.0.0.1');
    assert.equal(flag(args, 'endpoint-reconciler-type'), 'none');
    assert.equal(flag(args, 'etcd-servers'), 'http://127.0.0.1:40001');
    assert.equal(flag(args, 'secure-port'), '40003');
  });

  it('writes the audit log into the run folder with the run policy', () => {
    const args = commands['kube-apiserver'].args;
    assert.equal(flag(args, 'audit-log-path'), '/var/lib/cn-run/audit.log');
    assert.equal(flag(args, 'audit-policy-file'), '/var/lib/cn-run/audit-policy.yaml');
    assert.equal(flag(args, 'audit-log-maxsize'), '4096', 'no rotation under a mark');
  });

  it('gives etcd one consistent loopback member', () => {
    const args = commands.etcd.args;
    assert.equal(flag(args, 'initial-cluster'), `default=${flag(args, 'initial-advertise-peer-urls') ?? ''}`);
    assert.equal(flag(args, 'data-dir'), '/var/lib/cn-run/etcd-data');
  });

  it('runs the controller manager with every controller, the fast HPA timings and a node grace period no test outlives, under its own identity', () => {
    const args = commands['kube-controller-manager'].args;
    assert.equal(flag(args, 'controllers'), '*');
    assert.equal(flag(args, 'kubeconfig'), '/var/lib/cn-run/kube-controller-manager.kubeconfig');
    for (const hpaFlag of FAST_HPA_FLAGS) assert.ok(args.includes(hpaFlag), hpaFlag);
    assert.equal(flag(args, 'horizontal-pod-autoscaler-sync-period'), '5s');
    // KWOK never makes a pod ready again once the node lifecycle controller marked it unready.
    assert.equal(flag(args, 'node-monitor-grace-period'), '1h');
  });

  it("runs the controller manager's own HPA timings with hpaTimings: defaults, as a real cluster does", () => {
    const args = allCommands({ ...input, hpaTimings: 'defaults' })['kube-controller-manager'].args;
    assert.deepEqual(
      args.filter((arg) => arg.startsWith('--horizontal-pod-autoscaler-')),
      [],
    );
    assert.equal(flag(args, 'node-monitor-grace-period'), '1h');
  });

  it('passes every kwok stage file, since the bare kwok binary exits without stages', () => {
    const configs = commands.kwok.args.filter((arg) => arg.startsWith('--config='));
    assert.deepEqual(
      configs,
      KWOK_STAGES.map((stage) => `--config=/opt/bin/${stage}`),
    );
    assert.equal(flag(commands.kwok.args, 'node-ip'), '127.0.0.1');
  });

  it('has the run folder in every command line, which is how a stale pid is recognised as ours', () => {
    for (const spec of Object.values(commands)) {
      assert.ok(
        spec.args.some((arg) => arg.includes('/var/lib/cn-run/')),
        `${spec.component} names the run folder`,
      );
    }
  });
});
