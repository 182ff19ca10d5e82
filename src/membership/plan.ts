// The membership decision shared by the operator and the `offline` program: given the group's pods, the FE's
// compute nodes and the group's ledger, which addresses to ADD, which to DROP, and what the status should say.
//
// Ownership rule (docs/components.md): an FE entry belongs to this group only if its address is the address of
// one of the group's current pods or is in the group's ledger (status.computeNodes). Nothing else is ever
// dropped, whatever the FE returns: not other groups' CNs, not nodes added by hand, not BEs (which the FE does not
// list as compute nodes at all), not entries this module cannot parse.
import type { DrainOrder } from '../api/v1alpha1/index.js';
import { addressKey, addressKeyOf, formatHostPort, isLeaving, isValidHost } from '../cn/index.js';

/** One pod of the group, as the caller observed it. */
export interface MemberPod {
  name: string;
  /** The StatefulSet ordinal, parsed as a number (never compare pod names as text). */
  ordinal: number;
  /** The address its CN registers with (see cnAddress), or null while unknown (IP mode, no pod IP yet). */
  address: string | null;
  /** The CN is up: the pod is Ready, or its `cn` container has started. Only such pods are added. */
  cnUp: boolean;
  /** The pod has a deletionTimestamp: it is going away and must not receive new work. */
  terminating: boolean;
}

/** The part of an FE `SHOW COMPUTE NODES` row this module reads (the FE client's ComputeNodeRecord fits). */
export interface FeComputeNode {
  /** The host exactly as the FE stores it (IPv6 without brackets). */
  host: string;
  heartbeatPort: number;
  alive: boolean;
}

/** One per-CN status entry; the list of them is also the group's ledger of registered addresses. */
export interface LedgerEntry {
  pod: string;
  address: string;
  registered: boolean;
  alive: boolean;
}

/** The 2022 counters: see docs/components.md for their exact definitions. */
export interface ServersCounters {
  available: number;
  unavailable: number;
  unregistered: number;
  useless: number;
}

export interface MembershipInput {
  pods: readonly MemberPod[];
  /** The FE's compute nodes, or null when the FE could not be read: then nothing is added or dropped. */
  fe: readonly FeComputeNode[] | null;
  /** The previous status.computeNodes. */
  ledger: readonly LedgerEntry[];
  /** spec.replicas: pods with an ordinal at or above it are leaving and are taken out of the FE. */
  desiredReplicas: number;
  /**
   * spec.drain.order. `Drain` and `DropFirst` (default) take a leaving or terminating pod's CN out of the FE while the
   * pod still exists; `StopFirst` leaves it there until the pod is gone (then it is dropped as `pod-gone`).
   */
  order?: DrainOrder;
}

export type DropReason = 'pod-gone' | 'address-changed' | 'scale-in' | 'terminating';

export interface PlannedAdd {
  pod: string;
  address: string;
}

export interface PlannedDrop {
  /** The address exactly as the FE stores it, so that the DROP names the FE's own entry. */
  address: string;
  /** The pod the address belonged to, when known. */
  pod: string | null;
  reason: DropReason;
}

export interface MembershipPlan {
  /** False when the FE could not be read: add and drop are empty and the view carries the last known state. */
  feKnown: boolean;
  add: PlannedAdd[];
  drop: PlannedDrop[];
  /** The new status.computeNodes: every current pod with an address, then every owned address still in the FE. */
  computeNodes: LedgerEntry[];
  servers: ServersCounters;
  /** FE rows skipped because their host or port is not a valid address (never dropped, never counted). */
  ignoredFeEntries: number;
}

interface FeView {
  /** The FE's own spelling of the address, for DROP. */
  address: string;
  alive: boolean;
}

/** Indexes the FE rows by address key; merges duplicate rows (alive if any copy is) and skips garbage. */
interface FeIndex {
  byKey: ReadonlyMap<string, FeView>;
  ignored: number;
}

/**
 * Indexes are kept per FE answer: one `SHOW COMPUTE NODES` is shared by every group on that FE, so without this each
 * group's pass would index every group's CNs again, in every pass (docs/benchmarks.md, "The lean-manager work": the
 * quiet pass).
 */
const feIndexes = new WeakMap<readonly FeComputeNode[], FeIndex>();

function indexFe(rows: readonly FeComputeNode[]): FeIndex {
  const known = feIndexes.get(rows);
  if (known !== undefined) return known;
  const index = buildFeIndex(rows);
  feIndexes.set(rows, index);
  return index;
}

function buildFeIndex(rows: readonly FeComputeNode[]): FeIndex {
  const byKey = new Map<string, FeView>();
  let ignored = 0;
  for (const row of rows) {
    const valid =
      typeof row.host === 'string' &&
      isValidHost(row.host) &&
      Number.isInteger(row.heartbeatPort) &&
      row.heartbeatPort >= 1 &&
      row.heartbeatPort <= 65535;
    if (!valid) {
      ignored++;
      continue;
    }
    const hostPort = { host: row.host, port: row.heartbeatPort };
    const key = addressKey(hostPort);
    const previous = byKey.get(key);
    byKey.set(key, {
      address: previous?.address ?? formatHostPort(hostPort),
      alive: (previous?.alive ?? false) || row.alive,
    });
  }
  return { byKey, ignored };
}

