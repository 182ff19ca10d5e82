// One FE query port: the MySQL protocol (handshake, mysql_native_password, COM_QUERY text results) on top of
// mysql2's server connection, plus the faults a test can inject. The FE's behaviour itself is in executor.ts.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import mysql from 'mysql2';
import type { Row } from './catalog.js';
import type { SqlError } from './profiles.js';

/** The parts of mysql2's (untyped) server-side connection this module uses. */
interface ServerConnection {
  stream: Socket;
  sequenceId: number;
  serverHandshake(args: Record<string, unknown>): void;
  writeOk(args?: { serverStatus?: number; affectedRows?: number }): void;
  writeColumns(columns: ColumnDefinition[]): void;
  writeTextRow(values: (string | null)[]): void;
  writeEof(warnings?: number, statusFlags?: number): void;
  write(buffer: Buffer): void;
  on(event: string, listener: (...args: never[]) => void): void;
  /** What the client sent in its handshake response (mysql2 sets it before calling authCallback). */
  clientHelloReply?: { authPluginName?: string };
  /** The running command (the server handshake); `execute` receives every packet the client sends. */
  _command?: { execute: (packet: PacketView, connection: unknown) => boolean };
}

interface ColumnDefinition {
  catalog: string;
  schema: string;
  table: string;
  orgTable: string;
  name: string;
  orgName: string;
  characterSet: number;
  columnLength: number;
  columnType: number;
  flags: number;
  decimals: number;
}

interface PacketView {
  buffer: Buffer;
  start: number;
  end: number;
}

interface AuthParams {
  user: string;
  authPluginData1: Buffer;
  authPluginData2: Buffer;
  authToken: Buffer;
}

/**
 * normal; refuse: the port is closed; stall: connections are accepted and never answered (no greeting for new
 * ones, no answer to queries on open ones); drop: the connection is cut when a query arrives, before it runs;
 * lose-answer: the query runs, then the connection is cut before the answer (the client cannot know it worked).
 */
export type FaultMode = 'normal' | 'refuse' | 'stall' | 'drop' | 'lose-answer';

export interface Reply {
  /** Results of the statements that ran, in order; an error ends the reply. */
  results: ({ type: 'ok' } | { type: 'rows'; columns: string[]; rows: Row[] })[];
  error?: SqlError;
}

/** Who sent a statement: the logged-in user on which connection of which listener, and the client if known. */
export interface Session {
  user: string;
  connectionId: number;
  listener: number;
  /** What `identifyClient` said of the connection's peer (e.g. which of a test's processes); undefined if unknown. */
  client: string | undefined;
}

export interface ProtocolHandlers {
  serverVersion: () => string;
  /** The user's password, or undefined when the user does not exist. */
  passwordOf: (user: string) => string | undefined;
  /** Every COM_QUERY as it arrives, whatever the fault mode. */
  received: (sql: string, session: Session) => void;
  /** Runs a COM_QUERY payload for a logged-in user. */
  query: (sql: string, session: Session) => Reply;
  /** Names the peer of a new connection from its TCP port (called once per connection, before the greeting). */
  identifyClient?: (clientPort: number) => string | undefined;
}

// What the FE advertises (MysqlCapability.DEFAULT_CAPABILITY): long password, long flag, connect with db,
// protocol 41, secure connection, plugin auth. No CLIENT_MULTI_STATEMENTS, although several statements work.
const CAPABILITIES = 0x00000001 | 0x00000004 | 0x00000008 | 0x00000200 | 0x00008000 | 0x00080000;
const CHARSET_UTF8_GENERAL_CI = 33;
const SERVER_STATUS_AUTOCOMMIT = 0x0002;
const SERVER_MORE_RESULTS_EXISTS = 0x0008;
const MYSQL_TYPE_VAR_STRING = 253;
const NATIVE_PASSWORD = 'mysql_native_password';
const COM_QUIT = 0x01;
const COM_INIT_DB = 0x02;
const COM_QUERY = 0x03;
const COM_PING = 0x0e;
const COMMAND_NAMES: Record<number, string> = {
  0x16: 'COM_STMT_PREPARE',
  0x17: 'COM_STMT_EXECUTE',
  0x04: 'COM_FIELD_LIST',
};

let nextConnectionId = 1;

export class FeListener {
  private server: ReturnType<typeof mysql.createServer> | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private boundPort = 0;
  fault: FaultMode = 'normal';
  latencyMs = 0;

