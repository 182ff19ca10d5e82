// The manager's command-line flags, with kubebuilder's names so the Deployment args of any kubebuilder operator
// carry over. Parsing is pure: argv in, a typed settings object or every problem found out. MANAGER_FLAGS is the one
// table of them: `manager --help` and the shell completion print its help, and `npm run generate` writes its rows
// into docs/operating.md.
import type { LevelWithSilent } from 'pino';
import { parseBindAddress, type BindAddress } from './bind-address.js';
import { parseDuration } from './duration.js';
import { parseLevel } from './logging.js';
import { parseServiceRef, type ServiceRef } from './service-ref.js';

export interface ManagerSettings {
  /** undefined: the metrics endpoint is off. */
  metricsBindAddress: BindAddress | undefined;
  /** undefined: the health endpoints are off. */
  healthProbeBindAddress: BindAddress | undefined;
  leaderElect: boolean;
  leaderElectionId: string;
  /** undefined: use the namespace the manager runs in. */
  leaderElectionNamespace: string | undefined;
  /** Namespaces to watch; empty means all namespaces. */
  watchNamespaces: string[];
  logLevel: LevelWithSilent;
  feSyncPeriodMs: number;
  busyFeSyncPeriodMs: number;
  resyncPeriodMs: number;
  /** undefined: the custom metrics API is off. */
  customMetricsBindAddress: BindAddress | undefined;
  customMetricsCertDir: string;
  /** undefined: the installer manages the APIService. */
  customMetricsService: ServiceRef | undefined;
}

export interface FlagSpec {
  name: string;
  kind: 'string' | 'boolean';
  default: string;
  help: string;
}

/** A flag with its row in docs/operating.md (markdown): what an operator needs beyond the one-line help. */
export interface DocumentedFlag extends FlagSpec {
  docs: {
    /** How the default reads there, when the bare value would mislead; absent: the value in backticks. */
    default?: string;
    meaning: string;
  };
}

/** The Lease's name unless --leader-election-id says otherwise (also the leader pod label's value). */
export const DEFAULT_LEADER_ELECTION_ID = 'cn-operator.starrocks.com';

