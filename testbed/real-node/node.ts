// Starts and stops the real node: a bare control plane (no kwok), the bridge and its guard, containerd with its own
// config, the test images, and a kubelet joined to the control plane. `up` first removes whatever an earlier run
// left behind (it may have been killed at any point); `down` removes everything, in the order that worked
// (reference/real-node.md): pods, kubelet, control plane, containerd, leftover processes, mounts, network,
// sysctls, cgroups, files.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  down as controlPlaneDown,
  readState as readControlPlaneState,
  up as controlPlaneUp,
} from '../control-plane/control-plane.js';
import { renderKubeconfig } from '../control-plane/kubeconfig.js';
import { kubectlOk, runKubectl } from '../control-plane/kubectl.js';
import { defaultBinDir, REAL_NODE_NAME, runLayout, USER_NAMES } from '../control-plane/layout.js';
import { pkiFiles } from '../control-plane/pki.js';
import { freeLoopbackPort } from '../control-plane/ports.js';
import { waitUntil } from '../control-plane/probes.js';
import {
  isAlive,
  readCmdline,
  startProcess,
  stopRecordedProcess,
  type StopOutcome,
} from '../control-plane/processes.js';
import { cniConfig, containerdConfig, kubeletArgs, kubeletConfig } from './config.js';
import {
  createCgroupRoots,
  readHostState,
  recordHostState,
  removeCgroups,
  restoreSysctls,
  run,
  setUpNetwork,
  tearDownNetwork,
  unmountUnder,
} from './host.js';
import { REAL_NODE_NET, realNodeLayout, type NodeProcess, type RealNodeLayout } from './layout.js';

const SERVICE_IP = '10.0.0.1';
const STOP = { graceMs: 15_000, killWaitMs: 5_000 } as const;

const stateSchema = z.object({
  nodeName: z.string(),
  hostAddress: z.string(),
  images: z.array(z.string()),
  startupMs: z.number(),
});
export type RealNodeState = z.infer<typeof stateSchema>;

export interface RealNodeUpOptions {
  readonly root: string;
  readonly binDir?: string;
  /** OCI image archives to import into containerd (the sandbox image among them). */
  readonly imageArchives: readonly string[];
  /** The image containerd uses for pod sandboxes (must be among the archives). */
  readonly sandboxImage: string;
  readonly log: (line: string) => void;
}

export async function realNodeUp(options: RealNodeUpOptions): Promise<RealNodeState> {
  const layout = realNodeLayout(options.root);
  const started = Date.now();
  await cleanUp(layout, options.log);
  const hostState = await recordHostState(layout);
  for (const folder of [layout.logDir, layout.pidDir, layout.cniConfDir, layout.kubeletRoot, layout.kubeletCertDir]) {
    await mkdir(folder, { recursive: true });
  }
  const binDir = options.binDir ?? defaultBinDir(process.env, os.homedir());
  try {
    const controlPlane = await controlPlaneUp({
      dir: layout.controlPlaneDir,
      binDir,
      flavour: 'bare',
      log: options.log,
    });
    options.log('creating the bridge, its forward guard and the kubernetes Service rule');
    await setUpNetwork(SERVICE_IP, controlPlane.state.ports.apiServer, hostState);
    await createCgroupRoots();
    await startContainerd(layout, options);
    await importImages(layout, options);
    await startKubelet(layout, binDir, options.log);
    const state: RealNodeState = {
      nodeName: REAL_NODE_NAME,
      hostAddress: REAL_NODE_NET.hostAddress,
      images: [...options.imageArchives],
      startupMs: Date.now() - started,
    };
    await writeFile(layout.statePath, JSON.stringify(state, null, 2) + '\n');
    options.log(`real node ${REAL_NODE_NAME} Ready after ${state.startupMs} ms`);
    return state;
  } catch (error) {
    options.log('start failed; removing what was started (its logs are kept)');
    await cleanUp(layout, options.log, true).catch((cleanupError: unknown) => {
      options.log(`clean-up after the failed start failed too: ${String(cleanupError)}`);
    });
    throw error;
  }
}

