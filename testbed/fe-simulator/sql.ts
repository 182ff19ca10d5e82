// A parser for the handful of statements an FE simulator must understand. Anything else is a syntax error, the way
// an FE answers a statement it does not know. Keywords are case-insensitive; strings take single or double quotes.

export type Statement =
  | { kind: 'addComputeNodes'; addresses: string[]; warehouse?: string; cnGroup?: string }
  | { kind: 'dropComputeNodes'; addresses: string[]; warehouse?: string; cnGroup?: string }
  | { kind: 'addBackends'; addresses: string[] }
  | { kind: 'dropBackends'; addresses: string[] }
  | { kind: 'decommissionBackends'; addresses: string[] }
  | { kind: 'showComputeNodes' }
  | { kind: 'showRunningQueries' }
  | { kind: 'showBackends' }
  | { kind: 'showFrontends' }
  | { kind: 'showProc'; path: string }
  | { kind: 'showDatabases' }
  | { kind: 'selectVariables'; names: string[] }
  | { kind: 'selectLiteral'; value: string }
  | { kind: 'set' }
  | { kind: 'createUser'; user: string; password: string; defaultRoles: string[]; ifNotExists: boolean }
  | { kind: 'grantRoles'; roles: string[]; user: string }
  | { kind: 'grantPrivileges'; privileges: string[]; on: 'SYSTEM' | '*.*'; user: string }
  | { kind: 'setDefaultRole'; roles: 'ALL' | 'NONE' | string[]; user: string }
  | { kind: 'setRole'; roles: 'ALL' | 'NONE' | 'DEFAULT' | string[] }
  | { kind: 'use'; database: string }
  | { kind: 'killConnection'; connectionId: number }
  | { kind: 'killQuery'; queryId: string }
  | { kind: 'addComputeNodeBlacklist'; ids: number[] }
  | { kind: 'deleteComputeNodeBlacklist'; ids: number[] }
  | { kind: 'showComputeNodeBlacklist' }
  | { kind: 'syntaxError'; column: number; near: string };

interface Token {
  type: 'word' | 'string' | 'number' | 'variable' | 'symbol' | 'ident';
  text: string;
  /** Unquoted value for strings and identifiers. */
  value: string;
  column: number;
}

/** Splits a COM_QUERY payload on `;` outside quotes; empty statements are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let index = 0; index < sql.length; index++) {
    const char = sql.charAt(index);
    if (quote !== undefined) {
      current += char;
      if (char === '\\' && index + 1 < sql.length) {
        current += sql.charAt(++index);
      } else if (char === quote) {
        quote = undefined;
      }
    } else if (char === "'" || char === '"' || char === '`') {
      quote = char;
      current += char;
    } else if (char === ';') {
      statements.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  statements.push(current);
  return statements.map((s) => s.trim()).filter((s) => s.length > 0);
}

type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; column: number; near: string };

export function tokenize(sql: string): TokenizeResult {
  const tokens: Token[] = [];
  let index = 0;
  while (index < sql.length) {
    const char = sql.charAt(index);
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    const start = index;
    if (char === "'" || char === '"' || char === '`') {
      const read = readQuoted(sql, index);
      if (read === undefined) return { ok: false, column: start, near: sql.slice(start) };
      tokens.push({
        type: char === '`' ? 'ident' : 'string',
        text: sql.slice(start, read.end),
        value: read.value,
        column: start,
      });
      index = read.end;
    } else if (sql.startsWith('@@', index)) {
      const match = /^@@[A-Za-z_][A-Za-z0-9_.]*/.exec(sql.slice(index));
      const text = match?.[0] ?? '@@';
      tokens.push({ type: 'variable', text, value: text.slice(2), column: start });
      index += text.length;
    } else if (/[A-Za-z_]/.test(char)) {
      const text = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(index))?.[0] ?? char;
      tokens.push({ type: 'word', text, value: text, column: start });
      index += text.length;
    } else if (/[0-9]/.test(char)) {
      const text = /^[0-9]+(?:\.[0-9]+)?/.exec(sql.slice(index))?.[0] ?? char;
      tokens.push({ type: 'number', text, value: text, column: start });
      index += text.length;
    } else {
      tokens.push({ type: 'symbol', text: char, value: char, column: start });
      index++;
    }
  }
  return { ok: true, tokens };
}

function readQuoted(sql: string, start: number): { value: string; end: number } | undefined {
  const quote = sql.charAt(start);
  let value = '';
  for (let index = start + 1; index < sql.length; index++) {
    const char = sql.charAt(index);
    if (char === '\\' && quote !== '`' && index + 1 < sql.length) {
      value += sql.charAt(++index);
    } else if (char === quote) {
      if (sql.charAt(index + 1) === quote) {
        value += quote;
        index++;
      } else {
        return { value, end: index + 1 };
      }
    } else {
      value += char;
    }
  }
  return undefined;
}

