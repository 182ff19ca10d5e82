// What differs between FE versions, as written in starrocks-fe.md: handshake, version strings, columns, error texts
// and codes, DROP semantics, privileges. Everything version-specific in the simulator is looked up here.

export type ProfileName = '2.4' | '3.3' | '3.4' | '3.5' | '4.1';
export const PROFILE_NAMES: readonly ProfileName[] = ['2.4', '3.3', '3.4', '3.5', '4.1'];
/** The profile of a simulator started without a version (the standalone one too). */
export const DEFAULT_PROFILE: ProfileName = '3.5';
/** The newest profile: what `--version latest` of the standalone simulator means. */
export const NEWEST_PROFILE: ProfileName = '4.1';

export type HostMode = 'IP' | 'FQDN';

/** An error packet: code, SQLSTATE and text. */
export interface SqlError {
  code: number;
  sqlState: string;
  message: string;
}

export type SystemPrivilege = 'NODE' | 'OPERATE' | 'BLACKLIST' | 'ADMIN';

export interface Profile {
  name: ProfileName;
  /** Handshake server version: `5.1.0` up to 3.3, `8.0.33` from 3.4. */
  serverVersion: string;
  /** `SELECT @@version_comment`. */
  versionComment: string;
  /** The Version a CN of the same release reports on heartbeat. */
  nodeVersion: string;
  /** SHOW COMPUTE NODES columns in shared-nothing mode. */
  computeNodeColumns: readonly string[];
  /** `SHOW RUNNING QUERIES` (3.1.4 and later); before, the statement is a syntax error. */
  hasRunningQueries: boolean;
  /** Its columns: 11 from 3.1.4, `WarehouseId` after `QueryId` from 3.5 (ShowRunningQueriesStmt). */
  runningQueryColumns: readonly string[];
  /**
   * The slot-based query queue v2 (`enable_query_queue_v2`, not mutable): absent before 3.3.4, off by default up to
   * 4.0, on from 4.1 (#67462). Under v1 every queued query takes 1 slot; under v2 `Slots` is the FE's estimate.
   */
  queryQueueV2: 'absent' | 'off' | 'on';
  /** From 3.4 on: StatusCode column and SHUTDOWN handling. */
  hasStatusCode: boolean;
  /**
   * `KILL QUERY '<query id>'` (3.4+, #47632; the FE finds the coordinator among all FEs). Without it KILL takes a
   * connection id only, and `/current_queries` fails while a query uses a CN the FE no longer lists (3.3).
   */
  hasKillQueryId: boolean;
  /**
   * How long a CN of this release waits on SIGTERM for its running fragments: `loop_count_wait_fragments_finish`
   * x 10 s (be/src/common/config.h), 0 up to 3.3, 2 (20 s) from 3.4.
   */
  cnGracefulWaitMs: number;
  /** `INTO WAREHOUSE` / `FROM WAREHOUSE` clauses (3.4+; `addComputeNodeClause` in StarRocks.g4). */
  hasWarehouses: boolean;
  /** `... WAREHOUSE w CNGROUP g` (4.x grammar; the default warehouse answers 5912, it has no CN groups). */
  hasCnGroups: boolean;
  /**
   * `ADD | DELETE COMPUTE NODE BLACKLIST <id>[, ...]` and `SHOW COMPUTE NODE BLACKLIST` (4.0+, #60830): held in each
   * FE's memory, never forwarded; a blacklisted CN gets no new fragments from that FE and is still heartbeated.
   */
  hasComputeNodeBlacklist: boolean;
  /**
   * `GET /api/idle_status` on the HTTP port (http/rest/IdleAction.java, #53850): in 3.3.8+ and 3.4.0+, so not in the
   * 3.3.0 this profile is. Before, the FE's not-found action answers (401 without credentials, 404 with them).
   */
  hasIdleStatus: boolean;
  /** `SHOW PROC '/current_queries'` columns (CurrentQueryStatisticsProcDir.TITLE_NAMES). */
  currentQueryColumns: readonly string[];
  /** 2.4 checks every node of a DROP first; 3.3+ drops one by one and stops at the first unknown node. */
  dropAllOrNothing: boolean;
  /** IP mode: does DROP resolve host names? 2.4 yes; from 3.1 DROP must use the stored IP. */
  dropResolvesHostNames: boolean;
  /** `SELECT 1` answered by the FE itself from 3.3 on; before, it needs an alive BE. */
  selectOneWithoutBackend: boolean;
  /** Privileges given by built-in roles. */
  rolePrivileges: Readonly<Record<string, readonly SystemPrivilege[]>>;
  /** 3.x: a granted role gives its privileges only while active (a default role, at login); 2.x: always. */
  roleActivation: boolean;
  /** Privileges that allow SHOW COMPUTE NODES / BACKENDS / FRONTENDS. */
  showPrivileges: readonly SystemPrivilege[];
  /** Privileges that allow SHOW PROC and a KILL of another user's query: ADMIN on 2.x, OPERATE from 3.0. */
  procPrivileges: readonly SystemPrivilege[];
  errors: ProfileErrors;
}

