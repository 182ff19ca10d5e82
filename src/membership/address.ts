// Compute-node addresses as the FE stores them, and the key under which this module compares them.
//
// The FE identifies a compute node by (host string, heartbeat port). In IP mode the host is the IP the FE resolved;
// in FQDN mode it is the host string exactly as it was added. DNS names are case-insensitive, so two spellings that
// differ only in case name the same pod: the comparison key lowercases the host. Every other difference (an IP
// against a name, another port) makes two different nodes, exactly as the FE sees them.

export type AddressType = 'IP' | 'FQDN';

export interface HostPort {
  host: string;
  port: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** True for an IPv4 address, an IPv6 address (without brackets) or a DNS name; nothing that could carry SQL. */
export function isValidHost(host: string): boolean {
  if (IPV4.test(host)) return true;
  if (host.includes(':')) return IPV6.test(host) && host.split(':').length >= 3 && host.split(':').length <= 8;
  return HOSTNAME.test(host);
}

function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * Reads `host:port`, `[ipv6]:port`; returns null for anything else (quotes, spaces, SQL, a missing or bad port).
 * Membership decisions skip what this refuses, so garbage from the FE or the status can never reach a DROP.
 */
export function parseHostPort(text: string): HostPort | null {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text);
  const plain = /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) return null;
  const host = match[1] ?? '';
  const port = Number(match[2]);
  if (bracketed && !host.includes(':')) return null;
  if (!isValidHost(host) || !isValidPort(port)) return null;
  return { host, port };
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The comparison key of an address: lowercased host (DNS names ignore case), IPv6 unbracketed, and the port. */
export function addressKey({ host, port }: HostPort): string {
  return `${host.toLowerCase()}|${port}`;
}

/** The comparison key of an address written as text, or null when the text is not a valid address. */
export function addressKeyOf(text: string): string | null {
  const parsed = parseHostPort(text);
  return parsed ? addressKey(parsed) : null;
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
