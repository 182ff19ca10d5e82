// The FE simulator: several query ports (FE addresses) sharing one FE state, a version profile, IP or FQDN mode,
// heartbeats, users, fault injection and a record of every statement. See docs/fe-simulator.md.
import { isIP } from 'node:net';
import type { QueryEngine } from './query-engine.js';
import {
  Catalog,
  formatTime,
  type MembershipChange,
  type Row,
  type SimComputeNode,
  type SimQuery,
  type SimUser,
} from './catalog.js';
import { execute, analyzeHostPort, type ExecutionContext, type Resolver } from './executor.js';
import {
  HeartbeatLoop,
  LivenessTable,
  type HeartbeatOutcome,
  type HeartbeatProbe,
  type HeartbeatTarget,
} from './heartbeat.js';
import {
  DEFAULT_PROFILE,
  PROFILES,
  type HostMode,
  type Profile,
  type ProfileName,
  type SystemPrivilege,
} from './profiles.js';
import { FeHttpServer } from './http.js';
import { DEFAULT_IDLE_CHECK_INTERVAL_SECONDS, IdleChecker } from './idle.js';
import { FeListener, type FaultMode, type Reply, type Session } from './protocol.js';
import { parseStatement, splitStatements } from './sql.js';

export interface SimUserSpec {
  name: string;
  password: string;
  /** Built-in roles: 2.4 `operator` (NODE), `admin` (ADMIN only); 3.x `cluster_admin` (NODE), `db_admin`. */
  roles?: string[];
  /** 3.x: the roles active at login; default: all of `roles`. */
  defaultRoles?: string[];
  privileges?: SystemPrivilege[];
}

export interface SeedNode {
  /** `host:heartbeatPort` as the FE stores it. */
  address: string;
  alive?: boolean;
  warehouse?: string;
}

export interface FeSimulatorOptions {
  version?: ProfileName;
  hostMode?: HostMode;
  /** Loopback address to listen on. Default 127.0.0.1. */
  host?: string;
  /** One listener per entry (0 = ephemeral). Default: one ephemeral port. */
  ports?: number[];
  /** The root password (default empty, as on a fresh FE). */
  rootPassword?: string;
  users?: SimUserSpec[];
  /** Host name to IP for IP-mode ADD and FQDN-mode heartbeats. Never real DNS. */
  resolve?: Record<string, string> | Resolver;
  heartbeatPeriodMs?: number;
  heartbeatTimeoutMs?: number;
  /** Replaces the liveness table as the heartbeat target. */
  heartbeatProbe?: HeartbeatProbe;
  sharedData?: boolean;
  /** `enable_query_queue_v2`; default the profile's (on from 4.1). Refused where the version has no v2 queue. */
  queryQueueV2?: boolean;
  warehouses?: string[];
  /** Nodes registered before the test starts (other groups', added by hand). */
  computeNodes?: SeedNode[];
  backends?: SeedNode[];
  /** Keep at most this many statement records (oldest dropped). Default 10000. */
  maxStatementRecords?: number;
  /**
   * Names the peer of each new connection from its TCP port (e.g. which of a test's processes opened it, see
   * `loopbackClientPid`); the name goes on every statement of that connection as `client`.
   */
  identifyClient?: (clientPort: number) => string | undefined;
  /** The FE's HTTP port for GET /api/idle_status (0 = ephemeral); absent: none is opened. */
  httpPort?: number;
  /** `warehouse_idle_check_enable` (default false, as on a real FE) and its interval (default 60 s). */
  idleCheck?: { enabled?: boolean; intervalSeconds?: number };
}

export interface StatementRecord {
  at: Date;
  user: string;
  /** Index of the listener (FE address) that received it. */
  listener: number;
  port: number;
  connectionId: number;
  /** What `identifyClient` said of the connection's peer; undefined without it. */
  client: string | undefined;
  sql: string;
}

export const DEFAULT_HEARTBEAT_PERIOD_MS = 5000;
/** Statements the FE's idle checker does not count as work (StmtExecutor.shouldMarkIdleCheck, SqlUtils.isPreQuerySQL). */
const IDLE_CHECK_IGNORES: ReadonlySet<string> = new Set([
  'showBackends',
  'showComputeNodeBlacklist',
  'showComputeNodes',
  'showDatabases',
  'showFrontends',
  'showProc',
  'showRunningQueries',
  'set',
  'setRole',
  'selectVariables',
  'syntaxError',
]);
const MAX_SESSIONS_WITH_ROLES = 10_000;

