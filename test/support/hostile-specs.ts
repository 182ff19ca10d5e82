// Invalid and hostile ComputeNodeGroup specs, generated from one valid group by mutation: huge and negative numbers,
// wrong types, unicode, quote and SQL characters in addresses and names, deep nesting, long lists, unknown fields.
// Every hostile text carries MARKER, so a test can prove none of it ever reached the FE. Pure and deterministic.

import { isDeepStrictEqual } from 'node:util';

export const MARKER = 'HOSTILE';

type Json = Record<string, unknown>;

export interface HostileSpec {
  /** What the mutation does, for failure messages. */
  readonly label: string;
  readonly spec: Json;
}

/** Texts meant to break SQL, YAML, shells, logs and names; each contains MARKER. */
const TEXTS = [
  `10.0.0.1:9030'; DROP TABLE ${MARKER}; --`,
  `'); ALTER SYSTEM DROP COMPUTE NODE '${MARKER}:9050`,
  `"${MARKER}" OR 1=1`,
  `${MARKER}\\'\\"\\\\`,
  `${MARKER}\n--\n`,
  `${MARKER}$(rm -rf /)`,
  `${MARKER}\`id\``,
  `ｈｏｓｔ${MARKER}：９０３０`,
  `${MARKER}☃.example:9030`,
  `${MARKER}\u0000nul`,
  `${MARKER}${'x'.repeat(5000)}`,
  `[${MARKER}::1]:9030`,
  ` ${MARKER} `,
  `${MARKER}:99999999`,
  `${MARKER}:-1`,
  `%${MARKER}%s%n`,
];

const NUMBERS: unknown[] = [-1, 0, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e308, 3.5, '3', '1e3', null, true, [], {}, -0.5];

function deep(levels: number): Json {
  let node: Json = { [MARKER]: MARKER };
  for (let level = 0; level < levels; level++) node = { [`l${level}`]: node };
  return node;
}

/** Sets `value` at a dotted path of a copy of `base` (creating objects on the way). */
function withValue(base: Json, path: string, value: unknown): Json {
  const copy = structuredClone(base);
  const segments = path.split('.');
  let node = copy;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Json;
  }
  const last = segments.at(-1) ?? '';
  node[last] = value;
  return copy;
}

/** Schedule windows with a hostile cron, time zone or name, contradictory fields, or too many of them. */
function hostileWindows(): unknown[] {
  const window = { name: 'w', start: '0 8 * * *', end: '0 9 * * *', replicas: 1 };
  return [
    ...TEXTS.slice(0, 4).map((text) => [{ ...window, start: text }]),
    ...TEXTS.slice(0, 4).map((text) => [{ ...window, timeZone: text }]),
    [{ ...window, name: `${MARKER} window` }],
    [{ ...window, start: '0 0 31 2 *' }],
    [{ name: 'w', start: '0 8 * * *', end: '0 9 * * *', suspend: true, replicas: 2 }],
    [{ name: 'w', start: '0 8 * * *', end: '0 9 * * *' }],
    Array.from({ length: 50 }, (_, index) => ({ ...window, name: `w${index}` })),
    [window, window],
    'x',
  ];
}

/** Fields a user writes, with what each is mutated to. */
function targets(): { path: string; values: unknown[] }[] {
  return [
    { path: 'feInfo.addresses', values: [...TEXTS.map((text) => [text]), [], Array(200).fill('10.0.0.1:9030'), 'x'] },
    { path: 'feInfo.accountSecret', values: [...TEXTS, 42] },
    { path: 'cnInfo.configMap', values: [...TEXTS, 42] },
    { path: 'cnInfo.addressType', values: [...TEXTS.slice(0, 6), 'ip', 7] },
    { path: 'images.cnImage', values: [...TEXTS, '', 1] },
    { path: 'replicas', values: NUMBERS },
    { path: 'autoScalingPolicy.maxReplicas', values: NUMBERS },
    { path: 'autoScalingPolicy.queries.targetPerCN', values: NUMBERS },
    { path: 'podPolicy.resources', values: [deep(60), { requests: { cpu: MARKER } }, { limits: TEXTS.slice(0, 3) }] },
    {
      path: 'podPolicy.env',
      values: [
        [{ name: MARKER.toLowerCase() + '-bad name', value: 'x' }],
        Array.from({ length: 3000 }, (_, index) => ({ name: `E${index}`, value: MARKER })),
        [{ name: 'A', valueFrom: deep(40) }],
      ],
    },
    { path: 'podPolicy.annotations', values: [{ [`${MARKER} bad/key`]: 'x' }, { a: deep(5) }] },
    { path: 'podPolicy.terminationGracePeriodSeconds', values: NUMBERS },
    { path: 'cronJobPolicy.schedule', values: [...TEXTS.slice(0, 8), '* * * * * * *', '61 * * * *'] },
    { path: 'schedules', values: hostileWindows() },
    { path: 'autoSuspend.idleSeconds', values: NUMBERS },
    { path: 'autoSuspend.feHttpPort', values: NUMBERS },
    { path: 'suspend', values: ['yes', 1, null, TEXTS[0]] },
    { path: 'storage.cache', values: [{ emptyDir: { sizeLimit: MARKER } }, { hostPath: { path: MARKER } }, deep(30)] },
    { path: MARKER, values: ['unknown field', deep(10)] },
  ];
}

/** At least 300 mutations of `base` (a valid spec), each breaking or stretching one field. */
export function hostileSpecs(base: Json): HostileSpec[] {
  const specs: HostileSpec[] = [];
  for (const { path, values } of targets()) {
    for (const [index, value] of values.entries()) {
      const spec = withValue(base, path, value);
      if (isDeepStrictEqual(spec, base)) continue; // the base's own value: no mutation
      specs.push({ label: `${path} #${index}`, spec });
      // The same value beside a second mutation: two wrongs at once must still be refused with a message.
      specs.push({
        label: `${path} #${index} with replicas -1`,
        spec: withValue(withValue(base, path, value), 'replicas', -1),
      });
    }
  }
  return specs;
}