  constructor(
    readonly index: number,
    readonly host: string,
    private readonly requestedPort: number,
    private readonly handlers: ProtocolHandlers,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<number> {
    const server = mysql.createServer((connection) => {
      this.accept(connection as unknown as ServerConnection);
    });
    const net = (server as unknown as { _server: NetServer })._server;
    await new Promise<void>((resolve, reject) => {
      net.once('error', reject);
      net.listen(this.boundPort || this.requestedPort, this.host, () => {
        net.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (net.address() as AddressInfo).port;
    this.server = server;
    return this.boundPort;
  }

  /** Closes the port (new connections are refused) and cuts every open connection. */
  async closePort(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }

  async setFault(mode: FaultMode): Promise<void> {
    this.fault = mode;
    if (mode === 'refuse') await this.closePort();
    else if (!this.server) await this.start();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.closePort();
  }

  private accept(connection: ServerConnection): void {
    const socket = connection.stream;
    // A result set is many small writes; without this, Nagle + delayed ACK add ~40 ms to every SHOW.
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    // A client that vanishes must not crash the simulator.
    connection.on('error', () => undefined);
    socket.on('error', () => undefined);
    if (this.fault === 'stall') return; // accepted, never greeted
    const connectionId = nextConnectionId++;
    const client = socket.remotePort === undefined ? undefined : this.handlers.identifyClient?.(socket.remotePort);
    let user = '';
    connection.serverHandshake({
      protocolVersion: 10,
      serverVersion: this.handlers.serverVersion(),
      connectionId,
      statusFlags: SERVER_STATUS_AUTOCOMMIT,
      characterSet: CHARSET_UTF8_GENERAL_CI,
      capabilityFlags: CAPABILITIES,
      authCallback: (params: AuthParams, done: (error: null) => void) => {
        user = params.user;
        const finish = (token: Buffer): void => {
          const failure = this.authenticate({ ...params, authToken: token });
          if (failure) {
            writeError(connection, failure);
            socket.end();
            return;
          }
          done(null);
          connection.sequenceId = 0;
        };
        const plugin = connection.clientHelloReply?.authPluginName;
        if (plugin === undefined || plugin === '' || plugin === NATIVE_PASSWORD) {
          finish(params.authToken);
        } else {
          this.switchToNativePassword(connection, params, finish);
        }
      },
    });
    // mysql2 answers some commands itself when nobody listens (and treats `SET ...` as a prepare): listen to all
    // of them and answer everything from the raw 'packet' event instead.
    for (const event of ['query', 'stmt_prepare', 'stmt_execute', 'init_db', 'ping', 'quit', 'field_list']) {
      connection.on(event, () => undefined);
    }
    connection.on('packet', (packet: PacketView, _known: boolean, command: number) => {
      this.onCommand(connection, packet, command, { user, connectionId, listener: this.index, client });
    });
  }

  /**
   * The FE answers a client that offered another plugin with an auth switch to mysql_native_password (same
   * scramble). mysql2's server has no such state, so the handshake command's `execute` is replaced for one packet
   * by a reader of the client's switch response. Not its `next` state: `execute` takes any packet whose first byte
   * is 0xff for an error packet, and a scramble token starts with 0xff once in 256 connections.
   */
  private switchToNativePassword(
    connection: ServerConnection,
    params: AuthParams,
    finish: (token: Buffer) => void,
  ): void {
    const command = connection._command;
    if (!command) {
      finish(params.authToken);
      return;
    }
    writePacket(
      connection,
      Buffer.concat([
        Buffer.from([0xfe]),
        Buffer.from(`${NATIVE_PASSWORD}\0`, 'latin1'),
        params.authPluginData1,
        params.authPluginData2,
        Buffer.from([0]),
      ]),
    );
    const execute = command.execute;
    command.execute = (packet: PacketView): boolean => {
      command.execute = execute;
      finish(Buffer.from(packet.buffer.subarray(packet.start + 4, packet.end)));
      return false; // the handshake goes on in the state mysql2 gave it: reading commands
    };
  }

  private authenticate(params: AuthParams): SqlError | undefined {
    const password = this.handlers.passwordOf(params.user);
    const usedPassword = params.authToken.length > 0;
    const denied: SqlError = {
      code: 1045,
      sqlState: '28000',
      message: `Access denied for user '${params.user}' (using password: ${usedPassword ? 'YES' : 'NO'})`,
    };
    if (password === undefined) return denied;
    if (password === '') return usedPassword ? denied : undefined;
    return verifyNativePassword(params, password) ? undefined : denied;
  }

  private onCommand(connection: ServerConnection, packet: PacketView, command: number, session: Session): void {
    const payload = packet.buffer.subarray(packet.start + 5, packet.end).toString('utf8');
    if (command === COM_QUIT) {
      connection.stream.end();
      return;
    }
    if (command === COM_QUERY) this.handlers.received(payload, session);
    if (this.fault === 'stall') return;
    if (this.fault === 'drop') {
      connection.stream.destroy();
      return;
    }
    const answer = (): void => {
      if (connection.stream.destroyed) return;
      if (command === COM_QUERY) {
        const reply = this.handlers.query(payload, session);
        if (this.fault === 'lose-answer') {
          connection.stream.destroy();
          return;
        }
        // One socket write for the whole result set instead of one per packet.
        connection.stream.cork();
        writeReply(connection, reply);
        connection.stream.uncork();
      } else if (command === COM_PING || command === COM_INIT_DB) {
        connection.writeOk({ serverStatus: SERVER_STATUS_AUTOCOMMIT });
      } else {
        const name = COMMAND_NAMES[command] ?? `COM_${command}`;
        writeError(connection, { code: 1047, sqlState: '08S01', message: `Unsupported command(${name})` });
      }
      connection.sequenceId = 0;
    };
    if (this.latencyMs <= 0) {
      answer();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      answer();
    }, this.latencyMs);
    this.timers.add(timer);
  }
}

function writeReply(connection: ServerConnection, reply: Reply): void {
  if (reply.results.length === 0 && !reply.error) {
    writeError(connection, { code: 1065, sqlState: '42000', message: 'Query was empty' });
    return;
  }
  reply.results.forEach((result, index) => {
    const more = index < reply.results.length - 1 || reply.error !== undefined;
    const status = SERVER_STATUS_AUTOCOMMIT | (more ? SERVER_MORE_RESULTS_EXISTS : 0);
    if (result.type === 'ok') {
      connection.writeOk({ serverStatus: status });
      return;
    }
    connection.writeColumns(result.columns.map(columnDefinition));
    for (const row of result.rows) connection.writeTextRow(result.columns.map((column) => row[column] ?? null));
    connection.writeEof(0, status);
  });
  if (reply.error) writeError(connection, reply.error);
}

function columnDefinition(name: string): ColumnDefinition {
  return {
    catalog: 'def',
    schema: '',
    table: '',
    orgTable: '',
    name,
    orgName: name,
    characterSet: CHARSET_UTF8_GENERAL_CI,
    columnLength: 90,
    columnType: MYSQL_TYPE_VAR_STRING,
    flags: 0,
    decimals: 0,
  };
}

/** An ERR packet with the real SQLSTATE (mysql2's server helper writes a placeholder). */
function writeError(connection: ServerConnection, error: SqlError): void {
  const message = Buffer.from(error.message, 'utf8');
  const payload = Buffer.alloc(9 + message.length);
  payload.writeUInt8(0xff, 0);
  payload.writeUInt16LE(error.code, 1);
  payload.write(`#${error.sqlState.slice(0, 5).padEnd(5, '0')}`, 3, 'ascii');
  message.copy(payload, 9);
  writePacket(connection, payload);
}

/** One packet with the connection's next sequence id. */
function writePacket(connection: ServerConnection, payload: Buffer): void {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header.writeUInt8(connection.sequenceId, 3);
  connection.sequenceId = (connection.sequenceId + 1) % 256;
  connection.write(Buffer.concat([header, payload]));
}

/** mysql_native_password: token = SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). */
function verifyNativePassword(params: AuthParams, password: string): boolean {
  const sha1 = (...parts: Buffer[]): Buffer => {
    const hash = createHash('sha1');
    for (const part of parts) hash.update(part);
    return hash.digest();
  };
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const stage2 = sha1(stage1);
  const scramble = sha1(params.authPluginData1, params.authPluginData2, stage2);
  const expected = Buffer.alloc(stage1.length);
  for (let i = 0; i < stage1.length; i++) expected[i] = (stage1[i] ?? 0) ^ (scramble[i] ?? 0);
  return params.authToken.length === expected.length && timingSafeEqual(params.authToken, expected);
}
