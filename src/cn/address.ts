// The address of a compute node (or an FE) as StarRocks writes it: `host:port`, `[ipv6]:port`. This is the one
// parser and validator of such addresses: the FE client checks every address with it before it can reach SQL, and
// the membership decisions compare addresses with its keys, so the two can never disagree about what a host is.
//
// The FE identifies a compute node by (host string, heartbeat port). In IP mode the host is the IP the FE resolved;
// in FQDN mode it is the host string exactly as it was added. DNS names are case-insensitive, so two spellings that
// differ only in case name the same pod: the comparison key lowercases the host. Every other difference (an IP
// against a name, another port) makes two different nodes, exactly as the FE sees them.
import { isIP } from 'node:net';

export type AddressType = 'IP' | 'FQDN';

export interface HostPort {
  /** A DNS name, an IPv4 address or an IPv6 address (without brackets). */
  host: string;
  port: number;
}

export type HostPortResult = { ok: true; value: HostPort } | { ok: false; message: string };

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, 1-63 characters each, 253 in total.
const HOSTNAME_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const MAX_HOSTNAME_LENGTH = 253;
/** 1-65535 without a leading zero, as admission's ADDRESS_PORT_RANGE (src/api/v1alpha1/rules.ts). */
const PORT_DIGITS = /^[1-9][0-9]{0,4}$/;

/**
 * Parses `host:port`, `a.b.c.d:port` or `[v6]:port`; nothing else (no scheme, path, user, spaces or quotes). `role`
 * names the address in the message ("CN", "FE").
 */
export function parseHostPort(text: string, role = 'CN'): HostPortResult {
  const invalid = (why: string): HostPortResult => ({
    ok: false,
    message: `invalid ${role} address "${printable(text)}": ${why}`,
  });
  const split = splitHostPort(text);
  if (!split.ok) return invalid(split.message);
  const port = parsePort(split.port);
  if (port === undefined) return invalid('port must be a number from 1 to 65535');
  const hostProblem = split.bracketed ? checkIpv6(split.host) : checkHost(split.host);
  if (hostProblem !== undefined) return invalid(hostProblem);
  return { ok: true, value: { host: split.bracketed ? split.host.toLowerCase() : split.host, port } };
}

/** True for an IPv4 address, an IPv6 address (without brackets) or a DNS name; nothing that could carry SQL. */
export function isValidHost(host: string): boolean {
  return isIP(host) === 6 || checkHost(host) === undefined;
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** The canonical text of an address: IPv6 hosts in brackets, as the FE prints and accepts them. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The comparison key of an address: lowercased host (DNS names ignore case), IPv6 unbracketed, and the port. */
export function addressKey({ host, port }: HostPort): string {
  return `${host.toLowerCase()}|${port}`;
}

/** The comparison key of an address written as text, or null when the text is not a valid address. */
export function addressKeyOf(text: string): string | null {
  const parsed = parseHostPort(text);
  return parsed.ok ? addressKey(parsed.value) : null;
}

export interface CnAddressInput {
  addressType: AddressType;
  /** The pod's IP (status.podIP); absent while the pod has none. */
  podIP?: string | null | undefined;
  /** The pod's DNS name through the headless Service (`<pod>.<headless>.<ns>.svc.cluster.local`). */
  podFqdn: string;
  heartbeatPort: number;
}

/**
 * The address a pod's CN registers with: `<podIP>:<heartbeatPort>` in IP mode (null while the pod has no IP yet),
 * `<podFqdn>:<heartbeatPort>` in FQDN mode. Null too when a part is not a valid host or port.
 */
export function cnAddress(input: CnAddressInput): string | null {
  const host = input.addressType === 'IP' ? input.podIP : input.podFqdn;
  if (host === undefined || host === null || host === '') return null;
  if (!isValidHost(host) || !isValidPort(input.heartbeatPort)) return null;
  return formatHostPort({ host, port: input.heartbeatPort });
}

type SplitResult = { ok: true; host: string; port: string; bracketed: boolean } | { ok: false; message: string };

function splitHostPort(text: string): SplitResult {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return { ok: false, message: 'expected [IPv6]:port' };
    return { ok: true, host: text.slice(1, close), port: text.slice(close + 2), bracketed: true };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { ok: false, message: 'expected host:port' };
  const host = text.slice(0, colon);
  if (host.includes(':')) return { ok: false, message: 'an IPv6 host must be written in brackets, [v6]:port' };
  return { ok: true, host, port: text.slice(colon + 1), bracketed: false };
}

function parsePort(text: string): number | undefined {
  if (!PORT_DIGITS.test(text)) return undefined;
  const port = Number(text);
  return isValidPort(port) ? port : undefined;
}

function checkIpv6(host: string): string | undefined {
  return isIP(host) === 6 ? undefined : `"${printable(host)}" in brackets is not an IPv6 address`;
}

/** Why `host` is not an IPv4 address or a DNS name; undefined when it is one. */
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
