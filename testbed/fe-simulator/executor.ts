// Statement semantics per version (starrocks-fe.md sections 1-4): analysis first (address syntax, resolution,
// warehouses), then the privilege check, then the change. Pure apart from the catalog it mutates.
import { isIP } from 'node:net';
import { DEFAULT_WAREHOUSE, FRONTEND_COLUMNS, type Catalog, type Row, type SimUser } from './catalog.js';
import type { HostMode, SqlError, SystemPrivilege } from './profiles.js';
import type { Statement } from './sql.js';

export type Outcome =
  | { type: 'ok'; affectedRows?: number }
  | { type: 'rows'; columns: string[]; rows: Row[] }
  | { type: 'error'; error: SqlError };

/** Host name to IP, as the leader FE's resolver would answer; undefined = unknown host. Never real DNS. */
export type Resolver = (host: string) => string | undefined;

export interface ExecutionContext {
  catalog: Catalog;
  hostMode: HostMode;
  resolve: Resolver;
  user: SimUser;
  /** SHOW FRONTENDS rows, built by the server from its listeners. */
  frontendRows: () => Row[];
  /** Which FE (listener index) runs the statement: the per-FE PROCs answer for it. */
  listener: number;
  /** The original statement text, for syntax error messages. */
  sql: string;
  /** SET ROLE: the roles active in this session from now on (undefined: back to the default roles). */
  setSessionRoles: (roles: string[] | undefined) => void;
}

interface HostPort {
  host: string;
  port: number;
}

export function execute(statement: Statement, context: ExecutionContext): Outcome {
  const { catalog } = context;
  const errors = catalog.profile.errors;
  switch (statement.kind) {
    case 'syntaxError':
      return fail(errors.syntax(context.sql, statement.column, statement.near));
    case 'addComputeNodes':
      return addComputeNodes(statement.addresses, statement.warehouse, statement.cnGroup, context);
    case 'dropComputeNodes':
      return dropComputeNodes(statement.addresses, statement.warehouse, statement.cnGroup, context);
    case 'addBackends':
    case 'dropBackends':
    case 'decommissionBackends':
      return changeBackends(statement.kind, statement.addresses, context);
    case 'showComputeNodes':
      return show(context, () => ({ columns: catalog.computeNodeColumns(), rows: catalog.computeNodeRows() }));
    case 'showRunningQueries':
      // No privilege needed; a syntax error before 3.1.4, at the word the old grammar does not know.
      if (!catalog.profile.hasRunningQueries) {
        return fail(errors.syntax(context.sql, 'SHOW '.length, 'RUNNING'));
      }
      return { type: 'rows', columns: [...catalog.profile.runningQueryColumns], rows: catalog.runningQueryRows() };
    case 'showBackends':
      return show(context, () => ({ columns: catalog.backendColumns(), rows: catalog.backendRows() }));
    case 'showFrontends':
      return show(context, () => ({ columns: FRONTEND_COLUMNS, rows: context.frontendRows() }));
    case 'showProc':
      return showProc(statement.path, context);
    case 'showDatabases':
      return {
        type: 'rows',
        columns: ['Database'],
        rows: [{ Database: '_statistics_' }, { Database: 'information_schema' }],
      };
    case 'selectVariables':
      return selectVariables(statement.names, context);
    case 'selectLiteral':
      return selectLiteral(statement.value, context);
    case 'set':
    case 'use':
      return { type: 'ok' };
    case 'killConnection':
      // The simulator runs no client statement on its connections: no connection id is ever running one.
      return fail({ code: 1094, sqlState: 'HY000', message: `Unknown thread id: ${statement.connectionId}` });
    case 'killQuery':
      return killQuery(statement.queryId, context);
    case 'addComputeNodeBlacklist':
    case 'deleteComputeNodeBlacklist':
      return changeBlacklist(statement.kind === 'addComputeNodeBlacklist' ? 'add' : 'delete', statement.ids, context);
    case 'showComputeNodeBlacklist':
      return withBlacklistPrivilege(context, () => ({
        type: 'rows',
        columns: BLACKLIST_COLUMNS,
        rows: catalog.computeNodeBlacklistRows(context.listener),
      }));
    case 'setRole':
      return setRole(statement.roles, context);
    case 'createUser':
    case 'grantRoles':
    case 'grantPrivileges':
    case 'setDefaultRole':
      return manageUsers(statement, context);
  }
}

