// FE failures sorted into the few kinds callers act on. The FE's own text is kept (feMessage) because StarRocks
// errors are matched by text, but no message ever contains the password.

export type FeErrorKind =
  'Unreachable' | 'AuthenticationFailed' | 'MissingPrivilege' | 'InvalidAddress' | 'Timeout' | 'Unknown';

export class FeError extends Error {
  readonly kind: FeErrorKind;
  /** The FE's error text when the FE answered with an error packet. */
  readonly feMessage?: string;
  /** `host:port` of the FE that failed (the last one tried when every FE failed). */
  readonly feAddress?: string;

  constructor(kind: FeErrorKind, message: string, details: { feMessage?: string; feAddress?: string } = {}) {
    super(message);
    this.name = 'FeError';
    this.kind = kind;
    if (details.feMessage !== undefined) this.feMessage = details.feMessage;
    if (details.feAddress !== undefined) this.feAddress = details.feAddress;
  }
}

export function isFeError(value: unknown): value is FeError {
  return value instanceof FeError;
}

/** What the mysql2 driver reports: an error packet (errno, sqlMessage) or a socket / protocol failure (code). */
export interface DriverErrorShape {
  errno?: number;
  code?: string;
  sqlMessage?: string;
  message: string;
  fatal?: boolean;
}

export function toDriverError(value: unknown): DriverErrorShape {
  if (typeof value === 'string') return { message: value };
  if (typeof value !== 'object' || value === null) return { message: 'unknown error' };
  const record = value as Record<string, unknown>;
  const shape: DriverErrorShape = {
    message: typeof record['message'] === 'string' ? record['message'] : 'unknown error',
  };
  if (typeof record['errno'] === 'number') shape.errno = record['errno'];
  if (typeof record['code'] === 'string') shape.code = record['code'];
  if (typeof record['sqlMessage'] === 'string') shape.sqlMessage = record['sqlMessage'];
  if (typeof record['fatal'] === 'boolean') shape.fatal = record['fatal'];
  return shape;
}

const ER_ACCESS_DENIED = 1045;
const ER_SPECIFIC_ACCESS_DENIED = 1227;
const STARROCKS_ACCESS_DENIED = 5203;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EADDRNOTAVAIL',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'PROTOCOL_SEQUENCE_TIMEOUT']);

/** The kind of an error answered BY the FE (an error packet). */
export function classifyFeAnswer(errno: number | undefined, text: string): FeErrorKind {
  if (errno === ER_ACCESS_DENIED) return 'AuthenticationFailed';
  if (errno === STARROCKS_ACCESS_DENIED || errno === ER_SPECIFIC_ACCESS_DENIED) return 'MissingPrivilege';
  // 2.4 reports missing NODE_PRIV as 1064 with this text (and a user name where the privilege should be).
  if (/^Access denied; you need \(at least one of\)/i.test(text)) return 'MissingPrivilege';
  if (isInvalidAddressText(text)) return 'InvalidAddress';
  return 'Unknown';
}

/** The FE refusing an address: 2.4, 3.1 and 3.2+ wordings (starrocks-fe.md section 2), and 3.x's port check. */
export function isInvalidAddressText(text: string): boolean {
  return (
    /host or port is wrong/i.test(text) ||
    /Invalid host port/i.test(text) ||
    /Detail message: Encounter unknown exception: (For input string|Port is out of range)/i.test(text) ||
    /Detail message: Host is null/i.test(text) ||
    /Detail message: Unknown host/i.test(text)
  );
}

/** True when the error came from the connection (no answer), so another FE address may be tried. */
export function isConnectionFailure(error: DriverErrorShape): boolean {
  if (error.errno !== undefined && error.sqlMessage !== undefined) return false;
  return (
    error.code === undefined ||
    UNREACHABLE_CODES.has(error.code) ||
    TIMEOUT_CODES.has(error.code) ||
    error.fatal === true
  );
}

export function classifyConnectionFailure(error: DriverErrorShape): FeErrorKind {
  return error.code !== undefined && TIMEOUT_CODES.has(error.code) ? 'Timeout' : 'Unreachable';
}

/** Removes the password from any text that might carry it (driver messages echo connection settings at times). */
export function redact(text: string, secret: string): string {
  if (secret.length === 0) return text;
  return text.split(secret).join('[redacted]');
}
