// The only statements the operator sends, rendered from validated addresses, and the FE answers that mean
// "the wanted state already holds".
import { formatHostPort, type HostPort } from '../cn/index.js';

export const SHOW_COMPUTE_NODES = 'SHOW COMPUTE NODES';
export const SHOW_BACKENDS = 'SHOW BACKENDS';

/**
 * Whether a statement only reads (SHOW, SELECT). Everything else changes the FE and passes the write fence first
 * (FeClient.execute): a new statement is fenced by default, without an edit anywhere else.
 */
export function isReadStatement(sql: string): boolean {
  return /^\s*(SHOW|SELECT)\b/i.test(sql);
}

/** Single-quoted SQL literal with backslashes and quotes escaped (MySQL rules, which the FE's parser follows). */
export function quoteSqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A SQL string literal for a validated address; the escaping is a second line of defence after validation. */
function quoteAddress(address: HostPort): string {
  return quoteSqlString(formatHostPort(address));
}

export function renderAddComputeNodes(addresses: readonly HostPort[]): string {
  return `ALTER SYSTEM ADD COMPUTE NODE ${addresses.map(quoteAddress).join(', ')}`;
}

export function renderDropComputeNodes(addresses: readonly HostPort[]): string {
  return `ALTER SYSTEM DROP COMPUTE NODE ${addresses.map(quoteAddress).join(', ')}`;
}

export type IdempotentAnswer = { kind: 'alreadyExists' | 'doesNotExist'; address: string };

// 2.4-3.1: `Same compute node already exists[h:p]`; 3.2+: `Compute node already exists with same host h and port p`.
const ALREADY_EXISTS_OLD = /Same compute node already exists\[(.+)\]/i;
const ALREADY_EXISTS_NEW = /Compute node already exists with same host (\S+) and port (\d+)/i;
// Every version: `compute node does not exists[h:p]` (sic).
const DOES_NOT_EXIST = /compute node does not exists\[(.+)\]/i;

/**
 * Recognises the FE errors that mean the node is already there (ADD) or already gone (DROP), with the address
 * the FE names, or undefined for any other text. A BE holding the address is NOT success: it is a real conflict.
 */
export function parseIdempotentAnswer(text: string): IdempotentAnswer | undefined {
  const oldExists = ALREADY_EXISTS_OLD.exec(text);
  if (oldExists?.[1] !== undefined) return { kind: 'alreadyExists', address: normaliseNamed(oldExists[1]) };
  const newExists = ALREADY_EXISTS_NEW.exec(text);
  if (newExists?.[1] !== undefined && newExists[2] !== undefined) {
    return { kind: 'alreadyExists', address: formatHostPort({ host: newExists[1], port: Number(newExists[2]) }) };
  }
  const missing = DOES_NOT_EXIST.exec(text);
  if (missing?.[1] !== undefined) return { kind: 'doesNotExist', address: normaliseNamed(missing[1]) };
  return undefined;
}

/** `h:p` as the FE prints it inside brackets (IPv6 hosts unbracketed) to our canonical `formatHostPort` text. */
function normaliseNamed(text: string): string {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return text;
  const host = text.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(text.slice(colon + 1));
  return Number.isInteger(port) ? formatHostPort({ host, port }) : text;
}
