// The register sidecar (see docs/components.md): makes its own CN a member of the FE and keeps it one, and tells
// the kubelet through /readyz whether the FE reports this CN alive. It has no Kubernetes credentials.
import { FeClient } from '../../fe/index.js';
import { createLogger, type Logger } from '../../runtime/logging.js';
import { parseRegisterConfig, type ConfigError, type RegisterConfig } from './config.js';
import { fetchHealth, RegisterLoop, sleep } from './loop.js';
import { startProbeServer, type ProbeServer } from './probe-server.js';

export { parseRegisterConfig, type RegisterConfig, type ConfigError } from './config.js';
export * from './decide.js';
export { RegisterLoop, type FeMembership, type LoopDependencies } from './loop.js';
export { startProbeServer, type ProbeServer, type ProbeStatus } from './probe-server.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_CONFIG = 2;

export interface RunRegisterOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Aborts on SIGTERM/SIGINT: the loop stops, in-flight FE work is abandoned, the probe server closes. */
  signal: AbortSignal;
  logger?: Logger;
}

export function describeConfigErrors(errors: readonly ConfigError[]): string {
  return errors.map((error) => error.message).join('; ');
}

export interface RunningRegister {
  loop: RegisterLoop;
  /** The port /readyz and /healthz listen on (REGISTER_PROBE_PORT; 0 picks a free one). */
  probePort: number;
  /** Settles once the loop stopped and the probe server and FE connections are closed (bounded). */
  finished: Promise<void>;
}

/**
 * Starts the probe server and the loop for an already parsed configuration. Throws when the probe port cannot be
 * opened. The loop runs until the signal aborts.
 *
 * It never drops its own address on exit: a restarting sidecar (or CN) must not flap the FE's membership, and a
 * pod that really leaves is dropped by the operator, which alone knows whether it comes back.
 */
export async function startRegister(
  config: RegisterConfig,
  logger: Logger,
  signal: AbortSignal,
): Promise<RunningRegister> {
  const fe = new FeClient({
    addresses: config.feAddresses,
    user: config.feUser,
    password: config.fePassword,
    connectTimeoutMs: config.feConnectTimeoutMs,
    queryTimeoutMs: config.feQueryTimeoutMs,
    logger,
  });
  const loop = new RegisterLoop(config, {
    fe,
    checkCnHealth: (abort) => fetchHealth(config.cnHealthUrl, config.healthTimeoutMs, abort),
    logger,
  });
  let probes: ProbeServer;
  try {
    probes = await startProbeServer(config.probeHost, config.probePort, loop);
  } catch (error) {
    await fe.close();
    throw error;
  }
  logger.info({ event: 'probes-listening', host: config.probeHost, port: probes.port }, 'serving /readyz and /healthz');
  const finished = (async () => {
    try {
      await loop.run(signal);
    } finally {
      // Stop answering probes and close FE connections, for at most a second: FeClient.close() waits for a
      // connection attempt in flight, which a stalled FE would stretch to the connect timeout.
      const stopTimer = new AbortController();
      await Promise.race([
        Promise.allSettled([probes.close(), fe.close()]),
        sleep(Math.min(1000, config.shutdownTimeoutMs / 2), stopTimer.signal),
      ]);
      stopTimer.abort();
      logger.info({ event: 'stopped', address: config.cnAddress }, 'register stopped; its address stays in the FE');
    }
  })();
  return { loop, probePort: probes.port, finished };
}

/**
 * Runs the sidecar until the signal aborts. Resolves with the process exit code: 0 after a requested stop, 2 for
 * bad settings (nothing is retried: a restart cannot fix them), 1 when the probe port cannot be opened.
 */
export async function runRegister(options: RunRegisterOptions): Promise<number> {
  const logger = options.logger ?? createLogger({ name: 'register' });
  const parsed = parseRegisterConfig(options.env);
  if (!parsed.ok) {
    for (const error of parsed.errors) logger.error({ event: 'bad-config', variable: error.variable }, error.message);
    return EXIT_BAD_CONFIG;
  }
  const config = parsed.value;
  const podLogger = logger.child({ pod: config.podName, namespace: config.podNamespace });
  let running: RunningRegister;
  try {
    running = await startRegister(config, podLogger, options.signal);
  } catch (error) {
    logger.error(
      {
        event: 'probe-port-failed',
        port: config.probePort,
        error: error instanceof Error ? error.message : String(error),
      },
      `cannot listen on ${config.probeHost}:${config.probePort} for /readyz and /healthz; set REGISTER_PROBE_PORT to a free port`,
    );
    return EXIT_FAILED;
  }
  await running.finished;
  return EXIT_OK;
}