type UserStatement = Extract<Statement, { kind: 'createUser' | 'grantRoles' | 'grantPrivileges' | 'setDefaultRole' }>;

/** 2.4 names system privileges `NODE_PRIV` / `ADMIN_PRIV` on `*.*`; 3.x `NODE` / `OPERATE` on SYSTEM. */
const PRIVILEGE_NAMES: Readonly<Record<string, SystemPrivilege>> = {
  NODE: 'NODE',
  OPERATE: 'OPERATE',
  NODE_PRIV: 'NODE',
  ADMIN_PRIV: 'ADMIN',
};

/** CREATE USER, GRANT, SET DEFAULT ROLE as a DBA writes them: only root and user_admin may (the GRANT privilege). */
function manageUsers(statement: UserStatement, context: ExecutionContext): Outcome {
  const { catalog, user } = context;
  const errors = catalog.profile.errors;
  const active = catalog.activeRoles(user);
  if (user.name !== 'root' && !active.includes('root') && !active.includes('user_admin')) {
    return fail(errors.grantPrivilegeDenied(user.name, active, catalog.inactiveRoles(user)));
  }
  const knownRole = (role: string): boolean => role in catalog.profile.rolePrivileges;
  if (statement.kind === 'createUser') {
    if (catalog.users.has(statement.user))
      return statement.ifNotExists ? { type: 'ok' } : fail(errors.userExists(statement.user));
    const unknown = statement.defaultRoles.find((role) => !knownRole(role));
    if (unknown !== undefined) return fail(errors.unknownRole(unknown));
    // DEFAULT ROLE grants the roles and makes them active at login.
    catalog.users.set(statement.user, {
      name: statement.user,
      password: statement.password,
      roles: [...statement.defaultRoles],
      defaultRoles: [...statement.defaultRoles],
      privileges: [],
    });
    return { type: 'ok' };
  }
  const target = catalog.users.get(statement.user);
  if (target === undefined) return fail(errors.unknownUser(statement.user));
  switch (statement.kind) {
    case 'grantRoles': {
      const unknown = statement.roles.find((role) => !knownRole(role));
      if (unknown !== undefined) return fail(errors.unknownRole(unknown));
      // Granted, not active: on 3.x the user must make it a default role (or SET ROLE) before it counts.
      for (const role of statement.roles) if (!target.roles.includes(role)) target.roles.push(role);
      return { type: 'ok' };
    }
    case 'grantPrivileges': {
      const wanted = catalog.profile.roleActivation ? 'SYSTEM' : '*.*';
      if (statement.on !== wanted) return fail(errors.syntax(context.sql, 0, statement.on));
      for (const name of statement.privileges) {
        const privilege = PRIVILEGE_NAMES[name];
        if (privilege === undefined) return fail(errors.syntax(context.sql, 0, name));
        if (!target.privileges.includes(privilege)) target.privileges.push(privilege);
      }
      return { type: 'ok' };
    }
    case 'setDefaultRole': {
      const roles = statement.roles === 'ALL' ? [...target.roles] : statement.roles === 'NONE' ? [] : statement.roles;
      const notGranted = roles.find((role) => !target.roles.includes(role));
      if (notGranted !== undefined) return fail(errors.unknownRole(notGranted));
      target.defaultRoles = [...roles];
      return { type: 'ok' };
    }
  }
}

/** 3.x SET ROLE: only granted roles can be activated; 2.x has no activation, so the statement changes nothing. */
function setRole(roles: 'ALL' | 'NONE' | 'DEFAULT' | string[], context: ExecutionContext): Outcome {
  const { user, catalog } = context;
  if (!catalog.profile.roleActivation) return { type: 'ok' };
  if (roles === 'DEFAULT') {
    context.setSessionRoles(undefined);
    return { type: 'ok' };
  }
  const wanted = roles === 'ALL' ? [...user.roles] : roles === 'NONE' ? [] : roles;
  const notGranted = wanted.find((role) => !user.roles.includes(role));
  if (notGranted !== undefined) return fail(catalog.profile.errors.unknownRole(notGranted));
  context.setSessionRoles(wanted);
  return { type: 'ok' };
}

