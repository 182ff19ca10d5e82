// Starts and stops one control plane in a run folder: etcd, kube-apiserver (with an audit log), kube-controller-
// manager (fast HPA), kube-scheduler, kwok with one Node, and the metrics.k8s.io backend. Everything listens on and
// dials 127.0.0.1 only. The `bare` flavour leaves out kwok and the metrics backend: the real-node tier joins a real
// kubelet to it instead (testbed/real-node). `up` is idempotent (a healthy control plane is reused; stale files of a crashed run are
// cleaned, processes stopped only after checking they are ours); `down` stops every process by pid.
import { access, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from '../helpers/repo.js';
import { allCommands, KWOK_STAGES, type CommandInput, type CommandSpec, type HpaTimings } from './args.js';
import { auditPolicy } from './audit-policy.js';
import { apiServerUrl, renderKubeconfig } from './kubeconfig.js';
import { kubectlOk, runKubectl } from './kubectl.js';
import {
  COMPONENTS,
  defaultBinDir,
  generatedEntries,
  IDENTITIES,
  KWOK_ONLY,
  runLayout,
  USER_NAMES,
  type Component,
  type RunLayout,
} from './layout.js';
import {
  asApplyStream,
  kwokNode,
  METRICS_APISERVICE,
  metricsApiService,
  metricsService,
  NODE_NAME,
} from './manifests.js';
import { generatePki, pkiFiles, randomTokens, type PkiFiles } from './pki.js';
import { checkPorts, pickPorts, type Ports } from './ports.js';
import { httpGet, logTail, waitUntil } from './probes.js';
import { isAlive, runningPid, startProcess, stopRecordedProcess, type StopOutcome } from './processes.js';

const portsSchema = z.object({
  etcdClient: z.number().int(),
  etcdPeer: z.number().int(),
  apiServer: z.number().int(),
  controllerManager: z.number().int(),
  scheduler: z.number().int(),
  kwok: z.number().int(),
  metricsApi: z.number().int(),
});

/** `kwok`: fake nodes for every pod (the e2e tier). `bare`: no node at all (the real-node tier adds a kubelet). */
export type Flavour = 'kwok' | 'bare';

const stateSchema = z.object({
  version: z.literal(1),
  flavour: z.enum(['kwok', 'bare']).default('kwok'),
  hpaTimings: z.enum(['fast', 'defaults']).default('fast'),
  binDir: z.string(),
  nodeBinary: z.string(),
  ports: portsSchema,
  apiServerUrl: z.string(),
  startedAt: z.string(),
  startupMs: z.number(),
});
export type ControlPlaneState = z.infer<typeof stateSchema>;

export interface UpOptions {
  readonly dir: string;
  readonly binDir?: string;
  /** Default `kwok`. */
  readonly flavour?: Flavour;
  /** Default `fast` (HPAs sync every 5 s); `defaults` runs the controller manager as a real cluster does (15 s). */
  readonly hpaTimings?: HpaTimings;
  /** Progress lines (to stderr in the CLI). */
  readonly log?: (line: string) => void;
}

/** The processes a flavour runs, in start order. */
export function componentsOf(flavour: Flavour): Component[] {
  return COMPONENTS.filter((component) => flavour === 'kwok' || !KWOK_ONLY.has(component));
}

export interface ControlPlane {
  readonly dir: string;
  readonly layout: RunLayout;
  readonly state: ControlPlaneState;
  readonly kubeconfig: string;
  readonly kubectl: string;
  /** Whether `up` found it already running and reused it. */
  readonly reused: boolean;
}

const STOP = { graceMs: 10_000, killWaitMs: 5_000 } as const;
const silent = (): void => undefined;

export async function readState(layout: RunLayout): Promise<ControlPlaneState | null> {
  let text: string;
  try {
    text = await readFile(layout.statePath, 'utf8');
  } catch {
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = stateSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

function commandInput(
  layout: RunLayout,
  binDir: string,
  ports: Ports,
  nodeBinary: string,
  hpaTimings: HpaTimings,
): CommandInput {
  return { binDir, layout, pki: pkiFiles(layout.pkiDir), ports, repoRoot: REPO_ROOT, nodeBinary, hpaTimings };
}

// The commands as recorded for a run; placeholder ports when the state is lost (stop only needs the program path).
function recordedCommands(
  layout: RunLayout,
  state: ControlPlaneState | null,
  binDir: string,
): Record<Component, CommandSpec> {
  const ports = state?.ports ?? {
    etcdClient: 0,
    etcdPeer: 0,
    apiServer: 0,
    controllerManager: 0,
    scheduler: 0,
    kwok: 0,
    metricsApi: 0,
  };
  const nodeBinary = state?.nodeBinary ?? process.execPath;
  return allCommands(commandInput(layout, state?.binDir ?? binDir, ports, nodeBinary, state?.hpaTimings ?? 'fast'));
}

async function apiServerReady(layout: RunLayout, state: ControlPlaneState): Promise<boolean> {
  try {
    const ca = await readFile(pkiFiles(layout.pkiDir).caCert, 'utf8');
    const token = await adminToken(layout);
    const result = await httpGet({ url: `${state.apiServerUrl}/readyz`, ca, token, timeoutMs: 2000 });
    return result.status === 200;
  } catch {
    return false;
  }
}

async function adminToken(layout: RunLayout): Promise<string> {
  const tokens = await readFile(pkiFiles(layout.pkiDir).tokenFile, 'utf8');
  const line = tokens.split('\n').find((l) => l.split(',')[1] === USER_NAMES.admin);
  const token = line?.split(',')[0];
  if (token === undefined || token === '') throw new Error(`no admin token in ${layout.pkiDir}`);
  return token;
}

/** Whether every process of the run is alive and ours and the API server answers /readyz. */
export async function isHealthy(dir: string): Promise<boolean> {
  const layout = runLayout(dir);
  const state = await readState(layout);
  if (state === null) return false;
  const commands = recordedCommands(layout, state, state.binDir);
  for (const component of componentsOf(state.flavour)) {
    const pid = await runningPid(layout.pidFilePath(component), {
      command: commands[component].command,
      runDir: layout.dir,
    });
    if (pid === null) return false;
  }
  return apiServerReady(layout, state);
}

function describeRun(layout: RunLayout, state: ControlPlaneState, reused: boolean): ControlPlane {
  return {
    dir: layout.dir,
    layout,
    state,
    kubeconfig: layout.adminKubeconfigPath,
    kubectl: path.join(state.binDir, 'kubectl'),
    reused,
  };
}

export async function checkBinaries(binDir: string, flavour: Flavour = 'kwok'): Promise<void> {
  const needed = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];
  if (flavour === 'kwok') needed.push('kwok', ...KWOK_STAGES);
  const missing: string[] = [];
  for (const name of needed) {
    try {
      await access(path.join(binDir, name), name.endsWith('.yaml') ? constants.R_OK : constants.X_OK);
    } catch {
      missing.push(name);
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `control-plane binaries missing in ${binDir}: ${missing.join(', ')}. Build them with: bash hack/build-control-plane.sh`,
    );
  }
}

export async function up(options: UpOptions): Promise<ControlPlane> {
  const log = options.log ?? silent;
  const layout = runLayout(options.dir);
  const binDir = options.binDir ?? defaultBinDir(process.env, os.homedir());
  const flavour = options.flavour ?? 'kwok';
  const hpaTimings = options.hpaTimings ?? 'fast';
  const existing = await readState(layout);
  const same = existing !== null && existing.flavour === flavour && existing.hpaTimings === hpaTimings;
  if (existing !== null && same && (await isHealthy(layout.dir))) {
    log(`control plane in ${layout.dir} is already running (${existing.apiServerUrl}); reusing it`);
    return describeRun(layout, existing, true);
  }
  await checkBinaries(binDir, flavour);
  // Leftovers of an earlier run (crashed or half-started): stop what is still ours, then start clean.
  await stopAll(layout, existing, binDir, log);
  await Promise.all(generatedEntries(layout).map((entry) => rm(entry, { recursive: true, force: true })));
  await mkdir(layout.dir, { recursive: true });

  const started = Date.now();
  const ports = await pickPorts();
  const portProblems = checkPorts(ports);
  if (portProblems.length > 0) throw new Error(`bad ports: ${portProblems.join('; ')}`);
  const state: ControlPlaneState = {
    version: 1,
    flavour,
    hpaTimings,
    binDir,
    nodeBinary: process.execPath,
    ports,
    apiServerUrl: apiServerUrl(ports.apiServer),
    startedAt: new Date(started).toISOString(),
    startupMs: 0,
  };
  try {
    await start(layout, state, log);
  } catch (error) {
    log('start failed; stopping what was started');
    await stopAll(layout, state, binDir, log);
    throw error;
  }
  const ready: ControlPlaneState = { ...state, startupMs: Date.now() - started };
  await writeFile(layout.statePath, JSON.stringify(ready, null, 2) + '\n');
  log(`control plane ready in ${ready.startupMs} ms: ${ready.apiServerUrl}, kubeconfig ${layout.adminKubeconfigPath}`);
  return describeRun(layout, ready, false);
}

async function writeConfigFiles(layout: RunLayout, state: ControlPlaneState): Promise<PkiFiles> {
  const tokens = randomTokens();
  const pki = await generatePki(layout.pkiDir, tokens);
  for (const identity of IDENTITIES) {
    const kubeconfig = renderKubeconfig({
      server: state.apiServerUrl,
      caFile: pki.caCert,
      user: USER_NAMES[identity],
      token: tokens[identity],
    });
    await writeFile(layout.kubeconfigPath(identity), kubeconfig, { mode: 0o600 });
  }
  await writeFile(layout.auditPolicyPath, auditPolicy());
  // Written before the processes start so that `down` finds the ports and paths even if `up` dies half-way.
  await writeFile(layout.statePath, JSON.stringify(state, null, 2) + '\n');
  return pki;
}

async function start(layout: RunLayout, state: ControlPlaneState, log: (line: string) => void): Promise<void> {
  log(`generating PKI and kubeconfigs in ${layout.dir}`);
  const pki = await writeConfigFiles(layout, state);
  const ca = await readFile(pki.caCert, 'utf8');
  const token = await adminToken(layout);
  const commands = allCommands(commandInput(layout, state.binDir, state.ports, state.nodeBinary, state.hpaTimings));
  const pids = new Map<Component, number>();
  const launch = async (component: Component): Promise<void> => {
    const spec = commands[component];
    pids.set(component, await startProcess(spec, layout.logPath(component), layout.pidFilePath(component), REPO_ROOT));
  };
  const exited = (component: Component) => async (): Promise<string | null> => {
    const pid = pids.get(component);
    if (pid !== undefined && (await isAlive(pid))) return null;
    return `${component} exited; last lines of ${layout.logPath(component)}:\n${await logTail(layout.logPath(component))}`;
  };
  const httpReady = (url: string, probeCa?: string, probeToken?: string) => async (): Promise<true | string> => {
    const result = await httpGet({ url, ca: probeCa, token: probeToken, timeoutMs: 2000 });
    return result.status === 200 ? true : `HTTP ${result.status} ${result.body.slice(0, 200)}`;
  };

  log('starting etcd');
  await launch('etcd');
  await waitUntil(httpReady(`http://127.0.0.1:${state.ports.etcdClient}/health`), {
    description: 'etcd /health',
    timeoutMs: 30_000,
    intervalMs: 200,
    abort: exited('etcd'),
  });

  // The metrics backend only calls the API server when asked for metrics, so it can start (and pay its
  // TypeScript load time) while the API server comes up.
  const kwok = state.flavour === 'kwok';
  log(kwok ? 'starting kube-apiserver and metrics-api' : 'starting kube-apiserver');
  await launch('kube-apiserver');
  if (kwok) await launch('metrics-api');
  await waitUntil(httpReady(`${state.apiServerUrl}/readyz`, ca, token), {
    description: 'kube-apiserver /readyz',
    timeoutMs: 120_000,
    intervalMs: 500,
    abort: exited('kube-apiserver'),
  });

  log(
    kwok
      ? 'starting kube-controller-manager, kube-scheduler, kwok'
      : 'starting kube-controller-manager, kube-scheduler',
  );
  for (const component of ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const) {
    if (component !== 'kwok' || kwok) await launch(component);
  }
  const kubectl = {
    kubectl: path.join(state.binDir, 'kubectl'),
    kubeconfig: layout.adminKubeconfigPath,
    timeoutMs: 30_000,
  };
  if (kwok) {
    await kubectlOk(['apply', '-f', '-'], {
      ...kubectl,
      input: asApplyStream([kwokNode(), metricsService(), metricsApiService(state.ports.metricsApi, ca)]),
    });
  }
  // Waits are created only for the processes this flavour started (a wait starts polling when it is made).
  const kwokWaits = (): Promise<void>[] => [
    waitUntil(httpReady(`https://127.0.0.1:${state.ports.metricsApi}/healthz`, ca), {
      description: 'metrics-api /healthz',
      timeoutMs: 30_000,
      intervalMs: 300,
      abort: exited('metrics-api'),
    }),
    waitUntil(conditionTrue(kubectl, ['get', 'node', NODE_NAME], 'Ready'), {
      description: `kwok node ${NODE_NAME} Ready`,
      timeoutMs: 60_000,
      intervalMs: 500,
      abort: exited('kwok'),
    }),
    waitUntil(conditionTrue(kubectl, ['get', 'apiservice', METRICS_APISERVICE], 'Available'), {
      description: `APIService ${METRICS_APISERVICE} Available`,
      timeoutMs: 60_000,
      intervalMs: 500,
      abort: exited('metrics-api'),
    }),
  ];
  await Promise.all([
    waitUntil(httpReady(`https://127.0.0.1:${state.ports.controllerManager}/healthz`), {
      description: 'kube-controller-manager /healthz',
      timeoutMs: 60_000,
      intervalMs: 500,
      abort: exited('kube-controller-manager'),
    }),
    waitUntil(httpReady(`https://127.0.0.1:${state.ports.scheduler}/healthz`), {
      description: 'kube-scheduler /healthz',
      timeoutMs: 60_000,
      intervalMs: 500,
      abort: exited('kube-scheduler'),
    }),
    ...(kwok ? kwokWaits() : []),
    // Pods can only be created once the serviceaccount controller made the namespace's default ServiceAccount.
    waitUntil(
      async () => {
        const result = await runKubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name'], kubectl);
        return result.code === 0 ? true : result.stderr.trim();
      },
      {
        description: 'default ServiceAccount',
        timeoutMs: 60_000,
        intervalMs: 500,
        abort: exited('kube-controller-manager'),
      },
    ),
  ]);
  if (kwok) await warmUpPodIpPool(kubectl);
}

/**
 * KWOK (v0.8.0, PodController.ipPool) creates its pod IP pool with a Load-then-Store that is not atomic: pods that
 * get their first IPs at the same moment (a Parallel StatefulSet) each create a pool and receive the same address.
 * One pod placed alone first creates the single pool that every later pod shares; it is deleted right away.
 */
async function warmUpPodIpPool(kubectl: KubectlTarget): Promise<void> {
  const pod = 'kwok-ip-pool-warm-up';
  await kubectlOk(['run', pod, '-n', 'default', '--image=warm-up', '--restart=Never'], kubectl);
  await waitUntil(
    async () => {
      const result = await runKubectl(['get', 'pod', pod, '-n', 'default', '-o', 'jsonpath={.status.podIP}'], kubectl);
      return result.code === 0 && result.stdout.trim() !== '' ? true : 'no pod IP yet';
    },
    { description: 'warm-up pod IP', timeoutMs: 60_000, intervalMs: 300 },
  );
  await kubectlOk(['delete', 'pod', pod, '-n', 'default', '--wait=false'], kubectl);
}

interface KubectlTarget {
  readonly kubectl: string;
  readonly kubeconfig: string;
  readonly timeoutMs: number;
}

const conditionsSchema = z.object({
  status: z
    .object({
      conditions: z
        .array(z.object({ type: z.string(), status: z.string(), message: z.string().optional() }))
        .optional(),
    })
    .optional(),
});

function conditionTrue(target: KubectlTarget, getArgs: string[], type: string) {
  return async (): Promise<true | string> => {
    const result = await runKubectl([...getArgs, '-o', 'json'], target);
    if (result.code !== 0) return result.stderr.trim();
    const parsed = conditionsSchema.safeParse(JSON.parse(result.stdout));
    if (!parsed.success) return 'unexpected object shape';
    const condition = parsed.data.status?.conditions?.find((c) => c.type === type);
    if (condition?.status === 'True') return true;
    return `${type}=${condition?.status ?? 'absent'} ${condition?.message ?? ''}`.trim();
  };
}

export interface DownReport {
  readonly outcomes: Partial<Record<Component, StopOutcome>>;
}

export interface DownOptions {
  readonly dir: string;
  readonly binDir?: string;
  readonly log?: (line: string) => void;
}

/** Stops every process of the run (APIService first, while its backend still answers). Safe to call twice. */
export async function down(options: DownOptions): Promise<DownReport> {
  const layout = runLayout(options.dir);
  const state = await readState(layout);
  const binDir = options.binDir ?? defaultBinDir(process.env, os.homedir());
  const report = await stopAll(layout, state, binDir, options.log ?? silent);
  await rm(layout.statePath, { force: true });
  return report;
}

async function stopAll(
  layout: RunLayout,
  state: ControlPlaneState | null,
  binDir: string,
  log: (line: string) => void,
): Promise<DownReport> {
  const commands = recordedCommands(layout, state, binDir);
  const expected = (component: Component) => ({ command: commands[component].command, runDir: layout.dir });
  // An APIService whose backend is gone leaves discovery partial: namespaces then never finish deleting. Remove it
  // while the backend still answers (only matters when the same etcd is reused, but costs one call).
  if (state !== null && (await runningPid(layout.pidFilePath('kube-apiserver'), expected('kube-apiserver'))) !== null) {
    const result = await runKubectl(
      ['delete', 'apiservice', METRICS_APISERVICE, '--ignore-not-found', '--wait=false'],
      {
        kubectl: path.join(state.binDir, 'kubectl'),
        kubeconfig: layout.adminKubeconfigPath,
        timeoutMs: 15_000,
      },
    ).catch((error: unknown) => ({ code: null, stdout: '', stderr: String(error) }));
    if (result.code !== 0) log(`could not delete APIService ${METRICS_APISERVICE}: ${result.stderr.trim()}`);
  }
  const outcomes: Partial<Record<Component, StopOutcome>> = {};
  // Every component, not only the flavour's: a stale pid file of another flavour's run is stopped too.
  for (const component of [...COMPONENTS].reverse()) {
    const outcome = await stopRecordedProcess(layout.pidFilePath(component), expected(component), STOP);
    outcomes[component] = outcome;
    if (outcome !== 'not-running') log(`${component}: ${outcome}`);
    if (outcome === 'still-running') throw new Error(`${component} did not stop even after SIGKILL`);
  }
  return { outcomes };
}

/** The components a test may stop and start again as a fault: the API server and its store. */
export type InterruptibleComponent = 'etcd' | 'kube-apiserver';

async function runningState(dir: string): Promise<{ layout: RunLayout; state: ControlPlaneState }> {
  const layout = runLayout(dir);
  const state = await readState(layout);
  if (state === null) throw new Error(`no control plane recorded in ${dir}`);
  return { layout, state };
}

/** A fault: stops one component of the running control plane by its pid (SIGTERM, SIGKILL after the grace). */
export async function stopComponent(dir: string, component: InterruptibleComponent): Promise<StopOutcome> {
  const { layout, state } = await runningState(dir);
  const commands = recordedCommands(layout, state, state.binDir);
  const expected = { command: commands[component].command, runDir: layout.dir };
  const outcome = await stopRecordedProcess(layout.pidFilePath(component), expected, STOP);
  if (outcome === 'still-running' || outcome === 'not-ours') throw new Error(`${component}: ${outcome}`);
  return outcome;
}

/** Starts a component `stopComponent` stopped, with the command recorded for the run, and waits until it serves. */
export async function startComponent(dir: string, component: InterruptibleComponent): Promise<void> {
  const { layout, state } = await runningState(dir);
  const spec = recordedCommands(layout, state, state.binDir)[component];
  const pid = await startProcess(spec, layout.logPath(component), layout.pidFilePath(component), REPO_ROOT);
  const abort = async (): Promise<string | null> =>
    (await isAlive(pid)) ? null : `${component} exited; last lines:\n${await logTail(layout.logPath(component))}`;
  if (component === 'etcd') {
    await waitUntil(
      async () => {
        const result = await httpGet({ url: `http://127.0.0.1:${state.ports.etcdClient}/health`, timeoutMs: 2000 });
        return result.status === 200 ? true : `HTTP ${result.status}`;
      },
      { description: 'etcd /health', timeoutMs: 30_000, intervalMs: 200, abort },
    );
    return;
  }
  await waitUntil(async () => ((await apiServerReady(layout, state)) ? true : 'not ready'), {
    description: 'kube-apiserver /readyz',
    timeoutMs: 120_000,
    intervalMs: 300,
    abort,
  });
}

/** What the e2e helpers read to find a control plane a script started itself (benchmarks). */
export function environmentOf(plane: ControlPlane): Record<string, string> {
  return { KUBECONFIG: plane.kubeconfig, CONTROL_PLANE_DIR: plane.dir, KUBECTL: plane.kubectl };
}

/** Shell lines that point a test run at this control plane. */
export async function envLines(dir: string): Promise<string[]> {
  const layout = runLayout(dir);
  const state = await readState(layout);
  if (state === null) throw new Error(`no control plane state in ${layout.dir}; start one with: up --dir ${dir}`);
  const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;
  return [
    `export KUBECONFIG=${quote(layout.adminKubeconfigPath)}`,
    `export CONTROL_PLANE_DIR=${quote(layout.dir)}`,
    `export KUBECTL=${quote(path.join(state.binDir, 'kubectl'))}`,
    `export OPERATOR_KUBECONFIG=${quote(layout.kubeconfigPath('operator'))}`,
  ];
}