/** A cursor over the tokens; every `expect` failure becomes a syntax error at the offending token. */
class Cursor {
  private position = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly length: number,
  ) {}

  peekWord(...words: string[]): boolean {
    const token = this.tokens[this.position];
    return token?.type === 'word' && words.includes(token.value.toUpperCase());
  }

  acceptWord(...words: string[]): string | undefined {
    if (!this.peekWord(...words)) return undefined;
    return this.tokens[this.position++]?.value.toUpperCase();
  }

  acceptSymbol(symbol: string): boolean {
    const token = this.tokens[this.position];
    if (token?.type !== 'symbol' || token.text !== symbol) return false;
    this.position++;
    return true;
  }

  accept(type: Token['type']): Token | undefined {
    const token = this.tokens[this.position];
    if (token?.type !== type) return undefined;
    this.position++;
    return token;
  }

  skipToEnd(): void {
    this.position = this.tokens.length;
  }

  atEnd(): boolean {
    return this.position >= this.tokens.length;
  }

  error(): Statement {
    const token = this.tokens[this.position];
    return token
      ? { kind: 'syntaxError', column: token.column, near: token.text }
      : { kind: 'syntaxError', column: this.length, near: '<EOF>' };
  }
}

export interface ParseOptions {
  /** `INTO WAREHOUSE` / `FROM WAREHOUSE` exist (3.4+); before, they are a syntax error. */
  warehouses: boolean;
  /** `... WAREHOUSE w CNGROUP g` (4.x grammar); before, CNGROUP is a syntax error. Default true. */
  cnGroups?: boolean;
  /** `KILL QUERY '<query id>'` exists (3.4+, #47632); before, KILL takes a connection id only. Default true. */
  killByQueryId?: boolean;
  /** `ADD | DELETE COMPUTE NODE BLACKLIST` and `SHOW COMPUTE NODE BLACKLIST` exist (4.0+, #60830). Default true. */
  computeNodeBlacklist?: boolean;
}

export function parseStatement(sql: string, options: ParseOptions = { warehouses: true }): Statement {
  const tokenized = tokenize(sql);
  if (!tokenized.ok) return { kind: 'syntaxError', column: tokenized.column, near: tokenized.near };
  const cursor = new Cursor(tokenized.tokens, sql.length);
  const statement = parseWith(cursor, options);
  if (statement.kind === 'syntaxError') return statement;
  return cursor.atEnd() ? statement : cursor.error();
}

function parseWith(cursor: Cursor, options: ParseOptions): Statement {
  switch (cursor.acceptWord('ALTER', 'SHOW', 'SELECT', 'SET', 'USE', 'CREATE', 'GRANT', 'KILL', 'ADD', 'DELETE')) {
    case 'ADD':
      return parseBlacklistChange(cursor, options, 'add');
    case 'DELETE':
      return parseBlacklistChange(cursor, options, 'delete');
    case 'KILL':
      return parseKill(cursor, options);
    case 'ALTER':
      return parseAlter(cursor, options);
    case 'CREATE':
      return parseCreateUser(cursor);
    case 'GRANT':
      return parseGrant(cursor);
    case 'SHOW':
      return parseShow(cursor, options);
    case 'SELECT':
      return parseSelect(cursor);
    case 'SET':
      if (cursor.acceptWord('DEFAULT')) return parseSetDefaultRole(cursor);
      if (cursor.acceptWord('ROLE')) return parseSetRole(cursor);
      return skipRest(cursor, { kind: 'set' });
    case 'USE': {
      const name = cursor.accept('word') ?? cursor.accept('ident');
      return name ? { kind: 'use', database: name.value } : cursor.error();
    }
    case undefined:
    default:
      return cursor.error();
  }
}

/** `'name'` or `'name'@'host'` (the host is accepted and ignored: the simulator has one host, `%`). */
function parseUserIdentity(cursor: Cursor): string | undefined {
  const name = cursor.accept('string') ?? cursor.accept('ident') ?? cursor.accept('word');
  if (name === undefined) return undefined;
  if (cursor.acceptSymbol('@') && (cursor.accept('string') ?? cursor.accept('ident')) === undefined) return undefined;
  return name.value;
}

/** Role names, quoted or bare, separated by commas. */
function parseNames(cursor: Cursor): string[] | undefined {
  const names: string[] = [];
  do {
    const token = cursor.accept('string') ?? cursor.accept('ident') ?? cursor.accept('word');
    if (token === undefined) return undefined;
    names.push(token.value);
  } while (cursor.acceptSymbol(','));
  return names;
}