export const MANAGER_FLAGS: readonly DocumentedFlag[] = [
  {
    name: 'metrics-bind-address',
    kind: 'string',
    default: ':8080',
    help: 'Address /metrics listens on; "0" disables',
    docs: { meaning: 'where `/metrics` listens; `127.0.0.1:8080` for local only, `0` to switch it off' },
  },
  {
    name: 'health-probe-bind-address',
    kind: 'string',
    default: ':8081',
    help: 'Address /healthz and /readyz listen on; "0" disables',
    docs: { meaning: 'where `/healthz` and `/readyz` listen; `0` to switch them off' },
  },
  {
    name: 'leader-elect',
    kind: 'boolean',
    default: 'false',
    help: 'Elect one active manager through a Lease',
    docs: {
      meaning: 'elect one active replica through a Lease; required when the Deployment has more than one replica',
    },
  },
  {
    name: 'leader-election-id',
    kind: 'string',
    default: DEFAULT_LEADER_ELECTION_ID,
    help: 'Name of the Lease',
    docs: { meaning: 'name of the Lease' },
  },
  {
    name: 'leader-election-namespace',
    kind: 'string',
    default: '',
    help: 'Namespace of the Lease (default: the namespace the manager runs in)',
    docs: {
      default: "the pod's namespace",
      meaning: 'namespace of the Lease (needed when running outside a pod with `--leader-elect`)',
    },
  },
  {
    name: 'watch-namespace',
    kind: 'string',
    default: '',
    help: 'Comma-separated namespaces to watch; empty: all',
    docs: {
      default: 'empty (all namespaces)',
      meaning: 'comma-separated namespaces to watch; RBAC then only needs Roles in those namespaces',
    },
  },
  {
    name: 'log-level',
    kind: 'string',
    default: 'info',
    help: 'fatal, error, warn, info, debug or trace',
    docs: { meaning: '`fatal`, `error`, `warn`, `info`, `debug` or `trace`' },
  },
  {
    name: 'fe-sync-period',
    kind: 'string',
    default: '15s',
    help: "How often each FE's compute node list is read",
    docs: {
      meaning:
        "how often each FE's compute-node list and queue are read (one `SHOW COMPUTE NODES` and one `SHOW RUNNING QUERIES` per FE, shared by all groups)",
    },
  },
  {
    name: 'busy-fe-sync-period',
    kind: 'string',
    default: '2s',
    help: 'How often a group that scales on its queries is read while its HPA would add CNs',
    docs: {
      meaning:
        'how often the FE is read for a group that scales on its queries (`autoScalingPolicy.queries`, or an `Object` metric named after a load figure) while its load asks its HPA for more CNs than it runs, below its maximum; otherwise `--fe-sync-period` applies ([autoscaling.md](autoscaling.md#how-fast-it-reacts-and-the-settings-that-matter))',
    },
  },
  {
    name: 'resync-period',
    kind: 'string',
    default: '10m',
    help: 'How often every object is reconciled anyway',
    docs: { meaning: 'how often every ComputeNodeGroup is reconciled even when nothing changed (minimum `10s`)' },
  },
  {
    name: 'custom-metrics-bind-address',
    kind: 'string',
    default: '0',
    help: 'Address the custom metrics API (HTTPS) listens on; "0" disables',
    docs: {
      default: '`0` (off)',
      meaning:
        'where the custom metrics API (HTTPS, `custom.metrics.k8s.io/v1beta2`) listens: [autoscaling.md](autoscaling.md)',
    },
  },
  {
    name: 'custom-metrics-cert-dir',
    kind: 'string',
    default: '/var/run/custom-metrics-tls',
    help: 'Directory with the custom metrics API serving certificate: tls.crt, tls.key and ca.crt',
    docs: {
      meaning:
        "its serving certificate: `tls.crt`, `tls.key` and `ca.crt` (the APIService's caBundle; `tls.crt` when absent)",
    },
  },
  {
    name: 'custom-metrics-service',
    kind: 'string',
    default: '',
    help: 'namespace/name[:port] of the Service in front of the custom metrics API; the operator then manages the APIService',
    docs: {
      meaning: "`namespace/name[:port]` of its Service: the operator creates or keeps the APIService, never another's",
    },
  },
];

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/**
 * Reads `--name=value`, `--name value` and bare boolean `--name` forms. Unknown flags and missing values are errors.
 * Returns the raw text of every flag in `specs` (defaults filled in) and the positional arguments.
 */