export class FeSimulator {
  readonly profile: Profile;
  readonly hostMode: HostMode;
  readonly catalog: Catalog;
  readonly liveness: LivenessTable;
  readonly statements: StatementRecord[] = [];
  private readonly listeners: FeListener[];
  private readonly resolutions = new Map<string, string>();
  private readonly customResolver: Resolver | undefined;
  private readonly heartbeat: HeartbeatLoop;
  private readonly maxRecords: number;
  private probe: HeartbeatProbe;
  /** SET ROLE of each connection (`listener:connectionId`). */
  private readonly sessionRoles = new Map<string, string[]>();
  private started = false;
  /** The FE's idle checker (GET /api/idle_status): `enabled` and `intervalSeconds` are its two configs. */
  readonly idleChecker = new IdleChecker();
  private readonly http: FeHttpServer | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(options: FeSimulatorOptions = {}) {
    this.profile = PROFILES[options.version ?? DEFAULT_PROFILE];
    this.hostMode = options.hostMode ?? 'IP';
    this.catalog = new Catalog(this.profile, options.sharedData ?? false);
    if (options.queryQueueV2 === true && this.profile.queryQueueV2 === 'absent')
      throw new Error(`StarRocks ${this.profile.name} has no query queue v2 (it came with 3.3.4)`);
    this.catalog.queryQueueV2 = options.queryQueueV2 ?? this.profile.queryQueueV2 === 'on';
    this.maxRecords = options.maxStatementRecords ?? 10000;
    if (typeof options.resolve === 'function') this.customResolver = options.resolve;
    else for (const [host, ip] of Object.entries(options.resolve ?? {})) this.resolutions.set(host, ip);
    const rootUser = this.catalog.users.get('root');
    if (rootUser) rootUser.password = options.rootPassword ?? '';
    for (const user of options.users ?? []) this.addUser(user);
    for (const warehouse of options.warehouses ?? []) this.catalog.warehouses.add(warehouse);
    const periodMs = options.heartbeatPeriodMs ?? DEFAULT_HEARTBEAT_PERIOD_MS;
    const timeoutMs = options.heartbeatTimeoutMs ?? Math.min(periodMs, 5000);
    this.liveness = new LivenessTable(
      () => this.hostMode,
      this.resolve,
      () => timeoutMs,
    );
    this.probe = options.heartbeatProbe ?? this.liveness.probe;
    const probe: HeartbeatProbe = (target) => {
      const stopped = this.engineHeartbeat(target);
      return stopped === undefined ? this.probe(target) : Promise.resolve(stopped);
    };
    this.heartbeat = new HeartbeatLoop({ catalog: this.catalog, probe: () => probe, periodMs, timeoutMs });
    const host = options.host ?? '127.0.0.1';
    this.listeners = (options.ports ?? [0]).map(
      (port, index) =>
        new FeListener(index, host, port, {
          serverVersion: () => this.profile.serverVersion,
          passwordOf: (user) => this.catalog.users.get(user)?.password,
          received: (sql, session) => {
            this.recordQuery(sql, session);
          },
          query: (sql, session) => this.runQuery(sql, session),
          identifyClient: options.identifyClient,
        }),
    );
    this.idleChecker.enabled = options.idleCheck?.enabled ?? false;
    this.idleChecker.intervalSeconds = options.idleCheck?.intervalSeconds ?? DEFAULT_IDLE_CHECK_INTERVAL_SECONDS;
    this.http =
      options.httpPort === undefined
        ? undefined
        : new FeHttpServer({
            host,
            port: options.httpPort,
            hasIdleStatus: () => this.profile.hasIdleStatus,
            checker: this.idleChecker,
            check: () => {
              this.checkIdle();
            },
            passwordOf: (user) => this.catalog.users.get(user)?.password,
          });
    for (const seed of options.computeNodes ?? []) this.seedComputeNode(seed);
    for (const seed of options.backends ?? []) this.seedBackend(seed);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const listener of this.listeners) await listener.start();
    await this.http?.start();
    this.heartbeat.start();
    this.scheduleIdleCheck();
  }

  /** The FE's HTTP port; undefined when the simulator opened none (no `httpPort` option). */
  get httpPort(): number | undefined {
    return this.http?.port;
  }

  /** One run of the FE's idle checker, as its daemon and each GET /api/idle_status do. */
  checkIdle(nowMs = Date.now()): void {
    this.idleChecker.observe(this.catalog.activeWork(), nowMs);
  }

  /** The daemon: every `warehouse_idle_check_interval_seconds` (read again at each run, as the FE does). */
  private scheduleIdleCheck(): void {
    if (!this.started) return;
    this.idleTimer = setTimeout(() => {
      if (this.idleChecker.enabled) this.checkIdle();
      this.scheduleIdleCheck();
    }, this.idleChecker.intervalSeconds * 1000);
    this.idleTimer.unref();
  }

  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.idleTimer);
    await this.http?.stop();
    await this.heartbeat.stop();
    await Promise.all(this.listeners.map((listener) => listener.stop()));
  }

  get ports(): number[] {
    return this.listeners.map((listener) => listener.port);
  }

  /** `host:port` of every listener, what a client's FE address list holds. */
  get addresses(): string[] {
    return this.listeners.map((listener) => `${listener.host}:${listener.port}`);
  }

  /** Fault injection on one listener (index) or all. 'refuse' closes the port; 'normal' reopens it. */
  async setFault(mode: FaultMode, listener?: number): Promise<void> {
    for (const target of this.selectListeners(listener)) await target.setFault(mode);
  }

  setLatency(ms: number, listener?: number): void {
    for (const target of this.selectListeners(listener)) target.latencyMs = ms;
  }

  setHeartbeatProbe(probe: HeartbeatProbe): void {
    this.probe = probe;
  }

  /** Runs one heartbeat round now. */
  async runHeartbeats(rounds = 1): Promise<void> {
    for (let round = 0; round < rounds; round++) await this.heartbeat.runOnce();
  }

  setResolution(host: string, ip: string | undefined): void {
    if (ip === undefined) this.resolutions.delete(host);
    else this.resolutions.set(host, ip);
  }

  readonly resolve: Resolver = (host) => {
    if (isIP(host) !== 0) return host;
    return this.customResolver ? this.customResolver(host) : this.resolutions.get(host);
  };

  addUser(spec: SimUserSpec): void {
    const user: SimUser = {
      name: spec.name,
      password: spec.password,
      roles: spec.roles ?? [],
      // As `CREATE USER ... DEFAULT ROLE`: the roles given here are active at login unless defaultRoles says not.
      defaultRoles: spec.defaultRoles ?? spec.roles ?? [],
      privileges: spec.privileges ?? [],
    };
    this.catalog.users.set(spec.name, user);
  }

  /** Registers a node directly (no statement, no record), e.g. one another group or a human added. */
  seedComputeNode(seed: SeedNode): SimComputeNode {
    const { host, port } = this.parseSeed(seed.address);
    const node = this.catalog.newComputeNode(host, port, seed.warehouse);
    this.catalog.computeNodes.push(node);
    if (seed.alive) this.liveness.setAlive(seed.address, true);
    return node;
  }

  seedBackend(seed: SeedNode): void {
    const { host, port } = this.parseSeed(seed.address);
    this.catalog.backends.push({
      id: this.catalog.allocateId(),
      host,
      heartbeatPort: port,
      bePort: 9060,
      httpPort: 8040,
      brpcPort: 8060,
      alive: seed.alive ?? true,
      decommissioned: false,
      version: this.profile.nodeVersion,
    });
  }

  /** The registered compute nodes as `host:port`. */
  computeNodeAddresses(): string[] {
    return this.catalog.computeNodes.map((node) =>
      isIP(node.host) === 6 ? `[${node.host}]:${node.heartbeatPort}` : `${node.host}:${node.heartbeatPort}`,
    );
  }

  findComputeNode(address: string): SimComputeNode | undefined {
    const { host, port } = this.parseSeed(address);
    return this.catalog.findComputeNode(host, port);
  }

  /**
   * Sets the load the FE reports: every compute node reports `runningPerNode` queries at `cpuUsedPercent`, and
   * SHOW RUNNING QUERIES lists `running` RUNNING and `pending` PENDING queries. What a query workload would make the
   * FE say, without the workload.
   */
  /** `slotsPerQuery`: each listed query's slot estimate, shown only under queue v2 (1 under v1, as the FE does). */
  setLoad(load: {
    runningPerNode: number;
    cpuUsedPercent?: number;
    running?: number;
    pending?: number;
    slotsPerQuery?: number;
  }): void {
    this.catalog.load = { runningPerNode: load.runningPerNode, cpuUsedPercent: load.cpuUsedPercent ?? 0 };
    const queries: SimQuery[] = [];
    const slots = load.slotsPerQuery ?? 1;
    for (let i = 0; i < (load.running ?? 0); i++) queries.push({ id: `running-${i}`, state: 'RUNNING', slots });
    for (let i = 0; i < (load.pending ?? 0); i++) queries.push({ id: `pending-${i}`, state: 'PENDING', slots });
    this.catalog.queries = queries;
    if (this.idleChecker.enabled) this.checkIdle();
  }

  /** From now on the load and the queue the FE reports come from `engine` (see query-engine.ts). */
  attachQueryEngine(engine: QueryEngine): void {
    this.catalog.engine = engine;
  }

  /**
   * Plays the attached engine up to `nowMs` with the FE's view now: new fragments go only to CNs listed and alive
   * (a SHUTDOWN heartbeat makes a CN not alive), and the queries of a listed CN declared dead are cancelled.
   */
  advanceQueries(nowMs: number): void {
    const engine = this.catalog.engine;
    if (engine === undefined) return;
    const address = (node: SimComputeNode): string => `${node.host}:${node.heartbeatPort}`;
    const nodes = this.catalog.computeNodes;
    for (const node of nodes) if (node.bePort > 0) this.catalog.plannedBePorts.set(address(node), node.bePort);
    const blacklistedOn: string[][] = [];
    for (const listener of this.catalog.blacklistListeners()) {
      blacklistedOn[listener] = this.catalog.blacklistedAddresses(listener);
    }
    engine.setFeView({
      schedulable: nodes.filter((node) => node.alive).map(address),
      registered: nodes.map(address),
      dead: nodes.filter((node) => node.statusCode === 'DISCONNECTED').map(address),
      blacklistedOn,
      backends: this.catalog.backends
        .filter((backend) => backend.alive)
        .map((backend) => `${backend.host}:${backend.heartbeatPort}`),
    });
    engine.advance(nowMs);
    if (this.idleChecker.enabled) this.checkIdle();
  }

  /**
   * The heartbeat answer of a CN whose process the attached engine stopped: while it stops, SHUTDOWN from 3.4 and an
   * error before (the heartbeat handler refuses once the CN is shutting down); once it is gone, a refused connection.
   * Undefined for a CN the engine does not know stopped: the probe answers for it.
   */
  private engineHeartbeat(target: HeartbeatTarget): HeartbeatOutcome | undefined {
    const state = this.catalog.engine?.processState(target.address) ?? 'running';
    if (state === 'running') return undefined;
    if (state === 'exited') return { ok: false, error: 'java.net.ConnectException: Connection refused' };
    return this.profile.hasStatusCode
      ? { ok: false, shutdown: true }
      : { ok: false, error: 'Internal error: BE is shutting down' };
  }

  /** Statements whose text matches, e.g. /ALTER SYSTEM/i. */
  statementsMatching(pattern: RegExp): StatementRecord[] {
    return this.statements.filter((record) => pattern.test(record.sql));
  }

  /**
   * The addresses ADD or DROP statements changed since `since` (all when absent), in order: what the FE did, read
   * from its own log rather than from the statements' text.
   */
  membershipChanges(action: MembershipChange['action'], since?: Date): string[] {
    return this.membershipLog(action, since).map((change) => change.address);
  }

  /** The same, with the time the FE applied each change. */
  membershipLog(action: MembershipChange['action'], since?: Date): MembershipChange[] {
    return this.catalog.membershipLog.filter(
      (change) => change.action === action && (since === undefined || change.at >= since),
    );
  }

  clearStatements(): void {
    this.statements.length = 0;
  }

  private parseSeed(address: string): { host: string; port: number } {
    const parsed = analyzeHostPort(address.replace(/\s+/g, ''), this.contextFor('root', ''));
    if ('sqlState' in parsed) throw new Error(`seed address ${address}: ${parsed.message}`);
    return parsed;
  }

  private selectListeners(index: number | undefined): FeListener[] {
    if (index === undefined) return this.listeners;
    const listener = this.listeners[index];
    if (!listener) throw new Error(`no listener ${index}; the simulator has ${this.listeners.length}`);
    return [listener];
  }

  /** `session`: the connection, whose SET ROLE replaces the user's default roles until it ends. */
  private contextFor(userName: string, sql: string, session?: string, listener = 0): ExecutionContext {
    const stored = this.catalog.users.get(userName) ?? {
      name: userName,
      password: '',
      roles: [],
      defaultRoles: [],
      privileges: [],
    };
    const sessionRoles = session === undefined ? undefined : this.sessionRoles.get(session);
    const user = sessionRoles === undefined ? stored : { ...stored, defaultRoles: sessionRoles };
    return {
      catalog: this.catalog,
      hostMode: this.hostMode,
      resolve: this.resolve,
      user,
      frontendRows: () => this.frontendRows(),
      listener,
      sql,
      setSessionRoles: (roles) => {
        if (session === undefined) return;
        if (roles === undefined) this.sessionRoles.delete(session);
        else this.sessionRoles.set(session, roles);
        // Connections are not followed to their end: keep the map bounded instead.
        if (this.sessionRoles.size > MAX_SESSIONS_WITH_ROLES) {
          const oldest = this.sessionRoles.keys().next().value;
          if (oldest !== undefined) this.sessionRoles.delete(oldest);
        }
      },
    };
  }

  private recordQuery(sql: string, session: Session): void {
    const at = new Date();
    for (const statement of splitStatements(sql)) {
      this.record({
        at,
        user: session.user,
        listener: session.listener,
        port: this.listeners[session.listener]?.port ?? 0,
        connectionId: session.connectionId,
        client: session.client,
        sql: statement,
      });
    }
  }

  private runQuery(sql: string, session: Session): Reply {
    const reply: Reply = { results: [] };
    for (const statement of splitStatements(sql)) {
      const parsed = parseStatement(statement, {
        warehouses: this.profile.hasWarehouses,
        cnGroups: this.profile.hasCnGroups,
        computeNodeBlacklist: this.profile.hasComputeNodeBlacklist,
        killByQueryId: this.profile.hasKillQueryId,
      });
      // StmtExecutor.shouldMarkIdleCheck: every statement but SHOW, SET, `select @@` (and internal SQL) is work.
      if (this.idleChecker.enabled && !IDLE_CHECK_IGNORES.has(parsed.kind)) this.idleChecker.observe(1, Date.now());
      const outcome = execute(
        parsed,
        this.contextFor(session.user, statement, `${session.listener}:${session.connectionId}`, session.listener),
      );
      if (outcome.type === 'error') {
        reply.error = outcome.error;
        return reply;
      }
      reply.results.push(outcome.type === 'ok' ? { type: 'ok' } : outcome);
    }
    return reply;
  }

  private record(record: StatementRecord): void {
    this.statements.push(record);
    if (this.statements.length > this.maxRecords) this.statements.splice(0, this.statements.length - this.maxRecords);
  }

  private frontendRows(): Row[] {
    const startTime = formatTime(new Date());
    return this.listeners.map((listener, index) => ({
      Name: `${listener.host}_9010_${index}`,
      IP: listener.host,
      EditLogPort: '9010',
      HttpPort: '8030',
      QueryPort: String(listener.port),
      RpcPort: '9020',
      Role: index === 0 ? 'LEADER' : 'FOLLOWER',
      ClusterId: '1912345678',
      Join: 'true',
      Alive: String(listener.fault === 'normal'),
      ReplayedJournalId: '1000',
      LastHeartbeat: startTime,
      IsHelper: 'true',
      ErrMsg: '',
      StartTime: startTime,
      Version: this.profile.nodeVersion,
    }));
  }
}