function fail(error: SqlError): Outcome {
  return { type: 'error', error };
}

function hasAny(context: ExecutionContext, wanted: readonly SystemPrivilege[]): boolean {
  const granted = context.catalog.privilegesOf(context.user);
  return wanted.some((privilege) => granted.has(privilege));
}

function requireNode(context: ExecutionContext): SqlError | undefined {
  if (hasAny(context, ['NODE'])) return undefined;
  const { catalog, user } = context;
  return catalog.profile.errors.nodePrivilegeDenied(user.name, catalog.activeRoles(user), catalog.inactiveRoles(user));
}

function show(context: ExecutionContext, produce: () => { columns: string[]; rows: Row[] }): Outcome {
  if (!hasAny(context, context.catalog.profile.showPrivileges)) {
    const { catalog, user } = context;
    return fail(
      catalog.profile.errors.showPrivilegeDenied(user.name, catalog.activeRoles(user), catalog.inactiveRoles(user)),
    );
  }
  return { type: 'rows', ...produce() };
}

function showProc(path: string, context: ExecutionContext): Outcome {
  const normalised = path.replace(/\/+$/, '');
  if (normalised === '/current_backend_instances') return withProcPrivilege(context, () => backendInstances(context));
  if (normalised === '/current_queries') return withProcPrivilege(context, () => currentQueries(context));
  if (normalised === '/compute_nodes') return execute({ kind: 'showComputeNodes' }, context);
  if (normalised === '/backends') return execute({ kind: 'showBackends' }, context);
  if (normalised === '/frontends') return execute({ kind: 'showFrontends' }, context);
  // ErrorCode ERR_WRONG_PROC_PATH, in every version.
  return fail({ code: 5001, sqlState: 'HY000', message: `Proc path '${path}' doesn't exist` });
}

/**
 * SHOW PROC and KILL of another user's query need SYSTEM OPERATE from 3.0 (AuthorizerStmtVisitor.visitShowProcStmt,
 * StmtExecutor.handleKill), ADMIN before.
 */
function withProcPrivilege(context: ExecutionContext, run: () => Outcome): Outcome {
  if (hasAny(context, context.catalog.profile.procPrivileges)) return run();
  const { catalog, user } = context;
  return fail(
    catalog.profile.errors.showPrivilegeDenied(user.name, catalog.activeRoles(user), catalog.inactiveRoles(user)),
  );
}

const DEFAULT_BE_PORT = 9060;

/**
 * CurrentQueryBackendInstanceProcDir: this FE's coordinators' fragment instances by host (`host:be_port`), from
 * the FE's memory alone; `InstanceNum` counts the host's instances.
 */
function backendInstances(context: ExecutionContext): Outcome {
  const engine = context.catalog.engine;
  const instances = engine?.instances(context.listener) ?? [];
  const backendOf = (cn: string) => {
    const host = cn.slice(0, cn.lastIndexOf(':'));
    return `${host}:${context.catalog.plannedBePorts.get(cn) ?? DEFAULT_BE_PORT}`;
  };
  const perHost = new Map<string, number>();
  for (const instance of instances) perHost.set(backendOf(instance.cn), (perHost.get(backendOf(instance.cn)) ?? 0) + 1);
  const now = engine?.nowMs ?? 0;
  return {
    type: 'rows',
    columns: ['Backend', 'InstanceNum', 'InstanceId', 'ExecTime'],
    rows: instances.map((instance) => ({
      Backend: backendOf(instance.cn),
      InstanceNum: String(perHost.get(backendOf(instance.cn)) ?? 0),
      InstanceId: instance.instanceId,
      ExecTime: String(Math.max(0, now - instance.startedAt)),
    })),
  };
}

/**
 * CurrentQueryStatisticsProcDir: this FE's running queries. It asks every host of each query for statistics; on 3.3
 * a host the FE no longer lists fails the whole statement (SystemInfoService.toBrpcHost), from 3.4 it is skipped
 * (#56597).
 */
