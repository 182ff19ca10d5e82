// A compute node process for the real-node tests: what the CN image's start_cn.sh runs. It behaves like a StarRocks
// CN as far as the operator and the FE simulator can see, and has test hooks for "queries" (fragments).
//
// Ports come from cn.conf (CN_CONF, default /opt/starrocks/cn/conf/cn.conf), all on 0.0.0.0 (CN_LISTEN_HOST):
//
// - HTTP port (be_http_port / webserver_port, 8040):
//     GET  /api/health            -> 200 {"status": "OK","msg": "To Be Added"} (the real CN's exact body)
//     POST /test/fragments?ms=N   -> starts a fragment: the 200 status line at once (accepted), the body
//                                    {"outcome":"finished","ms":N} when it is done. If the process dies first the
//                                    client sees the connection cut (reset) after the status line. While
//                                    stopping: 503 {"outcome":"refused"}.
//     GET  /test/fragments        -> {"running":..,"finished":..,"refused":..,"stopping":bool}
//     GET  /metrics               -> Prometheus text with `starrocks_be_pip_query_ctx_cnt`, the gauge of running
//                                    queries a CN publishes (QueryContextManager) and its graceful exit waits on,
//                                    and `starrocks_be_plan_fragment_count` (non-pipeline fragments: 0)
// - Heartbeat port (heartbeat_service_port, 9050). The real CN speaks thrift here (HeartbeatService); the emulator
//   speaks plain HTTP instead, and the FE simulator dials it to decide liveness:
//     GET /heartbeat -> 200 {"status":"OK","bePort":..,"httpPort":..,"brpcPort":..,"version":"3.4.5-emulator",
//                            "startTime":<ms since epoch>}
//     While stopping gracefully "status" is "SHUTDOWN", as a 3.4+ CN answers (the FE marks it not alive at once).
// - Thrift port (be_port / thrift_port, 9060) and bRPC port (brpc_port, 8060): accept TCP and close it, so a port
//   check sees them open.
//
// Signals: SIGTERM (stop_cn.sh -g, the kubelet) or SIGINT starts a graceful exit: new fragments are refused,
// heartbeats answer SHUTDOWN, running fragments get up to the graceful bound (loop_count_wait_fragments_finish x
// 10 s, default 20 s as a 3.4.5+ CN; emulator_graceful_exit_seconds overrides), then the process exits 0 and cuts
// what is still running. SIGKILL kills. SIGUSR2 exits at once with 137: a container's PID 1 ignores SIGKILL sent
// from inside the container, so stop_cn.sh (without -g) sends SIGUSR2 too when the CN is PID 1.
//
// Writes its pid to CN_PID_FILE (default /opt/starrocks/cn/bin/cn.pid) for stop_cn.sh, and logs one JSON line per
// event to stdout.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import type { CnPorts } from '../../src/cnconf/index.js';
import { parseEmulatorConf, type EmulatorConf } from './conf.js';
import { HEALTH_BODY } from './emulator.js';

export const EMULATOR_VERSION = '3.4.5-emulator';
export const DEFAULT_CONF_PATH = '/opt/starrocks/cn/conf/cn.conf';
export const DEFAULT_PID_FILE = '/opt/starrocks/cn/bin/cn.pid';
/** The longest fragment a test may ask for: an hour, so a typo does not hold a pod forever. */
const MAX_FRAGMENT_MS = 3_600_000;

export type Log = (event: string, fields?: Record<string, unknown>) => void;

export function jsonLineLog(write: (line: string) => void): Log {
  return (event, fields = {}) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
  };
}

interface Fragment {
  timer: NodeJS.Timeout;
  response: http.ServerResponse;
}

/** `ms=N` of a fragment request: a whole number of milliseconds up to an hour. */
export function parseFragmentMs(url: URL): number | undefined {
  const text = url.searchParams.get('ms') ?? '';
  if (!/^[0-9]{1,7}$/.test(text)) return undefined;
  const ms = Number(text);
  return ms <= MAX_FRAGMENT_MS ? ms : undefined;
}

