// Test clients for the FE simulator: mysql2 (text protocol) and the `mysql` command-line client from Debian
// (MariaDB's), both bounded in time.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import mysql from 'mysql2/promise';

export type SqlAnswer =
  | { ok: true; rows: Record<string, string | null>[]; columns: string[] }
  | { ok: false; errno: number; sqlState: string; message: string };

const CLIENT_TIMEOUT_MS = 5000;

/** 3.4 brought the 8.0.33 handshake, StatusCode and SHUTDOWN (starrocks-fe.md sections 5, 6 and 8). */
export const isFrom34 = (version: string): boolean => version !== '2.4' && version !== '3.3';

/** Runs one query as `user` on 127.0.0.1:port and returns rows (by name) or the error packet's fields. */
export async function sql(port: number, query: string, user = 'root', password = ''): Promise<SqlAnswer> {
  const connection = await mysql.createConnection({
    host: '127.0.0.1',
    port,
    user,
    password,
    connectTimeout: CLIENT_TIMEOUT_MS,
  });
  connection.on('error', () => undefined);
  try {
    const [result, fields] = await connection.query({ sql: query, timeout: CLIENT_TIMEOUT_MS });
    const columns = Array.isArray(fields) ? fields.map((field) => field.name) : [];
    const rows = Array.isArray(result) ? (result as Record<string, string | null>[]) : [];
    return { ok: true, rows, columns };
  } catch (error) {
    return toAnswer(error);
  } finally {
    connection.destroy();
  }
}

/** Like sql(), for statements that must fail at login (wrong password). */
export async function login(port: number, user: string, password: string): Promise<SqlAnswer> {
  try {
    const connection = await mysql.createConnection({
      host: '127.0.0.1',
      port,
      user,
      password,
      connectTimeout: CLIENT_TIMEOUT_MS,
    });
    connection.destroy();
    return { ok: true, rows: [], columns: [] };
  } catch (error) {
    return toAnswer(error);
  }
}

function toAnswer(error: unknown): SqlAnswer {
  const record = error as { errno?: number; sqlState?: string; sqlMessage?: string; message?: string };
  if (typeof record.errno !== 'number') throw error;
  return { ok: false, errno: record.errno, sqlState: record.sqlState ?? '', message: record.sqlMessage ?? '' };
}

export function expectRows(answer: SqlAnswer): Record<string, string | null>[] {
  if (!answer.ok) throw new Error(`expected rows, got error ${answer.errno} ${answer.message}`);
  return answer.rows;
}

export function expectError(answer: SqlAnswer): { errno: number; sqlState: string; message: string } {
  if (answer.ok) throw new Error('expected an error, the statement succeeded');
  return answer;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs /usr/bin/mysql (batch mode) against the simulator; asynchronous, so the in-process simulator can answer. */
export function mysqlCli(port: number, args: string[], input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'mysql',
      ['--protocol=TCP', '-h', '127.0.0.1', '-P', String(port), '--connect-timeout=5', '--batch', ...args],
      { timeout: CLIENT_TIMEOUT_MS * 2, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Reads the server greeting: protocol version and server version string. */
export function readGreeting(port: number): Promise<{ protocol: number; serverVersion: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no greeting within 5 s'));
    }, CLIENT_TIMEOUT_MS);
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.destroy();
      const end = data.indexOf(0, 5);
      resolve({ protocol: data.readUInt8(4), serverVersion: data.subarray(5, end).toString('latin1') });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** What the server answered to an auth switch response: the plugin it switched to, then its packet or a close. */
export interface AuthSwitchOutcome {
  switchedTo: string;
  reply: { kind: 'ok' } | { kind: 'error'; code: number } | { kind: 'closed' };
}

const CLIENT_FLAGS = 0x00000200 | 0x00008000 | 0x00080000; // PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH

/**
 * Logs in over a raw socket offering caching_sha2_password, and answers the server's auth switch with `token`
 * exactly as given (a real client's token is a hash, so it can start with any byte).
 */
export function answerAuthSwitch(port: number, user: string, token: Buffer): Promise<AuthSwitchOutcome> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffered = Buffer.alloc(0);
    let switchedTo: string | undefined;
    const finish = (reply: AuthSwitchOutcome['reply']): void => {
      clearTimeout(timer);
      socket.destroy();
      if (switchedTo === undefined) reject(new Error(`no auth switch before ${reply.kind}`));
      else resolve({ switchedTo, reply });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${CLIENT_TIMEOUT_MS} ms`));
    }, CLIENT_TIMEOUT_MS);
    const send = (sequenceId: number, payload: Buffer): void => {
      const header = Buffer.alloc(4);
      header.writeUIntLE(payload.length, 0, 3);
      header.writeUInt8(sequenceId, 3);
      socket.write(Buffer.concat([header, payload]));
    };
    const onPacket = (sequenceId: number, payload: Buffer): void => {
      if (sequenceId === 0) {
        const fixed = Buffer.alloc(32);
        fixed.writeUInt32LE(CLIENT_FLAGS, 0);
        fixed.writeUInt32LE(1 << 24, 4);
        fixed.writeUInt8(33, 8);
        const scramble = Buffer.alloc(32, 1);
        const plugin = Buffer.from('caching_sha2_password\0', 'latin1');
        send(1, Buffer.concat([fixed, Buffer.from(`${user}\0`), Buffer.from([scramble.length]), scramble, plugin]));
      } else if (payload[0] === 0xfe && switchedTo === undefined) {
        switchedTo = payload.subarray(1, payload.indexOf(0, 1)).toString('latin1');
        send(sequenceId + 1, token);
      } else if (payload[0] === 0xff) {
        finish({ kind: 'error', code: payload.readUInt16LE(1) });
      } else if (payload[0] === 0x00) {
        finish({ kind: 'ok' });
      }
    };
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUIntLE(0, 3)) {
        const length = buffered.readUIntLE(0, 3);
        onPacket(buffered.readUInt8(3), buffered.subarray(4, 4 + length));
        buffered = buffered.subarray(4 + length);
      }
    });
    socket.on('close', () => {
      finish({ kind: 'closed' });
    });
    socket.on('error', () => undefined);
  });
}
