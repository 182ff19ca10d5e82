// A killed run of the real-node tier leaves processes, mounts, chains, sysctls and cgroups behind; the next run
// must find and remove them. This test kills the harness in the middle of its bring-up (SIGKILL), starts it again,
// runs a pod, then crashes containerd and the kubelet (SIGKILL: their shims and containers stay), and checks that
// `down` leaves the machine as it was. Runs before the node the other real-node tests share is started.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { runKubectl } from '../../control-plane/kubectl.js';
import { defaultBinDir } from '../../control-plane/layout.js';
import { cgroupMounts, mountsUnder, run } from '../../real-node/host.js';
import { CGROUP_ROOT, REAL_NODE_NET, realNodeLayout, realNodeRoot, SAVED_SYSCTLS } from '../../real-node/layout.js';
import { PAUSE_IMAGE_REF } from '../../images/refs.js';
import { REPO_ROOT, TESTBED_ROOT } from '../../helpers/repo.js';
import os from 'node:os';

const root = realNodeRoot(process.env);
const layout = realNodeLayout(root);
const CLI = ['--import', 'tsx', path.join(TESTBED_ROOT, 'real-node', 'main.ts')];

function pauseArchive(): string {
  const archives = (process.env['REAL_NODE_IMAGES'] ?? '').split(' ').filter((file) => file !== '');
  const pause = archives.find((file) => path.basename(file).startsWith('pause'));
  if (pause === undefined) throw new Error('REAL_NODE_IMAGES has no pause archive: run with bash hack/real-node.sh');
  return pause;
}

function harness(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
  return { child, done };
}

async function sysctls(): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const name of SAVED_SYSCTLS) values[name] = (await run('sysctl', ['-n', name])).stdout.trim();
  return values;
}

async function processesUnderRoot(): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').some((arg) => arg.includes(`${root}/`)))
      found.push(`${entry}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

async function leftovers(): Promise<string[]> {
  const problems: string[] = [];
  problems.push(...(await processesUnderRoot()).map((line) => `process ${line}`));
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  problems.push(...mountsUnder(mountinfo, root).map((point) => `mount ${point}`));
  if ((await run('ip', ['link', 'show', REAL_NODE_NET.bridge])).ok) problems.push(`bridge ${REAL_NODE_NET.bridge}`);
  const rules = (await run('iptables-save', [])).stdout;
  for (const chain of [REAL_NODE_NET.guardChain, REAL_NODE_NET.serviceChain, 'KUBE-FIREWALL', 'KUBE-KUBELET-CANARY']) {
    if (rules.includes(`:${chain} `)) problems.push(`iptables chain ${chain}`);
  }
  for (const point of cgroupMounts(mountinfo)) {
    if (existsSync(path.join(point, CGROUP_ROOT))) problems.push(`cgroup ${path.join(point, CGROUP_ROOT)}`);
  }
  if (existsSync(root)) problems.push(`folder ${root}`);
  return problems;
}

async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await sleep(100);
  }
}

test('a run killed at any point is cleaned up by the next one', { timeout: 600_000 }, async () => {
  const before = await sysctls();
  const netnsBefore = existsSync('/run/netns') ? (await readdir('/run/netns')).sort() : [];
  const upArgs = ['up', '--image', pauseArchive(), '--sandbox-image', PAUSE_IMAGE_REF];

  // 1. Killed in the middle of its bring-up: the control plane, the network and containerd are running.
  const first = harness(upArgs);
  await waitForFile(layout.pidFile('containerd'), 120_000);
  first.child.kill('SIGKILL');
  await first.done;
  assert.ok((await processesUnderRoot()).length > 0, 'the killed run left processes behind');

  // 2. The next run starts anyway (the bridge and chains of the first would make it fail otherwise).
  const second = await harness(upArgs).done;
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /containerd: (terminated|killed)/, "the second run stopped the first run's containerd");

  // 3. A pod runs; then containerd and the kubelet crash, leaving the pod's shim, container, mounts and netns.
  const kubectl = {
    kubectl: path.join(defaultBinDir(process.env, os.homedir()), 'kubectl'),
    kubeconfig: path.join(layout.controlPlaneDir, 'admin.kubeconfig'),
    timeoutMs: 60_000,
  };
  const pod = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'leftover', namespace: 'default' },
    spec: { containers: [{ name: 'sleep', image: PAUSE_IMAGE_REF, imagePullPolicy: 'Never' }] },
  });
  const created = await runKubectl(['apply', '-f', '-'], { ...kubectl, input: pod });
  assert.equal(created.code, 0, created.stderr);
  const running = await runKubectl(['wait', '--for=condition=Ready', 'pod/leftover', '--timeout=60s'], kubectl);
  assert.equal(running.code, 0, running.stderr);
  for (const name of ['kubelet', 'containerd'] as const) {
    const pid = Number(readFileSync(layout.pidFile(name), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
  }
  await sleep(500);
  assert.ok(mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), root).length > 0, 'the crash left mounts');

  // 4. down removes everything and restores the machine.
  const down = await harness(['down']).done;
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(await leftovers(), []);
  assert.deepEqual(await sysctls(), before, 'sysctls restored');
  const netnsAfter = existsSync('/run/netns') ? (await readdir('/run/netns')).sort() : [];
  assert.deepEqual(netnsAfter, netnsBefore, 'network namespaces removed');
});