export interface ProfileErrors {
  computeNodeExists(host: string, port: number): SqlError;
  backendExists(host: string, port: number): SqlError;
  computeNodeNotFound(host: string, port: number): SqlError;
  notInWarehouse(host: string, port: number, warehouse: string): SqlError;
  unknownWarehouse(warehouse: string): SqlError;
  /** Malformed address: text as written in the statement (whitespace already stripped). */
  invalidHostPort(text: string): SqlError;
  /** A port that is not a number: 3.x parses it with Integer.parseInt inside a catch-all. */
  portNotNumber(text: string, portText: string): SqlError;
  /** A port outside 1-65535: thrown inside the same catch-all on 3.x. */
  portOutOfRange(text: string, port: number): SqlError;
  hostIsNull(): SqlError;
  unknownHost(host: string): SqlError;
  syntax(sql: string, column: number, near: string): SqlError;
  /** `roles`: the active roles; `inactive`: granted but not active (3.x names both in the text). */
  nodePrivilegeDenied(user: string, roles: readonly string[], inactive: readonly string[]): SqlError;
  showPrivilegeDenied(user: string, roles: readonly string[], inactive: readonly string[]): SqlError;
  /** Approximation (the reference gives no text): CREATE USER, GRANT and SET DEFAULT ROLE without GRANT. */
  grantPrivilegeDenied(user: string, roles: readonly string[], inactive: readonly string[]): SqlError;
  /** Approximation: CREATE USER of an existing user without IF NOT EXISTS. */
  userExists(user: string): SqlError;
  /** Approximation: a GRANT or SET DEFAULT ROLE naming an unknown user or role. */
  unknownUser(user: string): SqlError;
  unknownRole(role: string): SqlError;
  accessDenied(user: string, usedPassword: boolean): SqlError;
  backendNotFound(host: string, port: number): SqlError;
  noAliveBackend(): SqlError;
  /** 4.x blacklist statements: an id that is not a CN's. */
  computeNodeIdNotFound(id: number): SqlError;
  /** 4.x blacklist statements without the BLACKLIST privilege. */
  blacklistPrivilegeDenied(user: string, roles: readonly string[], inactive: readonly string[]): SqlError;
  /** 4.x: CNGROUP on the default warehouse (ERR_CNGROUP_NOT_IMPLEMENTED). */
  cnGroupNotImplemented(): SqlError;
}

const ANALYSIS = 'Getting analyzing error. Detail message: ';

const ddl = (message: string): SqlError => ({ code: 1064, sqlState: 'HY000', message });

const COMMON_13 = [
  'ComputeNodeId',
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
  'ErrMsg',
  'Version',
] as const;

const COLUMNS_3_3 = [
  ...COMMON_13,
  'CpuCores',
  'MemLimit',
  'NumRunningQueries',
  'MemUsedPct',
  'CpuUsedPct',
  'DataCacheMetrics',
  'HasStoragePath',
] as const;

/** Appended in shared-data mode (any version that has it). */
export const SHARED_DATA_COLUMNS = ['StarletPort', 'WorkerId', 'WarehouseName', 'TabletNum'] as const;

const RUNNING_QUERY_COLUMNS = [
  'QueryId',
  'ResourceGroupId',
  'StartTime',
  'PendingTimeout',
  'QueryTimeout',
  'State',
  'Slots',
  'Fragments',
  'DOP',
  'Frontend',
  'FeStartTime',
] as const;