// CREATE USER [IF NOT EXISTS] 'u'[@'h'] [IDENTIFIED BY 'pw'] [DEFAULT ROLE 'r'[, ...]]
function parseCreateUser(cursor: Cursor): Statement {
  if (!cursor.acceptWord('USER')) return cursor.error();
  const ifNotExists = cursor.acceptWord('IF') !== undefined;
  if (ifNotExists && !(cursor.acceptWord('NOT') && cursor.acceptWord('EXISTS'))) return cursor.error();
  const user = parseUserIdentity(cursor);
  if (user === undefined) return cursor.error();
  let password = '';
  if (cursor.acceptWord('IDENTIFIED')) {
    const secret = cursor.acceptWord('BY') ? cursor.accept('string') : undefined;
    if (secret === undefined) return cursor.error();
    password = secret.value;
  }
  let defaultRoles: string[] = [];
  if (cursor.acceptWord('DEFAULT')) {
    const roles = cursor.acceptWord('ROLE') ? parseNames(cursor) : undefined;
    if (roles === undefined) return cursor.error();
    defaultRoles = roles;
  }
  return { kind: 'createUser', user, password, defaultRoles, ifNotExists };
}

// GRANT 'r'[, ...] TO [USER] 'u'  |  GRANT NODE[, ...] ON SYSTEM TO [USER] 'u'  |  GRANT NODE_PRIV ON *.* TO 'u'
function parseGrant(cursor: Cursor): Statement {
  const names = parseNames(cursor);
  if (names === undefined) return cursor.error();
  let on: 'SYSTEM' | '*.*' | undefined;
  if (cursor.acceptWord('ON')) {
    if (cursor.acceptWord('SYSTEM')) on = 'SYSTEM';
    else if (cursor.acceptSymbol('*') && cursor.acceptSymbol('.') && cursor.acceptSymbol('*')) on = '*.*';
    else return cursor.error();
  }
  if (!cursor.acceptWord('TO')) return cursor.error();
  cursor.acceptWord('USER');
  const user = parseUserIdentity(cursor);
  if (user === undefined) return cursor.error();
  if (on === undefined) return { kind: 'grantRoles', roles: names, user };
  return { kind: 'grantPrivileges', privileges: names.map((name) => name.toUpperCase()), on, user };
}

// SET DEFAULT ROLE ALL | NONE | 'r'[, ...] TO 'u'
function parseSetDefaultRole(cursor: Cursor): Statement {
  if (!cursor.acceptWord('ROLE')) return cursor.error();
  const keyword = cursor.acceptWord('ALL', 'NONE');
  const roles = keyword === 'ALL' || keyword === 'NONE' ? keyword : parseNames(cursor);
  if (roles === undefined || !cursor.acceptWord('TO')) return cursor.error();
  const user = parseUserIdentity(cursor);
  if (user === undefined) return cursor.error();
  return { kind: 'setDefaultRole', roles, user };
}

// SET ROLE ALL | NONE | DEFAULT | 'r'[, ...]: the roles active in this session from now on.
function parseSetRole(cursor: Cursor): Statement {
  const keyword = cursor.acceptWord('ALL', 'NONE', 'DEFAULT');
  if (keyword === 'ALL' || keyword === 'NONE' || keyword === 'DEFAULT') return { kind: 'setRole', roles: keyword };
  const roles = parseNames(cursor);
  return roles === undefined ? cursor.error() : { kind: 'setRole', roles };
}

function skipRest(cursor: Cursor, statement: Statement): Statement {
  // SET takes any expression; the simulator accepts and ignores it, as session variables do not matter here.
  cursor.skipToEnd();
  return statement;
}

function parseAlter(cursor: Cursor, options: ParseOptions): Statement {
  if (!cursor.acceptWord('SYSTEM')) return cursor.error();
  const action = cursor.acceptWord('ADD', 'DROP', 'DECOMMISSION');
  if (!action) return cursor.error();
  if (action !== 'DECOMMISSION' && cursor.acceptWord('COMPUTE')) {
    if (!cursor.acceptWord('NODE')) return cursor.error();
    const addresses = parseAddressList(cursor);
    if (!addresses) return cursor.error();
    const placement = options.warehouses
      ? parseWarehouseClause(cursor, action === 'ADD' ? 'INTO' : 'FROM', options.cnGroups ?? true)
      : {};
    if (placement === 'error') return cursor.error();
    return { kind: action === 'ADD' ? 'addComputeNodes' : 'dropComputeNodes', addresses, ...placement };
  }
  if (!cursor.acceptWord('BACKEND')) return cursor.error();
  const addresses = parseAddressList(cursor);
  if (!addresses) return cursor.error();
  const kinds = { ADD: 'addBackends', DROP: 'dropBackends', DECOMMISSION: 'decommissionBackends' } as const;
  return { kind: kinds[action as keyof typeof kinds], addresses };
}

