// The leader FE's heartbeat (starrocks-fe.md section 5): every registered compute node probed each period, marked
// dead on the 4th consecutive failure, filled in on the first good answer. The probe is pluggable because test pod
// addresses are fake and must never be dialed: a liveness table, or a loopback HTTP endpoint per address.
import http from 'node:http';
import { isIP } from 'node:net';
import type { Catalog, SimComputeNode } from './catalog.js';
import type { Resolver } from './executor.js';
import type { HostMode, Profile } from './profiles.js';

/** Approximation: the text a stopping CN sends with its SHUTDOWN status (the FE's own tests use this one). */
export const SHUTDOWN_MESSAGE = 'BE is in shutting down';

export type HeartbeatOutcome =
  | { ok: true; ports?: Partial<NodePorts>; version?: string; cpuCores?: number }
  | { ok: false; error: string }
  /** 3.4+: the CN answers SHUTDOWN while it stops gracefully. */
  /** `message`: what the CN says with its SHUTDOWN status (the FE shows it in ErrMsg). */
  | { ok: false; shutdown: true; message?: string };

export interface NodePorts {
  bePort: number;
  httpPort: number;
  brpcPort: number;
  starletPort: number;
}

export const DEFAULT_NODE_PORTS: NodePorts = { bePort: 9060, httpPort: 8040, brpcPort: 8060, starletPort: 9070 };

/** `heartbeat_retry_times` = 3: the node is dead on the 4th consecutive failure. */
export const FAILURES_BEFORE_DEAD = 4;

export interface HeartbeatTarget {
  /** As the FE stored it. */
  host: string;
  port: number;
  /** `host:port` (IPv6 in brackets). */
  address: string;
}

export type HeartbeatProbe = (target: HeartbeatTarget) => Promise<HeartbeatOutcome>;

/** Applies one heartbeat answer to a node, as HeartbeatMgr does. */
export function applyHeartbeat(node: SimComputeNode, outcome: HeartbeatOutcome, profile: Profile, now: Date): void {
  if (outcome.ok) {
    const ports = { ...DEFAULT_NODE_PORTS, ...outcome.ports };
    if (!node.alive || node.lastStartTime === null) node.lastStartTime = now;
    node.alive = true;
    node.bePort = ports.bePort;
    node.httpPort = ports.httpPort;
    node.brpcPort = ports.brpcPort;
    node.starletPort = ports.starletPort;
    node.lastHeartbeat = now;
    node.errMsg = '';
    node.version = outcome.version ?? profile.nodeVersion;
    node.cpuCores = outcome.cpuCores ?? 8;
    node.statusCode = 'OK';
    node.consecutiveFailures = 0;
    return;
  }
  if ('shutdown' in outcome && profile.hasStatusCode) {
    // Marked not alive at once, no retries: running queries continue, no new work is scheduled. The answer is a
    // heartbeat all the same: its time and message are kept (ComputeNode.handleHbResponse).
    node.alive = false;
    node.statusCode = 'SHUTDOWN';
    node.consecutiveFailures = 0;
    node.lastHeartbeat = now;
    node.errMsg = outcome.message ?? SHUTDOWN_MESSAGE;
    return;
  }
  const error = 'error' in outcome ? outcome.error : 'Unknown error';
  node.consecutiveFailures += 1;
  if (node.consecutiveFailures >= FAILURES_BEFORE_DEAD) {
    // 3.4+: declared dead is DISCONNECTED, whether it ever answered or not (before that, CONNECTING).
    node.statusCode = 'DISCONNECTED';
    node.alive = false;
    node.errMsg = error;
  }
}

/**
 * The default probe. A test controls it per address: `set` an outcome, or `mapToEndpoint` a loopback URL (a CN
 * emulator's /api/health) that is fetched at each heartbeat. Unknown addresses fail like a closed port.
 */
export class LivenessTable {
  private readonly outcomes = new Map<string, HeartbeatOutcome>();
  private readonly endpoints = new Map<string, { url: URL; ports: Partial<NodePorts> }>();
  /** What an address nobody configured answers: a closed port by default; the demo assumes alive. */
  defaultOutcome: HeartbeatOutcome = { ok: false, error: 'java.net.ConnectException: Connection refused' };

