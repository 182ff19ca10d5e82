// The FE's metadata: compute nodes, backends, users. Pure state and row formatting; statement semantics live in
// executor.ts and liveness updates in heartbeat.ts.
import { SHARED_DATA_COLUMNS, type Profile, type SystemPrivilege } from './profiles.js';
import type { QueryEngine } from './query-engine.js';

export type StatusCode = 'CONNECTING' | 'OK' | 'SHUTDOWN' | 'DISCONNECTED';

export interface SimComputeNode {
  id: number;
  /** As stored: the IP in IP mode, the verbatim host string in FQDN mode. */
  host: string;
  heartbeatPort: number;
  bePort: number;
  httpPort: number;
  brpcPort: number;
  starletPort: number;
  alive: boolean;
  lastStartTime: Date | null;
  lastHeartbeat: Date | null;
  errMsg: string;
  version: string;
  statusCode: StatusCode;
  /** Consecutive failed heartbeats; the node is marked dead on the 4th. */
  consecutiveFailures: number;
  warehouse: string;
  cnGroup: string;
  cpuCores: number;
  /**
   * Shared-data: the StarOS worker StarMgr gave this CN, -1 until the leader's first good heartbeat that carries a
   * starlet port (`HeartbeatMgr.handleHbResponse` -> `StarOSAgent.addWorker`; ADD itself never calls StarOS).
   */
  workerId: number;
}

/** The load a test sets (FeSimulator.setLoad), reported by every node in NumRunningQueries and CpuUsedPct. */
export interface SimLoad {
  runningPerNode: number;
  cpuUsedPercent: number;
}

/** A query a test puts in the FE's queue (FeSimulator.setLoad). */
export interface SimQuery {
  id: string;
  state: 'RUNNING' | 'PENDING';
  /** Under queue v2, the slots the FE estimated for it (`LogicalSlot.numPhysicalSlots`); 1 when unset. */
  slots?: number;
}

export interface SimBackend {
  id: number;
  host: string;
  heartbeatPort: number;
  bePort: number;
  httpPort: number;
  brpcPort: number;
  alive: boolean;
  decommissioned: boolean;
  version: string;
}

export interface SimUser {
  name: string;
  password: string;
  /** Granted roles. */
  roles: string[];
  /** The granted roles active at login (3.x); the others give nothing until activated. */
  defaultRoles: string[];
  /** Granted directly, on top of what the roles give. */
  privileges: SystemPrivilege[];
}

/**
 * One node an ADD or DROP statement changed, as the FE applied it (not as the statement was spelled: quotes, case
 * and spaces do not matter). Tests ask this log which CNs were dropped, so a matcher on the SQL text cannot go
 * vacuous when the operator changes its quoting.
 */
export interface MembershipChange {
  action: 'add' | 'drop';
  /** `host:port` as the FE stores it (IPv6 in brackets). */
  address: string;
  at: Date;
}

export const DEFAULT_WAREHOUSE = 'default_warehouse';
const FIRST_NODE_ID = 10001;
/** Arbitrary: StarMgr's own numbering, kept apart from node ids so that code confusing the two fails here. */
const FIRST_WORKER_ID = 90001;

export type Row = Record<string, string | null>;