async function startContainerd(layout: RealNodeLayout, options: RealNodeUpOptions): Promise<void> {
  await mkdir(path.dirname(layout.containerdConfig), { recursive: true });
  await writeFile(layout.containerdConfig, containerdConfig(layout, options.sandboxImage));
  await writeFile(path.join(layout.cniConfDir, '10-starrocks-cn-real-node.conflist'), cniConfig(layout, '10.0.0.0/24'));
  options.log('starting containerd');
  await startNodeProcess(layout, 'containerd', 'containerd', [
    '--config',
    layout.containerdConfig,
    '--log-level',
    'warn',
  ]);
  await waitUntil(
    async () => {
      const result = await run('ctr', ['--address', layout.containerdSocket, 'version']);
      return result.ok ? true : result.stderr.trim();
    },
    {
      description: 'containerd answering',
      timeoutMs: 30_000,
      intervalMs: 200,
      abort: exitedProcess(layout, 'containerd'),
    },
  );
}

async function importImages(layout: RealNodeLayout, options: RealNodeUpOptions): Promise<void> {
  for (const archive of options.imageArchives) {
    const result = await run('ctr', [
      '--address',
      layout.containerdSocket,
      '-n',
      'k8s.io',
      'images',
      'import',
      archive,
    ]);
    if (!result.ok) throw new Error(`importing ${archive} into containerd failed: ${result.stderr.trim()}`);
  }
  options.log(`imported ${options.imageArchives.length} images`);
}

