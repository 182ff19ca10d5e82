// Reads the ports out of a CN's cn.conf (the ConfigMap key `cn.conf`). The pods' ports, the probes, the Service and
// the address a CN registers under all come from here, so a port changed in cn.conf changes all of them together.

export interface CnPorts {
  /** Heartbeat port: the port of the address in ALTER SYSTEM ADD/DROP COMPUTE NODE. */
  heartbeatServicePort: number;
  /** Thrift port, shown as BePort by the FE. */
  bePort: number;
  /** HTTP port: /api/health and the FE's HttpPort. */
  httpPort: number;
  brpcPort: number;
  /** Shared-data (starlet) port. */
  starletPort: number;
}

export const DEFAULT_CN_PORTS: Readonly<CnPorts> = Object.freeze({
  heartbeatServicePort: 9050,
  bePort: 9060,
  httpPort: 8040,
  brpcPort: 8060,
  starletPort: 9070,
});

export interface CnConfError {
  /** 1-based line number in cn.conf. */
  line: number;
  message: string;
}

export type CnConfResult = { ok: true; value: CnPorts } | { ok: false; errors: CnConfError[] };

/**
 * The cn.conf keys of each port, the latest name first: when a file carries both names the latest one wins, as it
 * does in the CN (2.4 read `thrift_port` and `webserver_port`; later versions read `be_port` and `be_http_port` and
 * still accept the old names).
 */
export const PORT_KEYS: Readonly<Record<keyof CnPorts, readonly string[]>> = Object.freeze({
  heartbeatServicePort: ['heartbeat_service_port'],
  bePort: ['be_port', 'thrift_port'],
  httpPort: ['be_http_port', 'webserver_port'],
  brpcPort: ['brpc_port'],
  starletPort: ['starlet_port'],
});

const KEY_FORM = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export interface Entry {
  value: string;
  line: number;
}

/** The `key = value` entries of cn.conf (a later line wins, as in the CN), with the lines that are not entries. */
export function cnConfEntries(text: string): { entries: Map<string, Entry>; errors: CnConfError[] } {
  const errors: CnConfError[] = [];
  const entries = new Map<string, Entry>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const equals = trimmed.indexOf('=');
    if (equals < 0) {
      errors.push({
        line,
        message: `line ${line}: expected "key = value", found ${JSON.stringify(truncate(trimmed))}`,
      });
      return;
    }
    const key = trimmed.slice(0, equals).trim();
    if (!KEY_FORM.test(key)) {
      errors.push({ line, message: `line ${line}: ${JSON.stringify(truncate(key))} is not a valid cn.conf key` });
      return;
    }
    entries.set(key, { value: stripInlineComment(trimmed.slice(equals + 1)).trim(), line });
  });
  return { entries, errors };
}

/** Parses cn.conf text: `key = value` lines, `#` comments and blank lines. Unknown keys are kept by the CN, ignored here. */
export function parseCnConf(text: string): CnConfResult {
  const { entries, errors } = cnConfEntries(text);

  const ports: CnPorts = { ...DEFAULT_CN_PORTS };
  const portLines = new Map<keyof CnPorts, number>();
  for (const field of Object.keys(PORT_KEYS) as (keyof CnPorts)[]) {
    const key = PORT_KEYS[field].find((name) => entries.has(name));
    if (key === undefined) continue;
    const entry = entries.get(key);
    if (entry === undefined) continue;
    const port = parsePort(entry.value);
    if (port === undefined) {
      errors.push({
        line: entry.line,
        message: `line ${entry.line}: ${key} must be a port number from 1 to 65535, found ${JSON.stringify(truncate(entry.value))}`,
      });
      continue;
    }
    ports[field] = port;
    portLines.set(field, entry.line);
  }
  errors.push(...duplicatePortErrors(ports, portLines));
  if (errors.length > 0) return { ok: false, errors: errors.sort((a, b) => a.line - b.line) };
  return { ok: true, value: ports };
}

/** Two services on one port would stop the CN from starting; say so here instead of in a crash-looping pod. */
function duplicatePortErrors(ports: CnPorts, lines: Map<keyof CnPorts, number>): CnConfError[] {
  const errors: CnConfError[] = [];
  const seen = new Map<number, keyof CnPorts>();
  for (const field of Object.keys(PORT_KEYS) as (keyof CnPorts)[]) {
    const other = seen.get(ports[field]);
    if (other === undefined) {
      seen.set(ports[field], field);
      continue;
    }
    const line = lines.get(field) ?? lines.get(other) ?? 0;
    errors.push({
      line,
      message: `line ${line}: ${portKeyName(field)} and ${portKeyName(other)} are both ${ports[field]}; each CN port must differ`,
    });
  }
  return errors;
}

function portKeyName(field: keyof CnPorts): string {
  return PORT_KEYS[field][0] ?? field;
}

function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** `be_port = 9060 # thrift` : a `#` after white space starts a comment. */
function stripInlineComment(value: string): string {
  const match = /\s#/.exec(value);
  return match === null ? value : value.slice(0, match.index);
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
