// The checks the runtime and the API server both apply. Each rule is written once, as an RE2-compatible regular
// expression or a CEL expression, so the zod validation and the CRD's x-kubernetes-validations cannot drift apart.

/** A rule of a CRD `x-kubernetes-validations` list. */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
}

/** Quotes a text as a CEL single-quoted string literal. */
export function celString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** A CEL rule for a string field that must match `pattern` (whole-string anchored by the pattern itself). */
export function celMatches(pattern: string, message: string): CelRule {
  return { rule: `self.matches(${celString(pattern)})`, message };
}

// ---- FE addresses: host:query_port -------------------------------------------------------------------------------

/** Characters an address may hold at all: anything else (quotes, spaces, `;`, `\`, ...) could end up in SQL. */
export const ADDRESS_CHARSET = '^[A-Za-z0-9.:\\[\\]-]+$';
// The grammar below accepts exactly what the runtime parser (src/cn/address.ts, parseHostPort) accepts, checked on a
// shared corpus and on random strings by test/unit/api/address-parity.test.ts: an address admission lets in never
// fails at run time.
/** RFC 1123 labels of 1-63 characters, dot-separated, with an optional final dot. */
const HOSTNAME_LABEL = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = `${HOSTNAME_LABEL}(\\.${HOSTNAME_LABEL})*\\.?`;
const DEC_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = `${DEC_OCTET}(\\.${DEC_OCTET}){3}`;
/** RFC 3986's IPv6address, alternative by alternative (RE2 has no lookaround, so each count is spelled out). */
const IPV6 = ipv6Pattern();
/** `host:port` where host is a hostname, an IPv4 address or an IPv6 address in brackets. */
export const ADDRESS_FORM = `^(${HOSTNAME}|\\[${IPV6}\\]):[0-9]+$`;
/** A host of digits and dots only is an IPv4 address (each part 0-255, no leading zero), not a name. */
export const ADDRESS_NUMERIC_HOST = `^([^:]*[^0-9.:][^:]*|${IPV4}|\\[.*\\]):[0-9]+$`;
/** A host name is at most 253 characters. */
export const ADDRESS_HOST_LENGTH = '^(\\[.*\\]|[^:]{1,253}):[0-9]+$';
/** The port part is 1-65535 without leading zeros. */
export const ADDRESS_PORT_RANGE =
  ':(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})$';
export const ADDRESS_MAX_LENGTH = 261; // a 253-character DNS name, ':' and a port, with room for brackets
export const MAX_FE_ADDRESSES = 32;

export const ADDRESS_MESSAGES = {
  charset:
    'must hold only letters, digits, ".", "-", ":" and "[ ]" (no quotes, spaces, semicolons or other SQL characters)',
  form: 'must be host:port, e.g. 10.0.0.1:9030, fe-0.fe.starrocks.svc:9030 or [fd00::1]:9030',
  numericHost: 'a host of digits and dots must be an IPv4 address, each part 0-255 without a leading zero',
  hostLength: 'the host name must be at most 253 characters',
  port: 'the port must be a number from 1 to 65535',
} as const;

function ipv6Pattern(): string {
  const h16 = '[0-9A-Fa-f]{1,4}';
  const ls32 = `(${h16}:${h16}|${IPV4})`;
  const groups = (count: number): string => (count === 0 ? '' : `(${h16}:){${count}}`);
  /** Up to `most` groups before "::", or none. */
  const head = (most: number): string => (most < 0 ? '' : `((${h16}:){0,${most}}${h16})?`);
  const alternatives = [
    `${groups(6)}${ls32}`,
    `::${groups(5)}${ls32}`,
    `${head(0)}::${groups(4)}${ls32}`,
    `${head(1)}::${groups(3)}${ls32}`,
    `${head(2)}::${groups(2)}${ls32}`,
    `${head(3)}::${h16}:${ls32}`,
    `${head(4)}::${ls32}`,
    `${head(5)}::${h16}`,
    `${head(6)}::`,
  ];
  return `(${alternatives.join('|')})`;
}

// ---- Kubernetes names -------------------------------------------------------------------------------------------

/** RFC 1123 subdomain: the names of Secrets, ConfigMaps, ServiceAccounts and PriorityClasses. */
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const DNS_SUBDOMAIN_MAX_LENGTH = 253;
export const DNS_SUBDOMAIN_MESSAGE =
  'must be a Kubernetes object name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit';
/** RFC 1035 label: the group's own name, because it becomes the name of a Service and of pods' host names. */
export const DNS_LABEL = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

// ---- images, cron schedules --------------------------------------------------------------------------------------

export const IMAGE_MAX_LENGTH = 1024;
/** An image reference has no white space; the API server and the kubelet reject the rest themselves. */
export const IMAGE_FORM = '^[^\\s]+$';
export const IMAGE_MESSAGE = 'must be an image reference such as starrocks/cn-ubuntu:3.3.5, without spaces';

export const SCHEDULE_MAX_LENGTH = 256;
/** Five cron fields, or one of the predefined @ schedules a CronJob accepts. */
export const SCHEDULE_FORM =
  '^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[^\\s]+\\s+[^\\s]+\\s+[^\\s]+\\s+[^\\s]+\\s+[^\\s]+)$';