export class EmulatedCn {
  private readonly servers: net.Server[] = [];
  private readonly running = new Set<Fragment>();
  private finished = 0;
  private refused = 0;
  private stopping = false;
  private readonly startTime = Date.now();

  constructor(
    private readonly conf: EmulatorConf,
    private readonly log: Log,
    private readonly host = '0.0.0.0',
  ) {}

  get ports(): CnPorts {
    return this.conf.ports;
  }

  /** Fragments still running: cut off if the process exits now. */
  get runningFragments(): number {
    return this.running.size;
  }

  async start(): Promise<void> {
    const { ports } = this.conf;
    const httpServer = http.createServer((request, response) => {
      this.handleHttp(request, response);
    });
    const heartbeatServer = http.createServer((request, response) => {
      this.handleHeartbeat(request, response);
    });
    await this.listen(httpServer, ports.httpPort);
    await this.listen(heartbeatServer, ports.heartbeatServicePort);
    for (const port of [ports.bePort, ports.brpcPort]) {
      await this.listen(
        net.createServer((socket) => socket.end()),
        port,
      );
    }
  }

  /**
   * The graceful exit: refuse new work, answer SHUTDOWN, let running fragments finish within the bound. Resolves
   * with how many fragments were still running at the bound (they are cut off when the process exits).
   */
  async stopGracefully(): Promise<number> {
    if (this.stopping) return this.running.size;
    this.stopping = true;
    this.log('graceful-stop-began', { running: this.running.size, waitMs: this.conf.gracefulExitMs });
    const deadline = Date.now() + this.conf.gracefulExitMs;
    while (this.running.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
    return this.running.size;
  }

  /** Cuts running fragments with a TCP reset (what a client sees when a CN dies mid-query) and closes the ports. */
  cutAndClose(): void {
    for (const fragment of this.running) {
      clearTimeout(fragment.timer);
      fragment.response.socket?.resetAndDestroy();
    }
    this.running.clear();
    for (const server of this.servers) server.close();
  }

  private async listen(server: net.Server, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
  }

  private handleHttp(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://cn');
    if (request.method === 'GET' && url.pathname === '/api/health') {
      send(response, 200, HEALTH_BODY);
      return;
    }
    if (url.pathname === '/test/fragments' && request.method === 'GET') {
      send(response, 200, JSON.stringify(this.counts()));
      return;
    }
    if (url.pathname === '/metrics' && request.method === 'GET') {
      // No auth, as on a CN. Each emulated fragment stands for one query's context on this CN. plan_fragment_count is
      // FragmentMgr's map of non-pipeline fragments, which queries on the pipeline engine (all of them, by default)
      // never enter: 0, as on a real CN (docs/notes/cn-leaving-in-starrocks-source.md).
      const text =
        `# TYPE starrocks_be_pip_query_ctx_cnt gauge\nstarrocks_be_pip_query_ctx_cnt ${this.running.size}\n` +
        '# TYPE starrocks_be_plan_fragment_count gauge\nstarrocks_be_plan_fragment_count 0\n';
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text);
      return;
    }
    if (url.pathname === '/test/fragments' && request.method === 'POST') {
      request.resume(); // a body, if any, is ignored
      this.startFragment(url, response);
      return;
    }
    send(response, 404, JSON.stringify({ error: 'not found' }));
  }