interface KeyedPod {
  pod: MemberPod;
  key: string | null;
}

function keyPods(pods: readonly MemberPod[]): KeyedPod[] {
  return [...pods]
    .sort((a, b) => a.ordinal - b.ordinal)
    .map((pod) => ({ pod, key: pod.address === null ? null : addressKeyOf(pod.address) }));
}

export function planMembership(input: MembershipInput): MembershipPlan {
  const pods = keyPods(input.pods);
  const podByKey = new Map<string, MemberPod>();
  for (const { pod, key } of pods) if (key !== null && !podByKey.has(key)) podByKey.set(key, pod);
  const podNames = new Set(input.pods.map((pod) => pod.name));
  const ledger = dedupeLedger(input.ledger);

  if (input.fe === null) return planWithoutFe(pods, podByKey, ledger);

  const { byKey: fe, ignored } = indexFe(input.fe);
  const add: PlannedAdd[] = [];
  const drop: PlannedDrop[] = [];
  const computeNodes: LedgerEntry[] = [];
  const servers: ServersCounters = { available: 0, unavailable: 0, unregistered: 0, useless: 0 };
  const seen = new Set<string>();

  for (const { pod, key } of pods) {
    const entry = key === null ? undefined : fe.get(key);
    countPod(servers, entry);
    if (key === null || pod.address === null || seen.has(key)) continue;
    seen.add(key);
    computeNodes.push({
      pod: pod.name,
      address: pod.address,
      registered: entry !== undefined,
      alive: entry?.alive ?? false,
    });
    const leaving = isLeaving(pod.ordinal, input.desiredReplicas);
    if (entry === undefined) {
      if (pod.cnUp && !pod.terminating && !leaving) add.push({ pod: pod.name, address: pod.address });
    } else if ((leaving || pod.terminating) && input.order !== 'StopFirst') {
      // With StopFirst the pod stops first (the FE watches its CN while it exits) and the DROP follows it (pod-gone).
      drop.push({ address: entry.address, pod: pod.name, reason: leaving ? 'scale-in' : 'terminating' });
    }
  }

  for (const { entry, key } of ledger) {
    if (seen.has(key)) continue;
    seen.add(key);
    const feEntry = fe.get(key);
    // The FE no longer lists it: the address has left the FE and leaves the ledger.
    if (feEntry === undefined) continue;
    servers.useless++;
    computeNodes.push({ pod: entry.pod, address: entry.address, registered: true, alive: feEntry.alive });
    drop.push({
      address: feEntry.address,
      pod: entry.pod,
      reason: podNames.has(entry.pod) ? 'address-changed' : 'pod-gone',
    });
  }

  return { feKnown: true, add, drop, computeNodes, servers, ignoredFeEntries: ignored };
}

function countPod(servers: ServersCounters, entry: FeView | undefined): void {
  if (entry === undefined) servers.unregistered++;
  else if (entry.alive) servers.available++;
  else servers.unavailable++;
}

interface KeyedLedgerEntry {
  entry: LedgerEntry;
  key: string;
}

/** Ledger entries with a valid address, first occurrence of each address kept. */
function dedupeLedger(ledger: readonly LedgerEntry[]): KeyedLedgerEntry[] {
  const result: KeyedLedgerEntry[] = [];
  const seen = new Set<string>();
  for (const entry of ledger) {
    const key = addressKeyOf(entry.address);
    if (key === null || seen.has(key)) continue;
    seen.add(key);
    result.push({ entry, key });
  }
  return result;
}

/**
 * Without the FE's view nothing can be decided: no ADD, no DROP. The ledger keeps every address it had (none may
 * be forgotten before it is known to be out of the FE) and the pods' entries carry their last known state.
 */
function planWithoutFe(pods: KeyedPod[], podByKey: Map<string, MemberPod>, ledger: KeyedLedgerEntry[]): MembershipPlan {
  const previous = new Map(ledger.map(({ entry, key }) => [key, entry]));
  const servers: ServersCounters = { available: 0, unavailable: 0, unregistered: 0, useless: 0 };
  const computeNodes: LedgerEntry[] = [];
  const seen = new Set<string>();
  for (const { pod, key } of pods) {
    const last = key === null ? undefined : previous.get(key);
    const registered = last?.registered ?? false;
    countPod(servers, registered ? { address: '', alive: last?.alive ?? false } : undefined);
    if (key === null || pod.address === null || seen.has(key)) continue;
    seen.add(key);
    computeNodes.push({ pod: pod.name, address: pod.address, registered, alive: registered && (last?.alive ?? false) });
  }
  for (const { entry, key } of ledger) {
    if (seen.has(key) || podByKey.has(key)) continue;
    seen.add(key);
    if (entry.registered) servers.useless++;
    computeNodes.push({ ...entry });
  }
  return { feKnown: false, add: [], drop: [], computeNodes, servers, ignoredFeEntries: 0 };
}

export interface MembershipOutcome {
  /** Addresses whose ADD succeeded. */
  added: readonly string[];
  /** Addresses whose DROP succeeded (the FE confirmed they are gone, or never had them). */
  dropped: readonly string[];
}