export const SCHEDULE_MESSAGE = 'must be a cron expression with five fields, e.g. "*/1 * * * *", or @hourly/@daily/...';

/** One cron field as the CronJob controller's parser reads it: `*`, `?`, values, ranges, steps, lists. */
function cronField(value: string): string {
  const item = `(\\*|\\?|${value}(-${value})?)(/[1-9][0-9]{0,3})?`;
  return `${item}(,${item})*`;
}
const MONTH_NAMES = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
const DAY_NAMES = 'sun|mon|tue|wed|thu|fri|sat';
const named = (names: string): string => `${names}|${names.toUpperCase()}`;
/**
 * The five fields within their ranges, as the API server checks a CronJob's schedule: a schedule that passes only
 * the five-field form (`61 * * * *`) would be refused when the operator creates the CronJob, so refuse it here.
 */
export const SCHEDULE_RANGES =
  '^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|' +
  [
    cronField('[0-5]?[0-9]'),
    cronField('([01]?[0-9]|2[0-3])'),
    cronField('(0?[1-9]|[12][0-9]|3[01])'),
    cronField(`(0?[1-9]|1[0-2]|${named(MONTH_NAMES)})`),
    cronField(`([0-6]|${named(DAY_NAMES)})`),
  ].join('\\s+') +
  ')$';
export const SCHEDULE_RANGES_MESSAGE =
  'each cron field must be within its range: minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, ' +
  'day of week 0-6 or SUN-SAT (a step is /1 or more)';

// ---- int-or-string percentages -----------------------------------------------------------------------------------

/** 0% to 100%: a PodDisruptionBudget refuses more. */
export const PERCENT_FORM = '^(100|[1-9]?[0-9])%$';
/** 1% to 100%: a rollout that may take no pod at all would never progress. */
export const POSITIVE_PERCENT_FORM = '^(100|[1-9][0-9]?)%$';
/** Labels the operator sets on every pod; users may not override them or the selector would lose its pods. */
export const RESERVED_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/component',
] as const;
export const RESERVED_LABELS_RULE: CelRule = {
  rule: `[${RESERVED_LABELS.map(celString).join(', ')}].all(k, !(k in self))`,
  message: `must not set ${RESERVED_LABELS.join(', ')}: the operator sets them to select the group's pods`,
};

// ---- storage ------------------------------------------------------------------------------------------------------

export const PATH_MAX_LENGTH = 1024;
/** An absolute path without white space or characters a shell or cn.conf would read differently. */
export const ABSOLUTE_PATH_FORM = '^(/[A-Za-z0-9._+@-]+)+/?$';
export const ABSOLUTE_PATH_MESSAGE =
  'must be an absolute path such as /opt/starrocks/cn/storage (letters, digits, ".", "_", "-", "+", "@" and "/")';

/**
 * A StatefulSet's volumeClaimTemplates cannot change: the API server would refuse every later update of the
 * StatefulSet and the group would be stuck. So a claim (its size, class, access modes, or whether a volume is a
 * claim at all) is fixed once the group exists, refused at admission with what to do instead. The other volume
 * kinds and the mount paths change freely (a rolling update). Two rules, both cheap enough for the API server's
 * CEL cost budget: one on the spec says whether each volume is a claim (has() checks only), one on each claim
 * compares it with its old value.
 */
const CLAIMS_MESSAGE =
  "a persistentVolumeClaim volume cannot be added, removed or changed once the group exists (a StatefulSet's volume claim templates are immutable); create a new group with the new storage and move to it, or delete and re-create this group (claims retained by persistentVolumeClaimRetention keep their data)";

const isClaim = (root: string, volume: string): string =>
  `(has(${root}.storage) && has(${root}.storage.${volume}) && has(${root}.storage.${volume}.persistentVolumeClaim))`;

export const CLAIMS_UNCHANGED: CelRule = {
  rule: ['cache', 'spill', 'log']
    .map((volume) => `${isClaim('self', volume)} == ${isClaim('oldSelf', volume)}`)
    .join(' && '),
  message: `spec.storage: ${CLAIMS_MESSAGE}`,
};

export const CLAIM_UNCHANGED: CelRule = { rule: 'self == oldSelf', message: CLAIMS_MESSAGE };

// ---- extra containers and mounts ------------------------------------------------------------------------------------

/** The operator's own containers: a user's extra container may not take their names. */
export const RESERVED_CONTAINER_NAMES = ['cn', 'register'] as const;
export const MAX_EXTRA_CONTAINERS = 16;
export const MAX_EXTRA_MOUNTS = 32;
export const CONTAINER_NAMES_FREE: CelRule = {
  rule: `self.all(c, !(c.name in [${RESERVED_CONTAINER_NAMES.map(celString).join(', ')}]))`,
  message: `must not name a container ${RESERVED_CONTAINER_NAMES.join(' or ')}: the operator's own containers have these names`,
};
export const CONTAINER_NAMES_UNIQUE: CelRule = {
  rule: 'self.all(c, self.filter(d, d.name == c.name).size() == 1)',
  message: 'container names must be unique',
};
export const MOUNT_PATHS_UNIQUE: CelRule = {
  rule: 'self.all(m, self.filter(n, n.mountPath == m.mountPath).size() == 1)',
  message: 'mount paths must be unique',
};