function currentQueries(context: ExecutionContext): Outcome {
  const { catalog } = context;
  const engine = catalog.engine;
  const instances = engine?.instances(context.listener) ?? [];
  const listed = new Set(catalog.computeNodes.map((node) => `${node.host}:${node.heartbeatPort}`));
  if (!catalog.profile.hasKillQueryId && instances.some((instance) => !listed.has(instance.cn))) {
    return fail({
      code: 1064,
      sqlState: 'HY000',
      message: 'Backend node not found. Check if any backend node is down.',
    });
  }
  const columns = [...catalog.profile.currentQueryColumns];
  const queries = new Map(instances.map((instance) => [instance.queryId, instance.startedAt]));
  const now = engine?.nowMs ?? 0;
  return {
    type: 'rows',
    columns,
    rows: [...queries].map(([queryId, startedAt]) =>
      Object.fromEntries(
        columns.map((column) => [column, currentQueryValue(column, queryId, Math.max(0, now - startedAt))]),
      ),
    ),
  };
}

function currentQueryValue(column: string, queryId: string, execMs: number): string {
  switch (column) {
    case 'QueryId':
      return queryId;
    case 'ExecState':
      return 'RUNNING';
    case 'ExecTime':
      return `${(execMs / 1000).toFixed(3)} s`;
    case 'Warehouse':
      return DEFAULT_WAREHOUSE;
    case 'User':
      return 'analyst';
    default:
      return '';
  }
}

/** SHOW COMPUTE NODE BLACKLIST (ShowResultMetaFactory): the first column is BackendId for the BACKEND form. */
const BLACKLIST_COLUMNS = [
  'ComputeNodeId',
  'AddBlackListType',
  'LostConnectionTime',
  'LostConnectionNumberInPeriod',
  'CheckTimePeriod(s)',
];

/** The blacklist statements need SYSTEM BLACKLIST (AuthorizerStmtVisitor), checked before anything else. */
function withBlacklistPrivilege(context: ExecutionContext, run: () => Outcome): Outcome {
  if (hasAny(context, ['BLACKLIST'])) return run();
  const { catalog, user } = context;
  return fail(
    catalog.profile.errors.blacklistPrivilegeDenied(user.name, catalog.activeRoles(user), catalog.inactiveRoles(user)),
  );
}

/**
 * ADD / DELETE COMPUTE NODE BLACKLIST on this FE only (StmtExecutor, `NO_FORWARD`): the ids in order, each one a CN's;
 * the first that is not stops the statement, after the ones before it were applied. Deleting an id that is not
 * blacklisted succeeds.
 */
function changeBlacklist(action: 'add' | 'delete', ids: readonly number[], context: ExecutionContext): Outcome {
  return withBlacklistPrivilege(context, () => {
    const { catalog } = context;
    for (const id of ids) {
      if (!catalog.computeNodes.some((node) => node.id === id)) {
        return fail(catalog.profile.errors.computeNodeIdNotFound(id));
      }
      if (action === 'add') catalog.blacklistComputeNode(context.listener, id);
      else catalog.unblacklistComputeNode(context.listener, id);
    }
    return { type: 'ok' };
  });
}

/**
 * `KILL QUERY '<id>'`: the FE asks every FE, itself included (handleKillQuery); none knows it: ERR_NO_SUCH_QUERY's
 * text, with 1064 / HY000 (LeaderOpExecutor forwards the message only, docs/notes/fe-profiles-3.4-3.5-4.1.md).
 */
function killQuery(queryId: string, context: ExecutionContext): Outcome {
  return withProcPrivilege(context, () => {
    if (context.catalog.engine?.killQueryId(queryId) === true) return { type: 'ok' };
    return fail({ code: 1064, sqlState: 'HY000', message: `Unknown query id: ${queryId}` });
  });
}

