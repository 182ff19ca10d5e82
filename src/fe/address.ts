// CN addresses as the FE knows them: `host:heartbeatPort`. Every address is validated here before it can reach SQL,
// so a value from a pod, a flag or a user never changes the meaning of a statement.
import { isIP } from 'node:net';

export interface CnAddress {
  host: string;
  port: number;
}

export type ParseCnAddressResult = { ok: true; value: CnAddress } | { ok: false; message: string };

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, 1-63 characters each, 253 in total.
const HOSTNAME_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const MAX_HOSTNAME_LENGTH = 253;
const PORT_DIGITS = /^[0-9]{1,5}$/;

/** Parses `host:port`, `a.b.c.d:port` or `[v6]:port`; nothing else (no scheme, path, user, spaces or quotes). */
export function parseCnAddress(text: string): ParseCnAddressResult {
  const split = splitHostPort(text);
  if (!split.ok) return split;
  const port = parsePort(split.port);
  if (port === undefined) {
    return { ok: false, message: `invalid CN address "${printable(text)}": port must be a number from 1 to 65535` };
  }
  const hostProblem = split.bracketed ? checkIpv6(split.host) : checkHost(split.host);
  if (hostProblem !== undefined) {
    return { ok: false, message: `invalid CN address "${printable(text)}": ${hostProblem}` };
  }
  return { ok: true, value: { host: split.bracketed ? split.host.toLowerCase() : split.host, port } };
}

/** The canonical text of an address: IPv6 hosts in brackets, as the FE prints and accepts them. */
export function formatCnAddress(address: CnAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** A SQL string literal for a validated address; the escaping is a second line of defence after validation. */
export function quoteCnAddress(address: CnAddress): string {
  return quoteSqlString(formatCnAddress(address));
}

/** Single-quoted SQL literal with backslashes and quotes escaped (MySQL rules, which the FE's parser follows). */
export function quoteSqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

type SplitResult = { ok: true; host: string; port: string; bracketed: boolean } | { ok: false; message: string };

function splitHostPort(text: string): SplitResult {
  const shown = printable(text);
  if (text.length === 0) return { ok: false, message: 'invalid CN address "": expected host:port' };
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') {
      return { ok: false, message: `invalid CN address "${shown}": expected [IPv6]:port` };
    }
    return { ok: true, host: text.slice(1, close), port: text.slice(close + 2), bracketed: true };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { ok: false, message: `invalid CN address "${shown}": expected host:port` };
  const host = text.slice(0, colon);
  if (host.includes(':')) {
    return { ok: false, message: `invalid CN address "${shown}": an IPv6 host must be written in brackets, [v6]:port` };
  }
  return { ok: true, host, port: text.slice(colon + 1), bracketed: false };
}

function parsePort(text: string): number | undefined {
  if (!PORT_DIGITS.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function checkIpv6(host: string): string | undefined {
  return isIP(host) === 6 ? undefined : `"${printable(host)}" in brackets is not an IPv6 address`;
}

function checkHost(host: string): string | undefined {
  if (host.length === 0) return 'the host is empty';
  if (isIP(host) === 4) return undefined;
  if (/^[0-9.]+$/.test(host)) return `"${printable(host)}" is not a valid IPv4 address`;
  if (host.length > MAX_HOSTNAME_LENGTH) return `the host name is longer than ${MAX_HOSTNAME_LENGTH} characters`;
  const labels = host.endsWith('.') ? host.slice(0, -1).split('.') : host.split('.');
  if (labels.every((label) => HOSTNAME_LABEL.test(label))) return undefined;
  return `"${printable(host)}" is not a host name, IPv4 address or [IPv6] address`;
}

/** Keeps error messages on one line and short whatever the input was. */
function printable(text: string): string {
  const oneLine = text.replace(/[^\x20-\x7e]/g, '?');
  return oneLine.length > 80 ? `${oneLine.slice(0, 80)}...` : oneLine;
}
