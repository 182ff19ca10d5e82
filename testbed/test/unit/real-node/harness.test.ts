// The real-node harness' pure parts: the settings this machine kind needs (reference/real-node.md), the network
// guard that keeps pods' traffic on the machine, and the parsers clean-up relies on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heartbeatOutcome, inSubnet } from '../../../fe-simulator/pod-heartbeat.js';
import { cniConfig, containerdConfig, kubeletArgs, kubeletConfig } from '../../../real-node/config.js';
import { cgroupMounts, iptablesSetupCommands, jumpDeletions, mountsUnder } from '../../../real-node/host.js';
import { realNodeLayout } from '../../../real-node/layout.js';

const layout = realNodeLayout('/var/lib/rn');

describe('real-node configuration', () => {
  it('containerd: its own paths, no OOM score changes, cgroupfs, the test pause image, the harness CNI folder', () => {
    const text = containerdConfig(layout, 'registry.k8s.io/pause:3.10');
    for (const line of [
      'root = "/var/lib/rn/containerd/root"',
      'address = "/var/lib/rn/containerd/containerd.sock"',
      'restrict_oom_score_adj = true',
      'SystemdCgroup = false',
      'sandbox_image = "registry.k8s.io/pause:3.10"',
      'conf_dir = "/var/lib/rn/cni/net.d"',
    ]) {
      assert.ok(text.includes(line), line);
    }
  });

  it('CNI: the test bridge, no masquerade, no default route in the pods', () => {
    const config = JSON.parse(cniConfig(layout, '10.0.0.0/24')) as {
      plugins: {
        type: string;
        bridge?: string;
        ipMasq?: boolean;
        isDefaultGateway?: boolean;
        ipam?: { routes: { dst: string }[] };
      }[];
    };
    const bridge = config.plugins.find((plugin) => plugin.type === 'bridge');
    assert.equal(bridge?.bridge, 'cnrn0');
    assert.equal(bridge.ipMasq, false);
    assert.equal(bridge.isDefaultGateway, false);
    assert.deepEqual(bridge.ipam?.routes, [{ dst: '10.0.0.0/24' }]);
  });

  it('kubelet: cgroup v1 accepted, cgroupfs, its own cgroup root, no DNS, serving on the bridge only', () => {
    const config = JSON.parse(kubeletConfig({ layout, caFile: '/ca.crt', healthzPort: 12345 })) as Record<
      string,
      unknown
    >;
    assert.equal(config['failCgroupV1'], false);
    assert.equal(config['cgroupDriver'], 'cgroupfs');
    assert.equal(config['cgroupRoot'], '/starrocks-cn-real-node');
    assert.equal(config['resolvConf'], '');
    assert.equal(config['address'], '10.88.0.1');
    assert.equal(config['readOnlyPort'], 0);
    assert.equal(config['healthzBindAddress'], '127.0.0.1');
    assert.ok(kubeletArgs(layout, 'n').includes('--node-ip=10.88.0.1'));
  });
});

describe('real-node network guard', () => {
  const rules = (forwardingWasOff: boolean) =>
    iptablesSetupCommands('10.0.0.1', 6443, forwardingWasOff).map((command) => command.join(' '));

  it('drops everything entering or leaving the bridge through another interface', () => {
    const text = rules(false);
    assert.ok(text.includes('iptables -t filter -A CNRN-GUARD -i cnrn0 ! -o cnrn0 -j DROP'));
    assert.ok(text.includes('iptables -t filter -A CNRN-GUARD -o cnrn0 ! -i cnrn0 -j DROP'));
    assert.ok(text.includes('iptables -t filter -I FORWARD 1 -j CNRN-GUARD'));
    assert.ok(!text.some((rule) => rule.includes('! -i cnrn0 ! -o cnrn0')), 'other forwarding left alone');
  });

  it('routes nothing else when the machine did not route before', () => {
    assert.ok(rules(true).includes('iptables -t filter -A CNRN-GUARD ! -i cnrn0 ! -o cnrn0 -j DROP'));
  });

  it('answers the kubernetes Service only for packets from the bridge, with the API server on loopback', () => {
    assert.ok(
      rules(false).includes(
        'iptables -t nat -A CNRN-SERVICES -i cnrn0 -d 10.0.0.1/32 -p tcp --dport 443 -j DNAT --to-destination 127.0.0.1:6443',
      ),
    );
  });
});

describe('real-node clean-up parsers', () => {
  it('finds the jumps to a chain in iptables -S output', () => {
    const output = ['-P FORWARD DROP', '-A FORWARD -j CNRN-GUARD', '-A FORWARD -j DOCKER-USER', ''].join('\n');
    assert.deepEqual(jumpDeletions('filter', output, 'CNRN-GUARD'), [
      ['iptables', '-t', 'filter', '-D', 'FORWARD', '-j', 'CNRN-GUARD'],
    ]);
  });

  const mountinfo = [
    '22 1 0:20 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
    '23 1 0:21 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
    '40 1 8:1 /x /var/lib/rn/kubelet/root rw - ext4 /dev/vda rw',
    '41 40 0:50 / /var/lib/rn/kubelet/root/pods/a/volumes/x rw - tmpfs tmpfs rw',
    '42 1 0:51 / /var/lib/rn2/other rw - tmpfs tmpfs rw',
    '43 1 0:52 / /var/lib/rn/with\\040space rw - tmpfs tmpfs rw',
  ].join('\n');

  it('lists the cgroup hierarchies, v1 and unified', () => {
    assert.deepEqual(cgroupMounts(mountinfo), ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified']);
  });

  it('lists the mounts under the root, deepest first, not a sibling folder, decoding escapes', () => {
    assert.deepEqual(mountsUnder(mountinfo, '/var/lib/rn'), [
      '/var/lib/rn/kubelet/root/pods/a/volumes/x',
      '/var/lib/rn/kubelet/root',
      '/var/lib/rn/with space',
    ]);
  });
});

describe('the FE simulator heartbeat of real pods', () => {
  it('dials only the bridge subnet', () => {
    assert.equal(inSubnet('10.88.0.7', '10.88.0.0/24'), true);
    assert.equal(inSubnet('10.88.1.7', '10.88.0.0/24'), false);
    assert.equal(inSubnet('8.8.8.8', '10.88.0.0/24'), false);
    assert.equal(inSubnet('fd00::1', '10.88.0.0/24'), false);
  });

  it('reads OK with the ports, SHUTDOWN as a 3.4+ CN stopping, anything else as a failure', () => {
    assert.deepEqual(heartbeatOutcome(200, '{"status":"OK","bePort":9060,"httpPort":8040,"version":"v"}'), {
      ok: true,
      ports: { bePort: 9060, httpPort: 8040 },
      version: 'v',
    });
    assert.deepEqual(heartbeatOutcome(200, '{"status":"SHUTDOWN"}'), { ok: false, shutdown: true });
    assert.equal(heartbeatOutcome(503, '').ok, false);
    assert.equal(heartbeatOutcome(200, 'not json').ok, false);
  });
});