/** Splits `host:port` / `[v6]:port` as the FE's analyzer does; every failure has the profile's text. */
export function analyzeHostPort(text: string, context: ExecutionContext): HostPort | SqlError {
  const errors = context.catalog.profile.errors;
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text.charAt(close + 1) !== ':') return errors.invalidHostPort(text);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (isIP(host) !== 6) return errors.invalidHostPort(text);
  } else {
    const parts = text.split(':');
    if (parts.length !== 2) return errors.invalidHostPort(text);
    host = parts[0] ?? '';
    portText = parts[1] ?? '';
  }
  if (host.length === 0) return errors.hostIsNull();
  // Java's Integer.parseInt: an optional sign and digits, within 32 bits.
  if (!/^[+-]?[0-9]{1,10}$/.test(portText) || Math.abs(Number(portText)) > 2 ** 31 - 1) {
    return errors.portNotNumber(text, portText);
  }
  const port = Number(portText);
  if (port < 1 || port > 65535) return errors.portOutOfRange(text, port);
  return { host, port };
}

/** IP mode: a host name becomes the IP the resolver gives (the FE stores the IP). */
function resolveHost(address: HostPort, context: ExecutionContext): HostPort | SqlError {
  if (isIP(address.host) !== 0) return address;
  const ip = context.resolve(address.host);
  return ip === undefined ? context.catalog.profile.errors.unknownHost(address.host) : { host: ip, port: address.port };
}

/** `keepDuplicates`: ADD checks every address against the catalog before adding any, so one named twice is added twice. */
function analyzeAll(
  texts: readonly string[],
  resolve: boolean,
  context: ExecutionContext,
  keepDuplicates = false,
): HostPort[] | SqlError {
  const result: HostPort[] = [];
  for (const text of texts) {
    const parsed = analyzeHostPort(text, context);
    if (isSqlError(parsed)) return parsed;
    const stored = resolve ? resolveHost(parsed, context) : parsed;
    if (isSqlError(stored)) return stored;
    if (keepDuplicates || !result.some((r) => r.host === stored.host && r.port === stored.port)) result.push(stored);
  }
  return result;
}

function isSqlError(value: HostPort | SqlError | HostPort[]): value is SqlError {
  return 'sqlState' in value;
}

function checkWarehouse(warehouse: string | undefined, context: ExecutionContext): SqlError | undefined {
  if (warehouse === undefined || context.catalog.warehouses.has(warehouse)) return undefined;
  return context.catalog.profile.errors.unknownWarehouse(warehouse);
}

/**
 * 4.x: open source has no CN groups (warehouse/DefaultWarehouse), so any CNGROUP is refused, at the step where the FE
 * gets to it: an ADD once its nodes passed the duplicate check, a DROP for a node found in the warehouse named.
 */
function refuseCnGroup(cnGroup: string | undefined, context: ExecutionContext): SqlError | undefined {
  return cnGroup === undefined ? undefined : context.catalog.profile.errors.cnGroupNotImplemented();
}

function addComputeNodes(
  texts: string[],
  warehouse: string | undefined,
  cnGroup: string | undefined,
  context: ExecutionContext,
): Outcome {
  const { catalog } = context;
  const addresses = analyzeAll(texts, context.hostMode === 'IP', context, true);
  if (isSqlError(addresses)) return fail(addresses);
  const warehouseError = checkWarehouse(warehouse, context);
  if (warehouseError) return fail(warehouseError);
  const denied = requireNode(context);
  if (denied) return fail(denied);
  // Every version checks all nodes before adding any.
  for (const { host, port } of addresses) {
    if (catalog.findComputeNode(host, port)) return fail(catalog.profile.errors.computeNodeExists(host, port));
    if (catalog.findBackend(host, port)) return fail(catalog.profile.errors.backendExists(host, port));
  }
  const cnGroupError = refuseCnGroup(cnGroup, context);
  if (cnGroupError) return fail(cnGroupError);
  for (const { host, port } of addresses) {
    catalog.computeNodes.push(catalog.newComputeNode(host, port, warehouse ?? DEFAULT_WAREHOUSE));
    catalog.logMembership('add', { host, heartbeatPort: port });
  }
  return { type: 'ok' };
}