const accessDenied = (user: string, usedPassword: boolean): SqlError => ({
  code: 1045,
  sqlState: '28000',
  message: `Access denied for user '${user}' (using password: ${usedPassword ? 'YES' : 'NO'})`,
});

const newPrivilegeText = (privilege: string, roles: readonly string[], inactive: readonly string[]): string =>
  `Access denied; you need (at least one of) the ${privilege} privilege(s) on SYSTEM for this operation. ` +
  'Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. ' +
  `Current role(s): [${['public', ...roles].join(', ')}]. ` +
  `Inactivated role(s): ${inactive.length === 0 ? 'NONE' : `[${inactive.join(', ')}]`}.`;

const commonErrors = {
  userExists: (user: string) => ({
    code: 1396,
    sqlState: 'HY000',
    message: `Operation CREATE USER failed for '${user}'@'%' : user already exists`,
  }),
  unknownUser: (user: string) => ddl(`user '${user}'@'%' not exist`),
  unknownRole: (role: string) => ddl(`cannot find role ${role}!`),
  computeNodeNotFound: (host: string, port: number) => ddl(`compute node does not exists[${host}:${port}]`),
  accessDenied,
  backendNotFound: (host: string, port: number) => ddl(`Backend does not exist[${host}:${port}]`),
  noAliveBackend: () => ddl('Backend node not found. Check if any backend node is down.'),
  // Reached only where the statements exist (4.x; a syntax error before). StmtExecutor: a plain StarRocksException.
  computeNodeIdNotFound: (id: number) => ddl(`Not found compute node: ${id}`),
  blacklistPrivilegeDenied: (_user: string, roles: readonly string[], inactive: readonly string[]) => ({
    code: 5203,
    sqlState: '42000',
    message: newPrivilegeText('BLACKLIST', roles, inactive),
  }),
  cnGroupNotImplemented: () => ({ code: 5912, sqlState: '0A000', message: 'CNGroup feature not implemented' }),
};

/** From 3.3 the FE prints `host:port` with an IPv6 host in brackets (`[fd00::9]:9050`), as ADD and DROP take it. */
const accessible = (host: string, port: number): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

const newErrors: Omit<ProfileErrors, 'computeNodeExists' | 'backendExists'> = {
  ...commonErrors,
  computeNodeNotFound: (host, port) => ddl(`compute node does not exists[${accessible(host, port)}]`),
  backendNotFound: (host, port) => ddl(`Backend does not exist[${accessible(host, port)}]`),
  notInWarehouse: (host, port, warehouse) =>
    ddl(`compute node [${accessible(host, port)}] does not exist in warehouse ${warehouse}`),
  unknownWarehouse: (warehouse) => ({
    code: 5901,
    sqlState: '42000',
    message: `Warehouse name: ${warehouse} not exist.`,
  }),
  invalidHostPort: (text) => ddl(`${ANALYSIS}Invalid host port: ${text}.`),
  // SystemInfoService.validateHostAndPort: every exception of the port check becomes "Encounter unknown exception".
  portNotNumber: (_text, portText) => ddl(`${ANALYSIS}Encounter unknown exception: For input string: "${portText}".`),
  portOutOfRange: (_text, port) => ddl(`${ANALYSIS}Encounter unknown exception: Port is out of range: ${port}.`),
  hostIsNull: () => ddl(`${ANALYSIS}Host is null.`),
  unknownHost: (host) => ddl(`${ANALYSIS}Unknown host: ${host}: Name or service not known.`),
  syntax: (_sql, column, near) =>
    ddl(
      `Getting syntax error at line 1, column ${column}. Detail message: Unexpected input '${near}', ` +
        "the most similar input is {<EOF>, ';'}.",
    ),
  nodePrivilegeDenied: (_user, roles, inactive) => ({
    code: 5203,
    sqlState: '42000',
    message: newPrivilegeText('NODE', roles, inactive),
  }),
  showPrivilegeDenied: (_user, roles, inactive) => ({
    code: 5203,
    sqlState: '42000',
    message: newPrivilegeText('OPERATE', roles, inactive),
  }),
  grantPrivilegeDenied: (_user, roles, inactive) => ({
    code: 5203,
    sqlState: '42000',
    message: newPrivilegeText('GRANT', roles, inactive),
  }),
};