  private startFragment(url: URL, response: http.ServerResponse): void {
    const ms = parseFragmentMs(url);
    if (ms === undefined) {
      send(
        response,
        400,
        JSON.stringify({ error: `ms must be a whole number of milliseconds up to ${MAX_FRAGMENT_MS}` }),
      );
      return;
    }
    if (this.stopping) {
      this.refused += 1;
      this.log('fragment-refused', { ms });
      send(response, 503, JSON.stringify({ outcome: 'refused' }));
      return;
    }
    // The status line goes out at once: a client that saw it knows the fragment was accepted, so a connection
    // cut after it is a fragment cut off, not a CN that was already gone.
    response.writeHead(200, { 'content-type': 'application/json' });
    response.flushHeaders();
    const fragment: Fragment = {
      response,
      timer: setTimeout(() => {
        this.running.delete(fragment);
        this.finished += 1;
        this.log('fragment-finished', { ms, stopping: this.stopping });
        response.end(JSON.stringify({ outcome: 'finished', ms }));
      }, ms),
    };
    this.running.add(fragment);
    // A client that gives up frees its fragment: it would never read the answer.
    response.once('close', () => {
      if (!this.running.delete(fragment)) return;
      clearTimeout(fragment.timer);
      this.log('fragment-abandoned', { ms });
    });
    this.log('fragment-started', { ms, running: this.running.size });
  }

  private handleHeartbeat(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://cn');
    if (request.method !== 'GET' || url.pathname !== '/heartbeat') {
      send(response, 404, JSON.stringify({ error: 'not found' }));
      return;
    }
    const { ports } = this.conf;
    send(
      response,
      200,
      JSON.stringify({
        status: this.stopping ? 'SHUTDOWN' : 'OK',
        bePort: ports.bePort,
        httpPort: ports.httpPort,
        brpcPort: ports.brpcPort,
        version: EMULATOR_VERSION,
        startTime: this.startTime,
      }),
    );
  }

  private counts(): { running: number; finished: number; refused: number; stopping: boolean } {
    return { running: this.running.size, finished: this.finished, refused: this.refused, stopping: this.stopping };
  }
}

function send(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(body);
}

/** The process: read cn.conf, listen, write the pid file, exit on signals as described at the top. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const log = jsonLineLog((line) => process.stdout.write(line));
  const confPath = env['CN_CONF'] ?? DEFAULT_CONF_PATH;
  const pidFile = env['CN_PID_FILE'] ?? DEFAULT_PID_FILE;
  const conf = readConf(confPath);
  const cn = new EmulatedCn(conf, log, env['CN_LISTEN_HOST'] ?? '0.0.0.0');

  const exit = (code: number, fields: Record<string, unknown>) => {
    log('exit', { code, cut: cn.runningFragments, ...fields });
    cn.cutAndClose();
    rmSync(pidFile, { force: true });
    process.exit(code);
  };
  const graceful = () => {
    cn.stopGracefully().then(
      (cut) => {
        if (cut > 0) log('fragments-cut', { count: cut, afterMs: conf.gracefulExitMs });
        exit(0, { reason: 'graceful' });
      },
      (error: unknown) => {
        exit(1, { reason: 'graceful stop failed', error: String(error) });
      },
    );
  };
  process.on('SIGTERM', graceful);
  process.on('SIGINT', graceful);
  process.on('SIGUSR2', () => {
    exit(137, { reason: 'killed (SIGUSR2)' });
  });

  await cn.start();
  try {
    writeFileSync(pidFile, `${process.pid}\n`);
  } catch (error) {
    // A read-only root file system: the CN still runs; only stop_cn.sh cannot find it.
    log('pid-file-unwritable', { pidFile, error: String(error) });
  }
  log('started', { pid: process.pid, ports: cn.ports, gracefulExitMs: conf.gracefulExitMs, version: EMULATOR_VERSION });
}

function readConf(confPath: string): EmulatorConf {
  let text = '';
  try {
    text = readFileSync(confPath, 'utf8');
  } catch (error) {
    // No cn.conf: the defaults, as a CN without a config map mounted over the image's file would have.
    if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
  }
  const parsed = parseEmulatorConf(text);
  if (!parsed.ok) throw new Error(`${confPath}: ${parsed.errors.join('; ')}`);
  return parsed.value;
}

// Run when executed (the bundled file in the image, or `node --import tsx process.ts`), not when imported.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main().catch((error: unknown) => {
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), event: 'failed', error: String(error) })}\n`,
    );
    process.exit(1);
  });
}