  constructor(
    private readonly hostMode: () => HostMode,
    private readonly resolve: Resolver,
    private readonly timeoutMs: () => number,
  ) {}

  set(address: string, outcome: HeartbeatOutcome): void {
    this.outcomes.set(address, outcome);
  }

  setAlive(address: string, alive: boolean, error = 'java.net.ConnectException: Connection refused'): void {
    this.set(address, alive ? { ok: true } : { ok: false, error });
  }

  /** Heartbeats of `address` become GET <url>; 200 means alive. Only loopback URLs are accepted. */
  mapToEndpoint(address: string, url: string, ports: Partial<NodePorts> = {}): void {
    const parsed = new URL(url);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (!(host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.')))) {
      throw new Error(`heartbeat endpoint ${url} is not a loopback address; tests may only dial 127.0.0.0/8`);
    }
    this.endpoints.set(address, { url: parsed, ports });
  }

  forget(address: string): void {
    this.outcomes.delete(address);
    this.endpoints.delete(address);
  }

  readonly probe: HeartbeatProbe = async (target) => {
    if (this.hostMode() === 'FQDN' && isIP(target.host) === 0 && this.resolve(target.host) === undefined) {
      // FQDN mode resolves at every heartbeat: a typo shows here, not at ADD.
      return { ok: false, error: `java.net.UnknownHostException: ${target.host}` };
    }
    const endpoint = this.endpoints.get(target.address);
    if (endpoint) return probeHttp(endpoint.url, endpoint.ports, this.timeoutMs());
    return this.outcomes.get(target.address) ?? this.defaultOutcome;
  };
}

function probeHttp(url: URL, ports: Partial<NodePorts>, timeoutMs: number): Promise<HeartbeatOutcome> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(
        response.statusCode === 200
          ? { ok: true, ports }
          : { ok: false, error: `heartbeat answered HTTP ${response.statusCode ?? 0}` },
      );
    });
    request.on('timeout', () => {
      request.destroy();
      resolve({ ok: false, error: 'java.net.SocketTimeoutException: Read timed out' });
    });
    request.on('error', () => {
      resolve({ ok: false, error: 'java.net.ConnectException: Connection refused' });
    });
  });
}

export interface HeartbeatLoopOptions {
  catalog: Catalog;
  probe: () => HeartbeatProbe;
  periodMs: number;
  timeoutMs: number;
  now?: () => Date;
}

/** Runs a heartbeat round every period (never two at once); stop() waits for the running round. */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  rounds = 0;

  constructor(private readonly options: HeartbeatLoopOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round now (tests call this to move liveness forward deterministically). */
  async runOnce(): Promise<void> {
    while (this.running) await this.running;
    const round = this.round();
    this.running = round;
    try {
      await round;
    } finally {
      this.running = undefined;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => {
        this.schedule();
      });
    }, this.options.periodMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    const { catalog } = this.options;
    const probe = this.options.probe();
    const nodes = [...catalog.computeNodes];
    const outcomes = await Promise.all(nodes.map((node) => this.probeWithTimeout(probe, node)));
    const now = this.options.now?.() ?? new Date();
    nodes.forEach((node, index) => {
      const outcome = outcomes[index];
      // A node dropped while its heartbeat was in flight is not touched.
      if (!outcome || !catalog.computeNodes.includes(node)) return;
      applyHeartbeat(node, outcome, catalog.profile, now);
      catalog.registerStarosWorker(node);
    });
    this.rounds += 1;
  }

  private async probeWithTimeout(probe: HeartbeatProbe, node: SimComputeNode): Promise<HeartbeatOutcome> {
    const target = {
      host: node.host,
      port: node.heartbeatPort,
      address: isIP(node.host) === 6 ? `[${node.host}]:${node.heartbeatPort}` : `${node.host}:${node.heartbeatPort}`,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<HeartbeatOutcome>((resolve) => {
      timer = setTimeout(() => {
        resolve({ ok: false, error: 'java.net.SocketTimeoutException: Read timed out' });
      }, this.options.timeoutMs);
    });
    try {
      return await Promise.race([
        probe(target).catch((error: unknown) => ({ ok: false as const, error: String(error) })),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
