// The pure part of `cngctl status`: a group's pods beside the FE's view of them, as rows and as text. Everything
// here works on values already read (the group, its raw pods, SHOW COMPUTE NODES or the reason it failed), so the
// table is tested without a cluster or an FE; src/cli/status.ts does the reading.
import type { ComputeNodeGroup, Condition, SuspensionStatus } from '../api/v1alpha1/index.js';
import { podFqdn } from '../builders/names.js';
import { viewPod } from '../group/pods.js';
import type { ComputeNodeRecord } from '../fe/index.js';
import { addressKey, addressKeyOf, cnAddress } from '../cn/index.js';

/** What the FE said: its compute nodes, or why they could not be read. */
export type FeView = { ok: true; nodes: readonly ComputeNodeRecord[] } | { ok: false; message: string };

export interface StatusInput {
  group: ComputeNodeGroup;
  /** The pods carrying the group's labels, as the API server returned them. */
  pods: readonly unknown[];
  heartbeatPort: number;
  fe: FeView;
}

/** The FE side of one address; undefined fields when the FE could not be read. */
export interface FeSide {
  /** Listed by SHOW COMPUTE NODES; undefined when the FE was not read. */
  registered: boolean | undefined;
  alive: boolean | undefined;
  lastHeartbeat: string | null | undefined;
  errMsg: string | undefined;
}

export interface CnRow extends FeSide {
  /** The pod's name; for a ledger entry without a pod, the pod it belonged to. */
  pod: string;
  /** undefined for a ledger entry whose pod is gone. */
  ordinal: number | undefined;
  /** The pod's phase ('Terminating' while being deleted); undefined when there is no pod. */
  phase: string | undefined;
  ready: boolean | undefined;
  /** The address the CN registers with; undefined while the pod has no IP (IP mode). */
  address: string | undefined;
  /** True for an FE entry the group registered (its ledger) whose pod no longer exists at that address. */
  orphan: boolean;
}

export interface StatusView {
  namespace: string;
  name: string;
  addressType: 'IP' | 'FQDN';
  desiredReplicas: number;
  rows: CnRow[];
  /** Pods with the group's labels that are not CN pods of the group (so they are not in rows). */
  foreignPods: string[];
  conditions: Condition[];
  feError: string | undefined;
  /** status.suspension: suspended by what and since when, the open windows, the next change. */
  suspension?: SuspensionStatus | undefined;
}

function feSide(fe: FeView, byKey: ReadonlyMap<string, ComputeNodeRecord>, address: string | undefined): FeSide {
  if (!fe.ok) return { registered: undefined, alive: undefined, lastHeartbeat: undefined, errMsg: undefined };
  const key = address === undefined ? null : addressKeyOf(address);
  const record = key === null ? undefined : byKey.get(key);
  if (record === undefined) return { registered: false, alive: false, lastHeartbeat: null, errMsg: '' };
  return { registered: true, alive: record.alive, lastHeartbeat: record.lastHeartbeat, errMsg: record.errMsg };
}

function podPhase(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || !('status' in raw)) return undefined;
  const status = raw.status;
  if (typeof status !== 'object' || status === null || !('phase' in status)) return undefined;
  return typeof status.phase === 'string' ? status.phase : undefined;
}

function podNameOf(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && 'metadata' in raw) {
    const metadata = raw.metadata;
    if (typeof metadata === 'object' && metadata !== null && 'name' in metadata && typeof metadata.name === 'string') {
      return metadata.name;
    }
  }
  return '<unnamed>';
}

/** One row per CN pod (by ordinal, numerically), then one per ledger address whose pod is gone. */
export function buildStatusView(input: StatusInput): StatusView {
  const { group, heartbeatPort, fe } = input;
  const byKey = new Map<string, ComputeNodeRecord>();
  if (fe.ok) for (const node of fe.nodes) byKey.set(addressKey({ host: node.host, port: node.heartbeatPort }), node);

  const rows: CnRow[] = [];
  const foreignPods: string[] = [];
  for (const raw of input.pods) {
    const pod = viewPod(raw, group);
    if (pod === undefined) {
      foreignPods.push(podNameOf(raw));
      continue;
    }
    const address =
      cnAddress({
        addressType: group.spec.cnInfo.addressType,
        podIP: pod.ip,
        podFqdn: podFqdn(group, pod.ordinal),
        heartbeatPort,
      }) ?? undefined;
    rows.push({
      pod: pod.name,
      ordinal: pod.ordinal,
      phase: pod.terminating ? 'Terminating' : (podPhase(raw) ?? 'Unknown'),
      ready: pod.ready,
      address,
      orphan: false,
      ...feSide(fe, byKey, address),
    });
  }
  rows.sort((a, b) => (a.ordinal ?? 0) - (b.ordinal ?? 0));
  rows.push(...orphanRows(group, rows, (address) => feSide(fe, byKey, address)));

  return {
    namespace: group.metadata.namespace ?? 'default',
    name: group.metadata.name,
    addressType: group.spec.cnInfo.addressType,
    desiredReplicas: group.spec.replicas,
    rows,
    foreignPods: foreignPods.sort(),
    conditions: group.status?.conditions ?? [],
    feError: fe.ok ? undefined : fe.message,
    suspension: group.status?.suspension,
  };
}