export class Catalog {
  readonly computeNodes: SimComputeNode[] = [];
  readonly backends: SimBackend[] = [];
  readonly users = new Map<string, SimUser>();
  readonly warehouses = new Set<string>([DEFAULT_WAREHOUSE]);
  /** SHOW RUNNING QUERIES rows: what a test put in the queue. */
  queries: SimQuery[] = [];
  load: SimLoad = { runningPerNode: 0, cpuUsedPercent: 0 };
  /** `enable_query_queue_v2` (FeSimulatorOptions.queryQueueV2, else the profile's default). */
  queryQueueV2 = false;
  /** Every node an ADD or DROP changed, in order. */
  readonly membershipLog: MembershipChange[] = [];
  /** A query workload (FeSimulator.attachQueryEngine): when set, the load and the queue come from it. */
  engine: QueryEngine | undefined;
  /**
   * The be_port each CN had when fragments were planned on it (`host:heartbeat_port` to be_port): a coordinator keeps
   * the address it planned with, so /current_backend_instances still names a CN the FE has dropped since.
   */
  readonly plannedBePorts = new Map<string, number>();
  /**
   * Per FE (listener index), the CN ids blacklisted by hand and when (4.x `qe/HostBlacklist`: each FE's own memory,
   * no edit log). An entry whose node was dropped is ignored, as the FE's update thread removes it within a second.
   */
  private readonly computeNodeBlacklists = new Map<number, Map<number, Date>>();
  private nextId = FIRST_NODE_ID;
  /**
   * Shared-data: StarOS workers by id (`host:starletPort`). StarMgr numbers them, not the FE, so they never equal a
   * node id; the simulator counts from FIRST_WORKER_ID.
   */
  readonly starosWorkers = new Map<number, string>();
  /** Every worker StarOS added or removed, in order (`StarOSAgent.addWorker` / `removeWorker`). */
  readonly starosLog: { action: 'addWorker' | 'removeWorker'; workerId: number; address: string }[] = [];
  private nextWorkerId = FIRST_WORKER_ID;

  constructor(
    readonly profile: Profile,
    readonly sharedData: boolean,
  ) {
    // run_mode = shared_data arrived with 3.0; the 2.4 FE has no StarOS at all.
    if (sharedData && profile.name === '2.4') throw new Error('shared-data needs StarRocks 3.0 or later, not 2.4');
    this.users.set('root', { name: 'root', password: '', roles: ['root'], defaultRoles: ['root'], privileges: [] });
  }

  allocateId(): number {
    return this.nextId++;
  }

  newComputeNode(host: string, heartbeatPort: number, warehouse = DEFAULT_WAREHOUSE, cnGroup = ''): SimComputeNode {
    return {
      id: this.allocateId(),
      host,
      heartbeatPort,
      bePort: -1,
      httpPort: -1,
      brpcPort: -1,
      starletPort: 0,
      alive: false,
      lastStartTime: null,
      lastHeartbeat: null,
      errMsg: '',
      version: '',
      statusCode: 'CONNECTING',
      consecutiveFailures: 0,
      warehouse,
      cnGroup,
      cpuCores: 0,
      workerId: -1,
    };
  }

  /**
   * Shared-data, after each heartbeat the leader applies: a CN alive with a starlet port and no worker yet becomes a
   * StarOS worker. A CN that dies later keeps its worker (StarMgr marks it down, the FE keeps the id).
   */
  registerStarosWorker(node: SimComputeNode): void {
    if (!this.sharedData || !node.alive || node.starletPort === 0 || node.workerId >= 0) return;
    node.workerId = this.nextWorkerId++;
    const address = `${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.starletPort}`;
    this.starosWorkers.set(node.workerId, address);
    this.starosLog.push({ action: 'addWorker', workerId: node.workerId, address });
  }

  findComputeNode(host: string, port: number): SimComputeNode | undefined {
    return this.computeNodes.find((node) => node.host === host && node.heartbeatPort === port);
  }

  findBackend(host: string, port: number): SimBackend | undefined {
    return this.backends.find((backend) => backend.host === host && backend.heartbeatPort === port);
  }

  /**
   * DROP: the node leaves the FE and, in shared-data, its StarOS worker at once, with no check of the shards it
   * serves (`SystemInfoService.dropComputeNode` -> `StarOSAgent.removeWorker`; StarMgr re-places them, not modelled).
   */
  removeComputeNode(node: SimComputeNode): void {
    const index = this.computeNodes.indexOf(node);
    if (index >= 0) this.computeNodes.splice(index, 1);
    const worker = this.starosWorkers.get(node.workerId);
    if (worker === undefined) return;
    this.starosWorkers.delete(node.workerId);
    this.starosLog.push({ action: 'removeWorker', workerId: node.workerId, address: worker });
  }

  /** Notes that a statement added or dropped `node` (seeded nodes are not logged). */
  logMembership(action: MembershipChange['action'], node: Pick<SimComputeNode, 'host' | 'heartbeatPort'>): void {
    const host = node.host.includes(':') ? `[${node.host}]` : node.host;
    this.membershipLog.push({ action, address: `${host}:${node.heartbeatPort}`, at: new Date() });
  }