async function startKubelet(layout: RealNodeLayout, binDir: string, log: (line: string) => void): Promise<void> {
  const cp = runLayout(layout.controlPlaneDir);
  const cpState = await readControlPlaneState(cp);
  if (cpState === null) throw new Error(`no control plane state in ${cp.dir}`);
  const pki = pkiFiles(cp.pkiDir);
  const tokens = await readFile(pki.tokenFile, 'utf8');
  const token = tokens
    .split('\n')
    .map((line) => line.split(','))
    .find((fields) => fields[1] === USER_NAMES.kubelet)?.[0];
  if (token === undefined) throw new Error(`no kubelet token in ${pki.tokenFile}`);
  await writeFile(
    layout.kubeletKubeconfig,
    renderKubeconfig({ server: cpState.apiServerUrl, caFile: pki.caCert, user: USER_NAMES.kubelet, token }),
    { mode: 0o600 },
  );
  await writeFile(
    layout.kubeletConfig,
    kubeletConfig({ layout, caFile: pki.caCert, healthzPort: await freeLoopbackPort() }),
  );
  log('starting the kubelet');
  await startNodeProcess(layout, 'kubelet', path.join(binDir, 'kubelet'), kubeletArgs(layout, REAL_NODE_NAME));
  const kubectl = { kubectl: path.join(binDir, 'kubectl'), kubeconfig: cp.adminKubeconfigPath, timeoutMs: 15_000 };
  await waitUntil(
    async () => {
      const result = await runKubectl(
        ['get', 'node', REAL_NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'],
        kubectl,
      );
      return result.code === 0 && result.stdout.trim() === 'True'
        ? true
        : `Ready=${result.stdout.trim() || result.stderr.trim()}`;
    },
    {
      description: `node ${REAL_NODE_NAME} Ready`,
      timeoutMs: 60_000,
      intervalMs: 300,
      abort: exitedProcess(layout, 'kubelet'),
    },
  );
  // Pods can only be created once the namespace's default ServiceAccount exists.
  await kubectlOk(['wait', '--for=create', 'serviceaccount/default', '-n', 'default', '--timeout=30s'], kubectl);
}

async function startNodeProcess(
  layout: RealNodeLayout,
  name: NodeProcess,
  command: string,
  args: string[],
): Promise<void> {
  await startProcess({ component: name, command, args }, layout.logFile(name), layout.pidFile(name), layout.root);
}

function exitedProcess(layout: RealNodeLayout, name: NodeProcess) {
  return async (): Promise<string | null> => {
    const text = await readFile(layout.pidFile(name), 'utf8').catch(() => '');
    const pid = Number(text.trim());
    if (Number.isInteger(pid) && pid > 0 && (await isAlive(pid))) return null;
    const log = await readFile(layout.logFile(name), 'utf8').catch(() => '');
    return `${name} exited; last lines of ${layout.logFile(name)}:\n${log.split('\n').slice(-20).join('\n')}`;
  };
}

export interface RealNodeDownOptions {
  readonly root: string;
  readonly log: (line: string) => void;
  /** Keep the logs folder (for a failed run). */
  readonly keepLogs?: boolean;
}

export async function realNodeDown(options: RealNodeDownOptions): Promise<void> {
  await cleanUp(realNodeLayout(options.root), options.log, options.keepLogs ?? false);
}

/**
 * Removes everything a run of the real node may have left, whatever state it is in. Each step tolerates what is
 * already gone; the machine's recorded state is restored last and its record removed only then.
 */
async function cleanUp(layout: RealNodeLayout, log: (line: string) => void, keepLogs = false): Promise<void> {
  if (!existsSync(layout.root)) return;
  await deleteAllPods(layout, log);
  report(log, 'kubelet', await stopNodeProcess(layout, 'kubelet'));
  if (existsSync(layout.controlPlaneDir)) await controlPlaneDown({ dir: layout.controlPlaneDir, log });
  report(log, 'containerd', await stopNodeProcess(layout, 'containerd'));
  const swept = await killProcessesUnder(layout.root);
  if (swept > 0) log(`killed ${swept} leftover processes (shims, containers) of ${layout.root}`);
  const unmounted = await unmountUnder(layout.root);
  if (unmounted > 0) log(`unmounted ${unmounted} mounts under ${layout.root}`);
  const hostState = await readHostState(layout);
  for (const line of await tearDownNetwork(hostState)) log(`removed ${line}`);
  const cgroups = await removeCgroups();
  if (cgroups > 0) log(`removed ${cgroups} cgroup folders`);
  if (hostState !== null) for (const line of await restoreSysctls(hostState)) log(`restored ${line}`);
  await removeContainerdRunFolder(log);
  // Keep the logs of a failed run (the control plane's moved next to the node's); everything else goes (the
  // host-state record last: restore has happened).
  if (keepLogs && existsSync(path.join(layout.controlPlaneDir, 'logs'))) {
    await mkdir(layout.logDir, { recursive: true });
    await rename(path.join(layout.controlPlaneDir, 'logs'), path.join(layout.logDir, 'control-plane'));
  }
  for (const entry of await readdir(layout.root)) {
    if (keepLogs && entry === 'logs') continue;
    if (entry === path.basename(layout.hostStatePath)) continue;
    await rm(path.join(layout.root, entry), { recursive: true, force: true });
  }
  await rm(layout.hostStatePath, { force: true });
  if (!keepLogs) await rm(layout.root, { recursive: true, force: true });
}

function report(log: (line: string) => void, name: string, outcome: StopOutcome): void {
  if (outcome !== 'not-running') log(`${name}: ${outcome}`);
}

/** While the kubelet still runs, pods are deleted so it tears their sandboxes down itself (bounded). */
async function deleteAllPods(layout: RealNodeLayout, log: (line: string) => void): Promise<void> {
  const cp = runLayout(layout.controlPlaneDir);
  const cpState = await readControlPlaneState(cp);
  if (cpState === null) return;
  const kubectl = {
    kubectl: path.join(cpState.binDir, 'kubectl'),
    kubeconfig: cp.adminKubeconfigPath,
    timeoutMs: 30_000,
  };
  const result = await runKubectl(
    ['delete', 'pods', '--all', '-A', '--grace-period=1', '--timeout=25s'],
    kubectl,
  ).catch((error: unknown) => ({ code: null, stdout: '', stderr: String(error) }));
  if (result.code !== 0) log(`deleting the pods before stopping the node: ${result.stderr.trim().slice(0, 300)}`);
}

async function stopNodeProcess(layout: RealNodeLayout, name: NodeProcess): Promise<StopOutcome> {
  return stopRecordedProcess(
    layout.pidFile(name),
    { command: name === 'kubelet' ? 'kubelet' : 'containerd', runDir: layout.root },
    STOP,
  );
}

/** SIGKILLs every process whose command line names a path under `root` (containerd shims of a killed run). */
async function killProcessesUnder(root: string): Promise<number> {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  let killed = 0;
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || pid === process.ppid) continue;
    const argv = await readCmdline(pid);
    if (argv === null || !argv.some((arg) => arg.includes(prefix))) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed += 1;
    } catch {
      // gone already
    }
  }
  return killed;
}

/** containerd 1.6 puts shim sockets and FIFOs under /run/containerd whatever its config says. */
async function removeContainerdRunFolder(log: (line: string) => void): Promise<void> {
  if (!existsSync('/run/containerd')) return;
  const others = await run('pgrep', ['-x', 'containerd']);
  if (others.ok && others.stdout.trim() !== '') {
    log('another containerd runs on this machine; /run/containerd left in place');
    return;
  }
  await rm('/run/containerd', { recursive: true, force: true });
}

export async function readRealNodeState(root: string): Promise<RealNodeState | null> {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(await readFile(realNodeLayout(root).statePath, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