/** The ledger's addresses no pod has any more (the operator drops them from the FE). */
function orphanRows(group: ComputeNodeGroup, podRows: readonly CnRow[], side: (address: string) => FeSide): CnRow[] {
  const podKeys = new Set(podRows.flatMap((row) => (row.address === undefined ? [] : [addressKeyOf(row.address)])));
  const seen = new Set<string>();
  const orphans: CnRow[] = [];
  for (const entry of group.status?.computeNodes ?? []) {
    const key = addressKeyOf(entry.address);
    if (key === null || podKeys.has(key) || seen.has(key)) continue;
    seen.add(key);
    orphans.push({
      pod: entry.pod,
      ordinal: undefined,
      phase: undefined,
      ready: undefined,
      address: entry.address,
      orphan: true,
      ...side(entry.address),
    });
  }
  return orphans;
}

const DASH = '-';

function yesNo(value: boolean | undefined): string {
  if (value === undefined) return '?';
  return value ? 'yes' : 'no';
}

function cells(row: CnRow): string[] {
  return [
    row.pod,
    row.ordinal === undefined ? DASH : String(row.ordinal),
    row.orphan ? '(no pod)' : (row.phase ?? DASH),
    row.orphan ? DASH : yesNo(row.ready),
    row.address ?? '(no IP yet)',
    yesNo(row.registered),
    row.registered === false ? DASH : yesNo(row.alive),
    row.lastHeartbeat ?? DASH,
    row.errMsg === undefined || row.errMsg === '' ? DASH : row.errMsg,
  ];
}

/** Left-aligned columns separated by three spaces, like kubectl's tables. */
export function formatTable(header: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((line) => (line[column] ?? '').length)),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((value, column) => (column === values.length - 1 ? value : value.padEnd(widths[column] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

export const CN_COLUMNS = [
  'POD',
  'ORDINAL',
  'PHASE',
  'READY',
  'ADDRESS',
  'REGISTERED',
  'ALIVE',
  'LAST HEARTBEAT',
  'FE ERROR',
] as const;

/** The whole report as text: a summary line, the CN table, the FE problem if any, the conditions. */
export function renderStatus(view: StatusView): string {
  const out: string[] = [];
  const registered = view.rows.filter((row) => row.registered === true).length;
  const alive = view.rows.filter((row) => row.alive === true).length;
  const pods = view.rows.filter((row) => !row.orphan).length;
  const feSummary = view.feError === undefined ? `registered in FE ${registered}, alive ${alive}` : 'FE not read';
  out.push(
    `ComputeNodeGroup ${view.namespace}/${view.name}: desired ${view.desiredReplicas}, pods ${pods}, ${feSummary} ` +
      `(address type ${view.addressType})`,
  );
  out.push('');
  out.push(
    view.rows.length === 0
      ? 'No CN pods and no FE entries of this group.'
      : formatTable(CN_COLUMNS, view.rows.map(cells)),
  );
  if (view.rows.some((row) => row.orphan)) {
    out.push('');
    out.push('(no pod): an address this group registered whose pod is gone; the operator drops it from the FE.');
  }
  if (view.foreignPods.length > 0) {
    out.push('');
    out.push(`Pods with the group's labels that are not its CN pods: ${view.foreignPods.join(', ')}`);
  }
  if (view.feError !== undefined) {
    out.push('');
    out.push(`FE: ${view.feError}`);
  }
  const suspension = suspensionLines(view.suspension);
  if (suspension.length > 0) out.push('', ...suspension);
  out.push('');
  if (view.conditions.length === 0) {
    out.push('Conditions: none reported yet (is the operator running?)');
  } else {
    out.push('Conditions:');
    out.push(
      formatTable(
        ['TYPE', 'STATUS', 'REASON', 'MESSAGE'],
        view.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
      ),
    );
  }
  return out.join('\n') + '\n';
}

/** Suspended by what and since when; the open schedule windows and the next change (docs/cost-control.md). */
function suspensionLines(suspension: SuspensionStatus | undefined): string[] {
  if (suspension === undefined) return [];
  const lines: string[] = [];
  if (suspension.suspendedBy !== undefined) {
    lines.push(`Suspended by ${suspension.suspendedBy} since ${suspension.since ?? DASH}`);
  }
  if (suspension.idleSince !== undefined) lines.push(`Idle since ${suspension.idleSince}`);
  const next = suspension.nextChange;
  if (suspension.openWindows !== undefined || next !== undefined) {
    lines.push(`Schedule windows open: ${suspension.openWindows?.join(', ') ?? 'none'}`);
  }
  if (next !== undefined) lines.push(`Next: window ${next.window} ${next.action.toLowerCase()} at ${next.at}`);
  return lines;
}