/** Quoted addresses separated by commas; whitespace inside each is stripped, as the FE does. */
function parseAddressList(cursor: Cursor): string[] | undefined {
  const addresses: string[] = [];
  do {
    const token = cursor.accept('string');
    if (!token) return undefined;
    addresses.push(token.value.replace(/\s+/g, ''));
  } while (cursor.acceptSymbol(','));
  return addresses;
}

function parseWarehouseClause(
  cursor: Cursor,
  preposition: 'INTO' | 'FROM',
  cnGroups: boolean,
): { warehouse?: string; cnGroup?: string } | 'error' {
  if (!cursor.acceptWord(preposition)) return {};
  if (!cursor.acceptWord('WAREHOUSE')) return 'error';
  const warehouse = nameToken(cursor);
  if (warehouse === undefined) return 'error';
  if (!cnGroups || !cursor.acceptWord('CNGROUP')) return { warehouse };
  const cnGroup = nameToken(cursor);
  return cnGroup === undefined ? 'error' : { warehouse, cnGroup };
}

function nameToken(cursor: Cursor): string | undefined {
  return (cursor.accept('word') ?? cursor.accept('ident') ?? cursor.accept('string'))?.value;
}

function parseShow(cursor: Cursor, options: ParseOptions): Statement {
  const what = cursor.acceptWord('COMPUTE', 'BACKENDS', 'FRONTENDS', 'PROC', 'DATABASES', 'RUNNING');
  switch (what) {
    case 'RUNNING':
      return cursor.acceptWord('QUERIES') ? { kind: 'showRunningQueries' } : cursor.error();
    case 'COMPUTE':
      if (cursor.acceptWord('NODES')) return { kind: 'showComputeNodes' };
      if (options.computeNodeBlacklist === false || !cursor.acceptWord('NODE')) return cursor.error();
      return cursor.acceptWord('BLACKLIST') ? { kind: 'showComputeNodeBlacklist' } : cursor.error();
    case 'BACKENDS':
      return { kind: 'showBackends' };
    case 'FRONTENDS':
      return { kind: 'showFrontends' };
    case 'DATABASES':
      return { kind: 'showDatabases' };
    case 'PROC': {
      const path = cursor.accept('string');
      return path ? { kind: 'showProc', path: path.value } : cursor.error();
    }
    case undefined:
    default:
      return cursor.error();
  }
}

/** `ADD | DELETE COMPUTE NODE BLACKLIST <id>[, <id> ...]` (4.0+): node ids, as SHOW COMPUTE NODES lists them. */
function parseBlacklistChange(cursor: Cursor, options: ParseOptions, action: 'add' | 'delete'): Statement {
  if (options.computeNodeBlacklist === false) return cursor.error();
  if (!cursor.acceptWord('COMPUTE') || !cursor.acceptWord('NODE') || !cursor.acceptWord('BLACKLIST')) {
    return cursor.error();
  }
  const ids: number[] = [];
  do {
    const id = cursor.accept('number');
    if (id === undefined || !/^\d+$/.test(id.value)) return cursor.error();
    ids.push(Number(id.value));
  } while (cursor.acceptSymbol(','));
  return { kind: action === 'add' ? 'addComputeNodeBlacklist' : 'deleteComputeNodeBlacklist', ids };
}

/** `KILL [CONNECTION | QUERY] <connection id>`, and from 3.4 `KILL [CONNECTION | QUERY] '<query id>'`. */
function parseKill(cursor: Cursor, options: ParseOptions): Statement {
  cursor.acceptWord('CONNECTION', 'QUERY');
  const connection = cursor.accept('number');
  if (connection) return { kind: 'killConnection', connectionId: Number(connection.value) };
  if (options.killByQueryId === false) return cursor.error();
  const queryId = cursor.accept('string');
  return queryId ? { kind: 'killQuery', queryId: queryId.value } : cursor.error();
}

/** `SELECT @@a, @@b [LIMIT n]` (what mysql clients send on connect) and `SELECT <number>`. */
function parseSelect(cursor: Cursor): Statement {
  const literal = cursor.accept('number');
  let statement: Statement;
  if (literal) {
    statement = { kind: 'selectLiteral', value: literal.value };
  } else {
    const names: string[] = [];
    do {
      const variable = cursor.accept('variable');
      if (!variable) return cursor.error();
      names.push(variable.value);
    } while (cursor.acceptSymbol(','));
    statement = { kind: 'selectVariables', names };
  }
  if (cursor.acceptWord('LIMIT') && !cursor.accept('number')) return cursor.error();
  return statement;
}
