// The register sidecar's settings, read from its environment (docs/components.md). Every problem names the variable and
// says what is expected; the password's value is never printed, whatever is wrong with it.
import { formatHostPort, isValidHost, parseHostPort } from '../../cn/index.js';

export interface RegisterConfig {
  feAddresses: string[];
  feUser: string;
  /** May be empty: the 2022 examples use root with an empty password. */
  fePassword: string;
  /** The address this CN registers with, `host:heartbeatPort` (IPv6 in brackets). */
  cnAddress: string;
  cnHealthUrl: string;
  probeHost: string;
  probePort: number;
  /** Time between two checks that the FE still lists this CN. */
  periodMs: number;
  /** Time between two looks at the CN's /api/health while it is not up. */
  healthPollMs: number;
  /** Longest wait between retries after an FE that did not answer. */
  errorRetryMaxMs: number;
  /** Wait after an error only a person can fix (wrong password, missing NODE privilege, refused address). */
  configErrorRetryMs: number;
  feConnectTimeoutMs: number;
  feQueryTimeoutMs: number;
  healthTimeoutMs: number;
  /** Bound on the time from SIGTERM to exit. */
  shutdownTimeoutMs: number;
  /** Pod identity, for log lines only. */
  podName: string | undefined;
  podNamespace: string | undefined;
}

export interface ConfigError {
  variable: string;
  message: string;
}

export type ParseConfigResult = { ok: true; value: RegisterConfig } | { ok: false; errors: ConfigError[] };

type Env = Readonly<Record<string, string | undefined>>;

class Reader {
  readonly errors: ConfigError[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string, what: string): string {
    const value = this.raw(name);
    if (value === undefined) this.errors.push({ variable: name, message: `${name} is not set: expected ${what}` });
    return value ?? '';
  }

  port(name: string, fallback: number, min = 1): number {
    return this.integer(name, fallback, min, 65535, `a port number from ${min} to 65535`);
  }

  integer(name: string, fallback: number, min: number, max: number, what: string): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.errors.push({ variable: name, message: `${name}="${value}" is not valid: expected ${what}` });
      return fallback;
    }
    return Number(value);
  }

  /** Seconds (decimals allowed) converted to milliseconds. */
  seconds(name: string, fallbackSeconds: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallbackSeconds * 1000;
    const seconds = /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : NaN;
    if (!(seconds >= min && seconds <= max)) {
      this.errors.push({
        variable: name,
        message: `${name}="${value}" is not valid: expected a number of seconds from ${min} to ${max}`,
      });
      return fallbackSeconds * 1000;
    }
    return Math.round(seconds * 1000);
  }
}

function parseFeAddresses(reader: Reader): string[] {
  const text = reader.required('FE_ADDRS', 'comma-separated FE query addresses, e.g. "fe-0.example:9030,fe-1:9030"');
  if (text === '') return [];
  const addresses: string[] = [];
  for (const [index, item] of text.split(',').entries()) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const parsed = parseHostPort(trimmed, 'FE');
    if (parsed.ok) addresses.push(formatHostPort(parsed.value));
    else
      reader.errors.push({
        variable: 'FE_ADDRS',
        message: `FE_ADDRS entry ${index} is not host:port: ${parsed.message}`,
      });
  }
  if (addresses.length === 0 && reader.errors.every((e) => e.variable !== 'FE_ADDRS'))
    reader.errors.push({ variable: 'FE_ADDRS', message: 'FE_ADDRS lists no address: expected host:query_port' });
  return addresses;
}

function parseCnHost(reader: Reader, port: number): string {
  // CN_HOST falls back to POD_IP: the 2022 sidecar registered the pod IP without being told a host.
  const host = reader.raw('CN_HOST') ?? reader.raw('POD_IP');
  if (host === undefined) {
    reader.errors.push({
      variable: 'CN_HOST',
      message: 'CN_HOST is not set (nor POD_IP): expected the pod IP or the pod DNS name the FE should use',
    });
    return '';
  }
  const text = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
  const parsed = parseHostPort(text);
  if (!parsed.ok) {
    reader.errors.push({
      variable: 'CN_HOST',
      message: `CN_HOST is not a valid host name or IP (${parsed.message}); refusing to send it to the FE`,
    });
    return '';
  }
  return formatHostPort(parsed.value);
}

export function parseRegisterConfig(env: Env): ParseConfigResult {
  const reader = new Reader(env);
  const feAddresses = parseFeAddresses(reader);
  const feUser = reader.required('FE_USR', 'the FE user (key FE_USR of the account Secret)');
  // Not trimmed and never echoed: a password may legitimately contain spaces.
  const fePassword = env['FE_PWD'] ?? '';
  const cnPort = reader.port('CN_PORT', 9050);
  const cnHttpPort = reader.port('CN_HTTP_PORT', 8040);
  const cnAddress = parseCnHost(reader, cnPort);
  const healthHost = reader.raw('CN_HEALTH_HOST') ?? '127.0.0.1';
  if (!isValidHost(healthHost))
    reader.errors.push({ variable: 'CN_HEALTH_HOST', message: `CN_HEALTH_HOST="${healthHost}" is not a host or IP` });
  const healthHostInUrl = healthHost.includes(':') ? `[${healthHost}]` : healthHost;

  const value: RegisterConfig = {
    feAddresses,
    feUser,
    fePassword,
    cnAddress,
    cnHealthUrl: `http://${healthHostInUrl}:${cnHttpPort}/api/health`,
    probeHost: reader.raw('REGISTER_PROBE_HOST') ?? '0.0.0.0',
    // 0 picks a free port (tests run many sidecars side by side); the pod always sets 8099.
    probePort: reader.port('REGISTER_PROBE_PORT', 8099, 0),
    periodMs: reader.seconds('REGISTER_PERIOD_SECONDS', 10, 0.1, 3600),
    healthPollMs: reader.seconds('REGISTER_HEALTH_POLL_SECONDS', 0.25, 0.05, 60),
    errorRetryMaxMs: reader.seconds('REGISTER_ERROR_RETRY_MAX_SECONDS', 30, 0.1, 3600),
    configErrorRetryMs: reader.seconds('REGISTER_CONFIG_ERROR_RETRY_SECONDS', 300, 1, 86400),
    feConnectTimeoutMs: reader.integer('FE_CONNECT_TIMEOUT_MS', 3000, 100, 600000, 'milliseconds from 100 to 600000'),
    feQueryTimeoutMs: reader.integer('FE_QUERY_TIMEOUT_MS', 5000, 100, 600000, 'milliseconds from 100 to 600000'),
    healthTimeoutMs: reader.integer('CN_HEALTH_TIMEOUT_MS', 2000, 100, 60000, 'milliseconds from 100 to 60000'),
    shutdownTimeoutMs: reader.seconds('REGISTER_SHUTDOWN_TIMEOUT_SECONDS', 5, 0.5, 60),
    podName: reader.raw('POD_NAME'),
    podNamespace: reader.raw('POD_NAMESPACE'),
  };
  return reader.errors.length === 0 ? { ok: true, value } : { ok: false, errors: reader.errors };
}