  /** The roles whose privileges count now: all granted ones on 2.x, the default (active) ones on 3.x. */
  activeRoles(user: SimUser): string[] {
    if (!this.profile.roleActivation) return [...user.roles];
    return user.roles.filter((role) => user.defaultRoles.includes(role));
  }

  inactiveRoles(user: SimUser): string[] {
    const active = this.activeRoles(user);
    return user.roles.filter((role) => !active.includes(role));
  }

  privilegesOf(user: SimUser): Set<SystemPrivilege> {
    const granted = new Set<SystemPrivilege>(user.privileges);
    for (const role of this.activeRoles(user))
      for (const privilege of this.profile.rolePrivileges[role] ?? []) granted.add(privilege);
    return granted;
  }

  computeNodeColumns(): string[] {
    return this.sharedData
      ? [...this.profile.computeNodeColumns, ...SHARED_DATA_COLUMNS]
      : [...this.profile.computeNodeColumns];
  }

  /** SHOW COMPUTE NODES: sorted by IP then BePort, as the FE does. */
  runningQueryRows(): Row[] {
    const now = formatTime(new Date());
    const queries = this.engine === undefined ? this.queries : engineQueries(this.engine);
    const rows = queries.map((query) => ({
      QueryId: query.id,
      // 3.5+ only (the other profiles drop it): `-` for the default warehouse (id 0), else its id.
      WarehouseId: '-',
      ResourceGroupId: '-',
      StartTime: now,
      PendingTimeout: now,
      QueryTimeout: now,
      State: query.state,
      // Under v1 every query takes exactly 1 slot (DefaultSlotEstimator); under v2 the estimate.
      Slots: String(this.queryQueueV2 ? (query.slots ?? 1) : 1),
      Fragments: '1',
      DOP: '1',
      Frontend: 'fe-simulator',
      FeStartTime: now,
    }));
    return rows.map((row) => pick(row, this.profile.runningQueryColumns));
  }

  /** The jobs the FE's idle checker would count: the queries it lists (running or queued), or a load set by hand. */
  activeWork(): number {
    const listed = this.engine === undefined ? this.queries.length : engineQueries(this.engine).length;
    const loaded = this.engine === undefined && this.load.runningPerNode > 0 && this.computeNodes.length > 0 ? 1 : 0;
    return Math.max(listed, loaded);
  }

  private loadOf(node: SimComputeNode): SimLoad {
    if (this.engine === undefined) return this.load;
    const address = `${node.host}:${node.heartbeatPort}`;
    return { runningPerNode: this.engine.runningOn(address), cpuUsedPercent: this.engine.cpuPercent(address) };
  }

  blacklistComputeNode(listener: number, id: number): void {
    const entries = this.computeNodeBlacklists.get(listener) ?? new Map<number, Date>();
    entries.set(id, new Date());
    this.computeNodeBlacklists.set(listener, entries);
  }

  unblacklistComputeNode(listener: number, id: number): void {
    this.computeNodeBlacklists.get(listener)?.delete(id);
  }

  /** The addresses of the listed CNs this FE blacklisted by hand: it schedules no new fragment on them. */
  blacklistedAddresses(listener: number): string[] {
    const entries = this.computeNodeBlacklists.get(listener);
    if (entries === undefined) return [];
    return this.computeNodes.filter((node) => entries.has(node.id)).map((node) => `${node.host}:${node.heartbeatPort}`);
  }

  /** The FEs (listener indexes) that hold a blacklist. */
  blacklistListeners(): number[] {
    return [...this.computeNodeBlacklists.keys()];
  }

  /** SHOW COMPUTE NODE BLACKLIST on this FE (HostBlacklist.getShowData): a manual entry has no disconnect history. */
  computeNodeBlacklistRows(listener: number): Row[] {
    const entries = this.computeNodeBlacklists.get(listener) ?? new Map<number, Date>();
    return [...entries]
      .filter(([id]) => this.computeNodes.some((node) => node.id === id))
      .map(([id, since]) => ({
        ComputeNodeId: String(id),
        AddBlackListType: 'MANUAL',
        LostConnectionTime: formatTime(since),
        LostConnectionNumberInPeriod: '0',
        // black_host_connect_failures_within_time, which the FE prints under this title.
        'CheckTimePeriod(s)': '5',
      }));
  }