function dropComputeNodes(
  texts: string[],
  warehouse: string | undefined,
  cnGroup: string | undefined,
  context: ExecutionContext,
): Outcome {
  const { catalog } = context;
  const profile = catalog.profile;
  const resolve = context.hostMode === 'IP' && profile.dropResolvesHostNames;
  const addresses = analyzeAll(texts, resolve, context);
  if (isSqlError(addresses)) return fail(addresses);
  const warehouseError = checkWarehouse(warehouse, context);
  if (warehouseError) return fail(warehouseError);
  const denied = requireNode(context);
  if (denied) return fail(denied);
  const expectedWarehouse = warehouse ?? DEFAULT_WAREHOUSE;
  const problem = (address: HostPort): SqlError | undefined => {
    const node = catalog.findComputeNode(address.host, address.port);
    if (!node) return profile.errors.computeNodeNotFound(address.host, address.port);
    if (profile.hasWarehouses && node.warehouse !== expectedWarehouse) {
      return profile.errors.notInWarehouse(address.host, address.port, expectedWarehouse);
    }
    return refuseCnGroup(cnGroup, context);
  };
  if (profile.dropAllOrNothing) {
    for (const address of addresses) {
      const error = problem(address);
      if (error) return fail(error);
    }
  }
  // 3.3+: one by one; an unknown node stops the statement with the earlier ones already gone.
  for (const address of addresses) {
    const error = problem(address);
    if (error) return fail(error);
    const node = catalog.findComputeNode(address.host, address.port);
    if (node) {
      catalog.removeComputeNode(node);
      catalog.logMembership('drop', node);
    }
  }
  return { type: 'ok' };
}

function changeBackends(
  kind: 'addBackends' | 'dropBackends' | 'decommissionBackends',
  texts: string[],
  context: ExecutionContext,
): Outcome {
  const { catalog } = context;
  const addresses = analyzeAll(texts, context.hostMode === 'IP' && kind === 'addBackends', context);
  if (isSqlError(addresses)) return fail(addresses);
  const denied = requireNode(context);
  if (denied) return fail(denied);
  for (const { host, port } of addresses) {
    const backend = catalog.findBackend(host, port);
    if (kind === 'addBackends') {
      if (backend) return fail(catalog.profile.errors.backendExists(host, port));
      if (catalog.findComputeNode(host, port)) return fail(catalog.profile.errors.computeNodeExists(host, port));
    } else if (!backend) {
      // Also what a DECOMMISSION of a compute node gets: CNs have no decommission.
      return fail(catalog.profile.errors.backendNotFound(host, port));
    }
  }
  for (const { host, port } of addresses) {
    const backend = catalog.findBackend(host, port);
    if (kind === 'addBackends') {
      catalog.backends.push({
        id: catalog.allocateId(),
        host,
        heartbeatPort: port,
        bePort: -1,
        httpPort: -1,
        brpcPort: -1,
        alive: false,
        decommissioned: false,
        version: '',
      });
    } else if (backend && kind === 'dropBackends') {
      catalog.backends.splice(catalog.backends.indexOf(backend), 1);
    } else if (backend) {
      backend.decommissioned = true;
    }
  }
  return { type: 'ok' };
}

function selectVariables(names: string[], context: ExecutionContext): Outcome {
  const profile = context.catalog.profile;
  const values: Record<string, string> = {
    version_comment: profile.versionComment,
    version: profile.serverVersion,
    max_allowed_packet: '33554432',
    auto_increment_increment: '1',
    lower_case_table_names: '0',
    tx_isolation: 'REPEATABLE-READ',
    transaction_isolation: 'REPEATABLE-READ',
  };
  const row: Row = {};
  const columns: string[] = [];
  for (const name of names) {
    const key = name.replace(/^(session|global)\./i, '').toLowerCase();
    const value = values[key];
    if (value === undefined) {
      return fail({ code: 1193, sqlState: 'HY000', message: `Unknown system variable '${key}'` });
    }
    columns.push(`@@${name}`);
    row[`@@${name}`] = value;
  }
  return { type: 'rows', columns, rows: [row] };
}

function selectLiteral(value: string, context: ExecutionContext): Outcome {
  const { catalog } = context;
  if (!catalog.profile.selectOneWithoutBackend && !catalog.backends.some((backend) => backend.alive)) {
    return fail(catalog.profile.errors.noAliveBackend());
  }
  return { type: 'rows', columns: [value], rows: [{ [value]: value }] };
}