const errors24: ProfileErrors = {
  ...commonErrors,
  computeNodeExists: (host, port) => ddl(`Same compute node already exists[${host}:${port}]`),
  backendExists: (host, port) => ddl(`Same backend already exists[${host}:${port}]`),
  // 2.4 has no warehouses; these are never reached because the clause is a syntax error there.
  notInWarehouse: (host, port) => commonErrors.computeNodeNotFound(host, port),
  unknownWarehouse: (warehouse) => ddl(`Unknown warehouse ${warehouse}`),
  // 2.4 reports every address problem with one text.
  invalidHostPort: () => ddl('compute node host or port is wrong!'),
  portNotNumber: () => ddl('compute node host or port is wrong!'),
  portOutOfRange: () => ddl('compute node host or port is wrong!'),
  hostIsNull: () => ddl('compute node host or port is wrong!'),
  unknownHost: () => ddl('compute node host or port is wrong!'),
  // Not in the reference: the 2.4 parser's shape, kept recognisable.
  syntax: (sql, column, near) => ddl(`Syntax error in line 1:\n${sql}\n${' '.repeat(column)}^\nEncountered: ${near}`),
  // A real 2.4 bug prints the user name where the privilege should be.
  nodePrivilegeDenied: (user) =>
    ddl(`Access denied; you need (at least one of) the ${user} privilege(s) for this operation`),
  // Not in the reference: 2.4 SHOW statements are denied with MySQL's ER_SPECIFIC_ACCESS_DENIED.
  showPrivilegeDenied: () => ({
    code: 1227,
    sqlState: '42000',
    message: 'Access denied; you need (at least one of) the ADMIN/NODE privilege(s) for this operation',
  }),
  grantPrivilegeDenied: () => ({
    code: 1227,
    sqlState: '42000',
    message: 'Access denied; you need (at least one of) the GRANT privilege(s) for this operation',
  }),
};

const errors32: Pick<ProfileErrors, 'computeNodeExists' | 'backendExists'> = {
  computeNodeExists: (host, port) => ddl(`Compute node already exists with same host ${host} and port ${port}`),
  backendExists: (host, port) => ddl(`Backend already exists with same host ${host} and port ${port}`),
};

const ROLES_24: Record<string, readonly SystemPrivilege[]> = {
  root: ['NODE', 'ADMIN'],
  operator: ['NODE', 'ADMIN'],
  admin: ['ADMIN'],
};
// AuthorizationMgr (3.3, 3.4, 3.5, 4.1; docs/notes/fe-profiles-3.4-3.5-4.1.md §8): cluster_admin has NODE only (and warehouse rights), so it may
// not SHOW PROC or KILL another user's query; db_admin has the other SYSTEM privileges but NODE and GRANT.
const ROLES_3: Record<string, readonly SystemPrivilege[]> = {
  root: ['NODE', 'OPERATE', 'BLACKLIST'],
  cluster_admin: ['NODE'],
  // It may SHOW COMPUTE NODES (OPERATE), never ALTER SYSTEM.
  db_admin: ['OPERATE', 'BLACKLIST'],
  user_admin: [],
};

const CURRENT_QUERY_COLUMNS_3_3 = [
  'StartTime',
  'feIp',
  'QueryId',
  'ConnectionId',
  'Database',
  'User',
  'ScanBytes',
  'ScanRows',
  'MemoryUsage',
  'DiskSpillSize',
  'CPUTime',
  'ExecTime',
  'Warehouse',
  'ResourceGroup',
];
/** 3.4 adds CustomQueryId before ResourceGroup. */
const CURRENT_QUERY_COLUMNS_3_4 = [...CURRENT_QUERY_COLUMNS_3_3.slice(0, 13), 'CustomQueryId', 'ResourceGroup'];
/** 3.5 adds ExecProgress after ExecTime. */
const CURRENT_QUERY_COLUMNS_3_5 = [
  ...CURRENT_QUERY_COLUMNS_3_4.slice(0, 12),
  'ExecProgress',
  ...CURRENT_QUERY_COLUMNS_3_4.slice(12),
];
/** 4.x adds ExecState (PENDING / RUNNING, #62261) after ExecProgress. */
const CURRENT_QUERY_COLUMNS_4 = [
  ...CURRENT_QUERY_COLUMNS_3_5.slice(0, 13),
  'ExecState',
  ...CURRENT_QUERY_COLUMNS_3_5.slice(13),
];