  computeNodeRows(): Row[] {
    const sorted = [...this.computeNodes].sort((a, b) =>
      a.host === b.host ? a.bePort - b.bePort : a.host < b.host ? -1 : 1,
    );
    const columns = this.computeNodeColumns();
    return sorted.map((node) => pick(computeNodeCells(node, this.loadOf(node)), columns));
  }

  backendColumns(): string[] {
    return BACKEND_COLUMNS;
  }

  backendRows(): Row[] {
    return this.backends.map((backend) => ({
      BackendId: String(backend.id),
      IP: backend.host,
      HeartbeatPort: String(backend.heartbeatPort),
      BePort: String(backend.bePort),
      HttpPort: String(backend.httpPort),
      BrpcPort: String(backend.brpcPort),
      LastStartTime: null,
      LastHeartbeat: null,
      Alive: String(backend.alive),
      SystemDecommissioned: String(backend.decommissioned),
      ClusterDecommissioned: 'false',
      TabletNum: '0',
      ErrMsg: '',
      Version: backend.version,
    }));
  }
}

const BACKEND_COLUMNS = [
  'BackendId',
  'IP',
  'HeartbeatPort',
  'BePort',
  'HttpPort',
  'BrpcPort',
  'LastStartTime',
  'LastHeartbeat',
  'Alive',
  'SystemDecommissioned',
  'ClusterDecommissioned',
  'TabletNum',
  'ErrMsg',
  'Version',
];

export const FRONTEND_COLUMNS = [
  'Name',
  'IP',
  'EditLogPort',
  'HttpPort',
  'QueryPort',
  'RpcPort',
  'Role',
  'ClusterId',
  'Join',
  'Alive',
  'ReplayedJournalId',
  'LastHeartbeat',
  'IsHelper',
  'ErrMsg',
  'StartTime',
  'Version',
];

function computeNodeCells(node: SimComputeNode, load: SimLoad): Row {
  const heartbeated = node.lastHeartbeat !== null;
  return {
    ComputeNodeId: String(node.id),
    IP: node.host,
    HeartbeatPort: String(node.heartbeatPort),
    BePort: String(node.bePort),
    HttpPort: String(node.httpPort),
    BrpcPort: String(node.brpcPort),
    LastStartTime: formatTime(node.lastStartTime),
    LastHeartbeat: formatTime(node.lastHeartbeat),
    Alive: String(node.alive),
    SystemDecommissioned: 'false',
    ClusterDecommissioned: 'false',
    ErrMsg: node.errMsg,
    Version: node.version,
    CpuCores: String(node.cpuCores),
    MemLimit: heartbeated ? '16.000GB' : '0.000B',
    NumRunningQueries: String(load.runningPerNode),
    MemUsedPct: '0.00 %',
    CpuUsedPct: `${load.cpuUsedPercent.toFixed(1)} %`,
    DataCacheMetrics: 'N/A',
    HasStoragePath: 'false',
    StatusCode: node.statusCode,
    StarletPort: String(node.starletPort),
    WorkerId: String(node.workerId),
    WarehouseName: node.warehouse,
    TabletNum: '0',
  };
}

function engineQueries(engine: QueryEngine): SimQuery[] {
  const { running, pending } = engine.queue();
  return [
    ...Array.from({ length: running }, (_, i): SimQuery => ({ id: `running-${i}`, state: 'RUNNING' })),
    ...Array.from({ length: pending }, (_, i): SimQuery => ({ id: `pending-${i}`, state: 'PENDING' })),
  ];
}

function pick(cells: Row, columns: readonly string[]): Row {
  const row: Row = {};
  for (const column of columns) row[column] = cells[column] ?? null;
  return row;
}

/** `yyyy-MM-dd HH:mm:ss` (UTC here, the FE's own time zone in reality), or SQL NULL. */
export function formatTime(time: Date | null): string | null {
  if (time === null) return null;
  return time.toISOString().slice(0, 19).replace('T', ' ');
}
