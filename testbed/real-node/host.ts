// The changes the real-node tier makes to the machine, and their undoing: the bridge and its guard, the DNAT rule
// for the `kubernetes` Service, sysctls, cgroups, mounts and network namespaces. Every command is bounded in time.
// The command lists are pure functions (unit-tested); running them is the only I/O.
//
// Undo is written to work from any state: after a clean run, after a run killed at any point, or twice in a row.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, rmdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { CNI_NETWORK } from './config.js';
import { CGROUP_ROOT, KUBELET_CHAINS, REAL_NODE_NET, SAVED_SYSCTLS, type RealNodeLayout } from './layout.js';

const exec = promisify(execFile);
const COMMAND_TIMEOUT_MS = 20_000;

export interface CommandResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command, bounded; never throws (callers decide what a failure means). */
export async function run(command: string, args: readonly string[]): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await exec(command, [...args], { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' });
    return { ok: true, stdout, stderr };
  } catch (error) {
    const detail = error as { stdout?: string; stderr?: string; message?: string };
    return { ok: false, stdout: detail.stdout ?? '', stderr: detail.stderr ?? detail.message ?? String(error) };
  }
}

async function mustRun(command: string, args: readonly string[]): Promise<string> {
  const result = await run(command, args);
  if (!result.ok) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

// ---- the machine's state before the first change -------------------------------------------------------------

const hostStateSchema = z.object({
  sysctls: z.record(z.string(), z.string()),
  netns: z.array(z.string()),
  /** Kubelet chains that existed before (another kubelet's): left alone at clean-up. */
  chains: z.array(z.string()),
  /** Whether /var/lib/cni (libcni's cache, used by containerd's CNI whatever its config) existed before. */
  cniCacheExisted: z.boolean().default(true),
});
export type HostState = z.infer<typeof hostStateSchema>;

/**
 * Records the machine's state once. When a killed run left a record behind, that record is kept: the current
 * values are the killed run's changes, not the machine's own.
 */
export async function recordHostState(layout: RealNodeLayout): Promise<HostState> {
  const existing = await readHostState(layout);
  if (existing !== null) return existing;
  const sysctls: Record<string, string> = {};
  for (const name of SAVED_SYSCTLS) sysctls[name] = (await mustRun('sysctl', ['-n', name])).trim();
  const state: HostState = {
    sysctls,
    netns: await listNetns(),
    chains: await existingKubeletChains(),
    cniCacheExisted: existsSync(CNI_CACHE),
  };
  await mkdir(layout.root, { recursive: true });
  await writeFile(layout.hostStatePath, JSON.stringify(state, null, 2) + '\n');
  return state;
}

export async function readHostState(layout: RealNodeLayout): Promise<HostState | null> {
  try {
    const parsed = hostStateSchema.safeParse(JSON.parse(await readFile(layout.hostStatePath, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function listNetns(): Promise<string[]> {
  try {
    return (await readdir('/run/netns')).sort();
  } catch {
    return [];
  }
}

/** `table/chain` names of the kubelet's chains that exist now. */
async function existingKubeletChains(): Promise<string[]> {
  const found: string[] = [];
  for (const [table, chains] of Object.entries(KUBELET_CHAINS)) {
    for (const chain of chains) {
      if ((await run('iptables', ['-t', table, '-S', chain])).ok) found.push(`${table}/${chain}`);
    }
  }
  return found;
}

// ---- network ---------------------------------------------------------------------------------------------------

/** The bridge and its host address (created before the kubelet, which needs its node IP to exist). */
export function bridgeCommands(): string[][] {
  const { bridge, hostAddress, prefixLength } = REAL_NODE_NET;
  return [
    ['ip', 'link', 'add', bridge, 'type', 'bridge'],
    ['ip', 'addr', 'add', `${hostAddress}/${prefixLength}`, 'dev', bridge],
    ['ip', 'link', 'set', bridge, 'up'],
    // Lets the DNAT below deliver to the API server on 127.0.0.1 (only for packets arriving on this bridge).
    ['sysctl', '-q', '-w', `net.ipv4.conf.${bridge}.route_localnet=1`],
  ];
}

/**
 * The guard: the CNI bridge plugin turns ip_forward on, so packets between the bridge and any other interface are
 * dropped in FORWARD (pods reach the host side of the bridge and each other, nothing else). And the `kubernetes`
 * Service's ClusterIP answered by the API server for in-cluster clients (there is no kube-proxy).
 */
export function iptablesSetupCommands(serviceIp: string, apiServerPort: number, forwardingWasOff: boolean): string[][] {
  const { bridge, guardChain, serviceChain } = REAL_NODE_NET;
  return [
    ['iptables', '-t', 'filter', '-N', guardChain],
    ['iptables', '-t', 'filter', '-A', guardChain, '-i', bridge, '!', '-o', bridge, '-j', 'DROP'],
    ['iptables', '-t', 'filter', '-A', guardChain, '-o', bridge, '!', '-i', bridge, '-j', 'DROP'],
    // A machine that did not route before the bridge plugin turned ip_forward on routes nothing else now either.
    ...(forwardingWasOff
      ? [['iptables', '-t', 'filter', '-A', guardChain, '!', '-i', bridge, '!', '-o', bridge, '-j', 'DROP']]
      : []),
    ['iptables', '-t', 'filter', '-I', 'FORWARD', '1', '-j', guardChain],
    ['iptables', '-t', 'nat', '-N', serviceChain],
    [
      'iptables',
      '-t',
      'nat',
      '-A',
      serviceChain,
      '-i',
      bridge,
      '-d',
      `${serviceIp}/32`,
      '-p',
      'tcp',
      '--dport',
      '443',
      '-j',
      'DNAT',
      '--to-destination',
      `127.0.0.1:${apiServerPort}`,
    ],
    ['iptables', '-t', 'nat', '-I', 'PREROUTING', '1', '-j', serviceChain],
  ];
}

/** The hooks that jump to a chain, as `-D` commands (from `iptables -S <hook chain>` output). Pure. */
export function jumpDeletions(table: string, hookRules: string, target: string): string[][] {
  return hookRules
    .split('\n')
    .filter((line) => line.startsWith('-A ') && line.split(' ').includes('-j') && line.endsWith(`-j ${target}`))
    .map((line) => ['iptables', '-t', table, '-D', ...line.slice(3).split(' ')]);
}

/** Removes a chain and the jumps to it; false when it could not be deleted (clean-up goes on regardless). */
async function removeChain(table: string, chain: string, hooks: readonly string[]): Promise<boolean> {
  if (!(await run('iptables', ['-t', table, '-S', chain])).ok) return true;
  for (const hook of hooks) {
    const rules = await run('iptables', ['-t', table, '-S', hook]);
    for (const command of jumpDeletions(table, rules.stdout, chain))
      await run(command[0] ?? 'iptables', command.slice(1));
  }
  await run('iptables', ['-t', table, '-F', chain]);
  return (await run('iptables', ['-t', table, '-X', chain])).ok;
}

export async function setUpNetwork(serviceIp: string, apiServerPort: number, hostState: HostState): Promise<void> {
  const forwardingWasOff = hostState.sysctls['net.ipv4.ip_forward'] === '0';
  for (const command of [...bridgeCommands(), ...iptablesSetupCommands(serviceIp, apiServerPort, forwardingWasOff)]) {
    await mustRun(command[0] ?? '', command.slice(1));
  }
  // The pods get IPv4 only; no IPv6 on the bridge either (absent when the kernel has IPv6 off: nothing to do).
  await run('sysctl', ['-q', '-w', `net.ipv6.conf.${REAL_NODE_NET.bridge}.disable_ipv6=1`]);
}

const BUILTIN_HOOKS: Readonly<Record<string, readonly string[]>> = {
  filter: ['INPUT', 'OUTPUT', 'FORWARD'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
};

/** Removes the bridge, our chains, the kubelet's chains (unless they predate us), and the pods' namespaces. */
export async function tearDownNetwork(hostState: HostState | null): Promise<string[]> {
  const done: string[] = [];
  const { bridge, guardChain, serviceChain } = REAL_NODE_NET;
  // Without the record (no change was made, or it was undone already) only what is ours by name is touched: the
  // bridge and the CNRN chains, never namespaces or kubelet chains another runtime may own.
  for (const name of hostState === null ? [] : await listNetns()) {
    if (hostState?.netns.includes(name) !== false || !name.startsWith('cni-')) continue;
    await run('umount', ['-l', path.join('/run/netns', name)]);
    await rm(path.join('/run/netns', name), { force: true });
    done.push(`netns ${name}`);
  }
  if ((await run('ip', ['link', 'show', bridge])).ok) {
    const deleted = await run('ip', ['link', 'delete', bridge]);
    done.push(deleted.ok ? `bridge ${bridge}` : `FAILED to delete bridge ${bridge}: ${deleted.stderr.trim()}`);
  }
  const ours: [string, string][] = [
    ['filter', guardChain],
    ['nat', serviceChain],
  ];
  const kubelet: [string, string][] =
    hostState === null
      ? []
      : Object.entries(KUBELET_CHAINS).flatMap(([table, chains]) =>
          chains.map((chain): [string, string] => [table, chain]),
        );
  for (const [table, chain] of [...ours, ...kubelet]) {
    if (hostState?.chains.includes(`${table}/${chain}`)) continue;
    if (!(await run('iptables', ['-t', table, '-S', chain])).ok) continue;
    const removed = await removeChain(table, chain, BUILTIN_HOOKS[table] ?? []);
    done.push(removed ? `iptables ${table}/${chain}` : `FAILED to remove iptables ${table}/${chain}`);
  }
  // The kubelet makes its canary and hint chains for IPv6 too (ip6tables may be absent: nothing to do then).
  for (const [table, chain] of kubelet) {
    if (hostState?.chains.includes(`${table}/${chain}`)) continue;
    if (!(await run('ip6tables', ['-t', table, '-S', chain])).ok) continue;
    await run('ip6tables', ['-t', table, '-F', chain]);
    await run('ip6tables', ['-t', table, '-X', chain]);
    done.push(`ip6tables ${table}/${chain}`);
  }
  done.push(...(await removeCniCache(hostState)));
  return done;
}

const CNI_CACHE = '/var/lib/cni';

/** libcni's cache: removed when this tier created it, else only our network's entries. */
async function removeCniCache(hostState: HostState | null): Promise<string[]> {
  if (!existsSync(CNI_CACHE)) return [];
  if (hostState !== null && !hostState.cniCacheExisted) {
    await rm(CNI_CACHE, { recursive: true, force: true });
    return [CNI_CACHE];
  }
  const results = path.join(CNI_CACHE, 'results');
  const ours = (await readdir(results).catch(() => [])).filter((name) => name.startsWith(`${CNI_NETWORK}-`));
  for (const name of ours) await rm(path.join(results, name), { force: true });
  return ours.map((name) => path.join(results, name));
}

// ---- sysctls ---------------------------------------------------------------------------------------------------

export async function restoreSysctls(hostState: HostState): Promise<string[]> {
  const changed: string[] = [];
  for (const [name, value] of Object.entries(hostState.sysctls)) {
    const now = (await run('sysctl', ['-n', name])).stdout.trim();
    if (now === value) continue;
    await mustRun('sysctl', ['-q', '-w', `${name}=${value}`]);
    changed.push(`${name} ${now} -> ${value}`);
  }
  return changed;
}

// ---- cgroups ---------------------------------------------------------------------------------------------------

/** The mount points of the cgroup hierarchies (v1 and the unified one), from /proc/self/mountinfo. Pure. */
export function cgroupMounts(mountinfo: string): string[] {
  const points: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) continue;
    const fsType = after.split(' ')[0];
    const point = before.split(' ')[4];
    if ((fsType === 'cgroup' || fsType === 'cgroup2') && point !== undefined) points.push(decodeMountPath(point));
  }
  return [...new Set(points)].sort();
}

/** Mount points at or below `prefix` (deepest first, for unmounting). Pure. */
export function mountsUnder(mountinfo: string, prefix: string): string[] {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map(decodeMountPath)
    .filter((point) => point === prefix || point.startsWith(base));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function decodeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The kubelet's cgroup root must exist in every hierarchy before it starts. */
export async function createCgroupRoots(): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  for (const point of cgroupMounts(mountinfo)) {
    await mkdir(path.join(point, CGROUP_ROOT), { recursive: true }).catch(() => undefined);
  }
}

/** Kills what still runs in our cgroups (a killed run's containers), then removes the folders deepest first. */
export async function removeCgroups(): Promise<number> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  let removed = 0;
  for (const point of cgroupMounts(mountinfo)) {
    const root = path.join(point, CGROUP_ROOT);
    const folders = await foldersBelow(root);
    for (const folder of folders) await killCgroupProcesses(folder);
    for (const folder of folders) {
      // A cgroup folder is removable once it is empty of processes; killed processes need a moment to go.
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          await rmdir(folder);
          removed += 1;
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
          await killCgroupProcesses(folder);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
  }
  return removed;
}

/** Every folder at and below `root`, deepest first; empty when `root` does not exist. */
async function foldersBelow(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory()) await walk(path.join(folder, entry.name));
    found.push(folder);
  };
  await walk(root);
  return found;
}

async function killCgroupProcesses(folder: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path.join(folder, 'cgroup.procs'), 'utf8');
  } catch {
    return;
  }
  for (const line of text.split('\n')) {
    const pid = Number(line.trim());
    if (Number.isInteger(pid) && pid > 1) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
}

// ---- mounts ------------------------------------------------------------------------------------------------------

/** Unmounts everything below the node's root (kubelet root bind mount, pod volumes, container root file systems). */
export async function unmountUnder(root: string): Promise<number> {
  let count = 0;
  for (let pass = 0; pass < 5; pass++) {
    const points = mountsUnder(await readFile('/proc/self/mountinfo', 'utf8'), root);
    if (points.length === 0) break;
    for (const point of points) if ((await run('umount', ['-l', point])).ok) count += 1;
  }
  return count;
}