const PROFILE_2_4: Profile = {
  name: '2.4',
  serverVersion: '5.1.0',
  versionComment: 'StarRocks version 2.4.0',
  nodeVersion: '2.4.0-c0fa2bb',
  computeNodeColumns: COMMON_13,
  hasRunningQueries: false,
  runningQueryColumns: RUNNING_QUERY_COLUMNS,
  queryQueueV2: 'absent',
  hasStatusCode: false,
  hasKillQueryId: false,
  cnGracefulWaitMs: 0,
  hasWarehouses: false,
  hasCnGroups: false,
  hasComputeNodeBlacklist: false,
  hasIdleStatus: false,
  currentQueryColumns: CURRENT_QUERY_COLUMNS_3_3,
  dropAllOrNothing: true,
  dropResolvesHostNames: true,
  selectOneWithoutBackend: false,
  rolePrivileges: ROLES_24,
  roleActivation: false,
  showPrivileges: ['ADMIN', 'NODE'],
  procPrivileges: ['ADMIN'],
  errors: errors24,
};

// Each later profile is the one before it and what changed (docs/notes/fe-profiles-3.4-3.5-4.1.md).
const PROFILE_3_3: Profile = {
  ...PROFILE_2_4,
  name: '3.3',
  versionComment: '3.3.0-rc01-3b8cb0c',
  nodeVersion: '3.3.0-rc01-3b8cb0c',
  computeNodeColumns: COLUMNS_3_3,
  hasRunningQueries: true,
  dropAllOrNothing: false,
  dropResolvesHostNames: false,
  selectOneWithoutBackend: true,
  rolePrivileges: ROLES_3,
  roleActivation: true,
  showPrivileges: ['OPERATE', 'NODE'],
  procPrivileges: ['OPERATE'],
  errors: { ...newErrors, ...errors32 },
};

const PROFILE_3_4: Profile = {
  ...PROFILE_3_3,
  name: '3.4',
  serverVersion: '8.0.33',
  versionComment: '3.4.5-2c4e3b0',
  nodeVersion: '3.4.5-2c4e3b0',
  computeNodeColumns: [...COLUMNS_3_3, 'StatusCode'],
  hasStatusCode: true,
  hasKillQueryId: true,
  queryQueueV2: 'off',
  cnGracefulWaitMs: 20_000,
  hasWarehouses: true,
  hasIdleStatus: true,
  currentQueryColumns: CURRENT_QUERY_COLUMNS_3_4,
  // ERR_UNKNOWN_WAREHOUSE was 10001 in 3.4, 5901 from 3.5 (common/ErrorCode.java).
  errors: {
    ...PROFILE_3_3.errors,
    unknownWarehouse: (warehouse) => ({
      code: 10001,
      sqlState: '42000',
      message: `Warehouse name: ${warehouse} not exist.`,
    }),
  },
};

const PROFILE_3_5: Profile = {
  ...PROFILE_3_4,
  name: '3.5',
  versionComment: '3.5.2-69b2a4e',
  nodeVersion: '3.5.2-69b2a4e',
  currentQueryColumns: CURRENT_QUERY_COLUMNS_3_5,
  runningQueryColumns: [RUNNING_QUERY_COLUMNS[0], 'WarehouseId', ...RUNNING_QUERY_COLUMNS.slice(1)],
  errors: PROFILE_3_3.errors,
};

const PROFILE_4_1: Profile = {
  ...PROFILE_3_5,
  name: '4.1',
  versionComment: '4.1.0-ad83983',
  nodeVersion: '4.1.0-ad83983',
  hasCnGroups: true,
  hasComputeNodeBlacklist: true,
  currentQueryColumns: CURRENT_QUERY_COLUMNS_4,
  queryQueueV2: 'on',
};

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  '2.4': PROFILE_2_4,
  '3.3': PROFILE_3_3,
  '3.4': PROFILE_3_4,
  '3.5': PROFILE_3_5,
  '4.1': PROFILE_4_1,
};

export function isProfileName(value: string): value is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(value);
}