export function parseFlagValues(
  argv: readonly string[],
  specs: readonly FlagSpec[],
): ParseResult<{ values: Map<string, string>; positionals: string[] }> {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const values = new Map(specs.map((spec) => [spec.name, spec.default]));
  const positionals: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const equals = body.indexOf('=');
    const name = equals < 0 ? body : body.slice(0, equals);
    const spec = byName.get(name);
    if (!spec) {
      errors.push(`unknown flag --${name}; known flags: ${specs.map((s) => `--${s.name}`).join(', ')}`);
      continue;
    }
    if (equals >= 0) values.set(name, body.slice(equals + 1));
    else if (spec.kind === 'boolean') values.set(name, 'true');
    else if (i + 1 < argv.length) values.set(name, argv[++i] ?? '');
    else errors.push(`flag --${name} needs a value`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { values, positionals } };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Parses the manager's flags (MANAGER_FLAGS). */
export function parseManagerFlags(argv: readonly string[]): ParseResult<ManagerSettings> {
  const raw = parseFlagValues(argv, MANAGER_FLAGS);
  if (!raw.ok) return raw;
  const get = (name: string): string => raw.value.values.get(name) ?? '';
  const errors: string[] = [];
  if (raw.value.positionals.length > 0) errors.push(`unexpected arguments: ${raw.value.positionals.join(' ')}`);
  const settings: ManagerSettings = {
    metricsBindAddress: bindAddress('metrics-bind-address', get('metrics-bind-address'), errors),
    healthProbeBindAddress: bindAddress('health-probe-bind-address', get('health-probe-bind-address'), errors),
    leaderElect: boolean('leader-elect', get('leader-elect'), errors),
    leaderElectionId: leaseName(get('leader-election-id'), errors),
    leaderElectionNamespace: optionalNamespace('leader-election-namespace', get('leader-election-namespace'), errors),
    watchNamespaces: namespaceList(get('watch-namespace'), errors),
    logLevel: logLevel(get('log-level'), errors),
    feSyncPeriodMs: period('fe-sync-period', get('fe-sync-period'), 1000, errors),
    busyFeSyncPeriodMs: period('busy-fe-sync-period', get('busy-fe-sync-period'), 1000, errors),
    resyncPeriodMs: period('resync-period', get('resync-period'), 10_000, errors),
    customMetricsBindAddress: bindAddress('custom-metrics-bind-address', get('custom-metrics-bind-address'), errors),
    customMetricsCertDir: get('custom-metrics-cert-dir'),
    customMetricsService: serviceRef('custom-metrics-service', get('custom-metrics-service'), errors),
  };
  if (settings.customMetricsService !== undefined && settings.customMetricsBindAddress === undefined) {
    errors.push('--custom-metrics-service needs --custom-metrics-bind-address: nothing would serve the APIService');
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: settings };
}

function bindAddress(flag: string, text: string, errors: string[]): BindAddress | undefined {
  const parsed = parseBindAddress(text);
  if (parsed.ok) return parsed.value;
  errors.push(`--${flag}: ${parsed.message}`);
  return undefined;
}

function serviceRef(flag: string, text: string, errors: string[]): ServiceRef | undefined {
  if (text === '') return undefined;
  const parsed = parseServiceRef(text);
  if (parsed.ok) return parsed.value;
  errors.push(`--${flag}: ${parsed.message}`);
  return undefined;
}

function boolean(flag: string, text: string, errors: string[]): boolean {
  const lowered = text.trim().toLowerCase();
  if (['true', '1', 't'].includes(lowered)) return true;
  if (['false', '0', 'f'].includes(lowered)) return false;
  errors.push(`--${flag}: "${text}" is not a boolean; use true or false`);
  return false;
}

function leaseName(text: string, errors: string[]): string {
  if (text.length <= 253 && DNS_SUBDOMAIN.test(text)) return text;
  errors.push(
    `--leader-election-id: "${text}" is not a valid Lease name (lowercase letters, digits, '-' and '.', at most 253)`,
  );
  return text;
}

function validNamespace(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

function optionalNamespace(flag: string, text: string, errors: string[]): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (!validNamespace(trimmed)) errors.push(`--${flag}: "${text}" is not a valid namespace name`);
  return trimmed;
}

function namespaceList(text: string, errors: string[]): string[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const invalid = names.filter((name) => !validNamespace(name));
  if (invalid.length > 0) {
    errors.push(`--watch-namespace: not valid namespace names: ${invalid.map((n) => `"${n}"`).join(', ')}`);
  }
  return [...new Set(names)];
}

function logLevel(text: string, errors: string[]): LevelWithSilent {
  const level = parseLevel(text);
  if (level) return level;
  errors.push(`--log-level: "${text}" is not a level; use fatal, error, warn, info, debug or trace`);
  return 'info';
}

function period(flag: string, text: string, minimumMs: number, errors: string[]): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    errors.push(`--${flag}: "${text}" is not a duration; use a form like 30s, 5m or 1h30m`);
    return minimumMs;
  }
  if (ms < minimumMs) errors.push(`--${flag}: ${text} is too short; the minimum is ${minimumMs / 1000}s`);
  return ms;
}
