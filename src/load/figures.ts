// A group's load as the FE sees it, from the two reads the operator already shares per FE and period (SHOW COMPUTE
// NODES, SHOW RUNNING QUERIES). Pure: the same reads give the same figures.
//
// The figures, and why:
// - runningQueries: the sum of NumRunningQueries over the group's alive CNs. A query with fragments on n CNs counts
//   on each of them, so this is occupancy (queries per CN, summed), the quantity a per-CN target divides; it falls
//   when CNs are added only as queries end sooner, as CPU utilization does, without the fall of an average over
//   CNs that joined idle.
// - pendingQueries: the group's share of the FE's queue, in the same unit. A queued query will occupy as many CNs as
//   the running ones do on average (the FE's occupancy over its RUNNING count; 1 when nothing runs), so admitting it
//   moves load from one figure to the other instead of inflating it. The queue belongs to the FE, not to a group,
//   and any alive CN may take a queued query's fragments; so each group gets the part of it in proportion to its
//   alive CNs among all the alive CNs the FE lists. The shares add up to the queue, and groups sharing an FE
//   together ask for the capacity the queue needs, once. With no alive CN nothing can serve the queue and each group
//   sees all of it (its HPA's maximum bounds the growth).
// - queryLoad: runningQueries + pendingQueries, the figure query-aware autoscaling targets per CN.
// - slotLoad: the group's share of the slots the FE's queue has given out and is asked for (SHOW RUNNING QUERIES'
//   `Slots`, running plus waiting), by the same share of the alive CNs. Under queue v1 (the default up to 4.0) a
//   query is 1 slot; under v2 (the default from 4.1) the FE's estimate of what it needs, so a figure in the unit in
//   which the FE admits work: divided by a CN's slots (its cores x query_queue_v2_concurrency_level) it is CNs.
// - cpuUsedPercent / memUsedPercent: the mean of the FE's CpuUsedPct / MemUsedPct over the group's alive CNs.
// Columns the FE's version lacks give null figures and a reason, never a guess. (slotLoad is also null, with no reason
// of its own, when a row's `Slots` is not a count: every version that has the statement has the column.)
import { addressKey, addressKeyOf } from '../cn/index.js';
import type { ComputeNodeRecord, QueueReading } from '../fe/index.js';

export interface LoadInput {
  /** Every row of SHOW COMPUTE NODES, the group's and the others'. */
  nodes: readonly ComputeNodeRecord[];
  queue: QueueReading;
  /** Addresses of the group's CNs that are registered and not leaving (the status' computeNodes). */
  memberAddresses: readonly string[];
}

export interface GroupLoad {
  /** The group's CNs the FE reports alive. */
  aliveComputeNodes: number;
  runningQueries: number | null;
  pendingQueries: number | null;
  queryLoad: number | null;
  slotLoad: number | null;
  cpuUsedPercent: number | null;
  memUsedPercent: number | null;
  /** Why a figure is null: the FE's version, or a read that failed. Empty when every figure is known. */
  gaps: LoadGap[];
}

export type LoadGap =
  | { kind: 'NoLoadColumns'; message: string }
  | { kind: 'QueueUnsupported'; message: string }
  | { kind: 'QueueNotRead'; message: string };

export function groupLoad(input: LoadInput): GroupLoad {
  const members = memberRecords(input);
  const alive = members.filter((record) => record.alive);
  const loads = alive.map((record) => record.load);
  const gaps: LoadGap[] = [];
  const reportsLoad = input.nodes.length === 0 || input.nodes.some((record) => record.load !== null);
  if (!reportsLoad) {
    gaps.push({
      kind: 'NoLoadColumns',
      message: 'the FE reports no per-CN load (NumRunningQueries, CpuUsedPct): StarRocks 3.1 or later is needed',
    });
  }
  const runningQueries = reportsLoad ? sum(loads.map((load) => load?.runningQueries ?? 0)) : null;
  const pendingQueries = pendingShare(input, alive, gaps);
  return {
    aliveComputeNodes: alive.length,
    runningQueries,
    pendingQueries,
    queryLoad: runningQueries === null || pendingQueries === null ? null : round2(runningQueries + pendingQueries),
    slotLoad: slotShare(input, alive),
    cpuUsedPercent: reportsLoad ? mean(loads.map((load) => load?.cpuUsedPercent ?? null)) : null,
    memUsedPercent: reportsLoad ? mean(loads.map((load) => load?.memUsedPercent ?? null)) : null,
    gaps,
  };
}

function memberRecords(input: LoadInput): ComputeNodeRecord[] {
  const keys = new Set(input.memberAddresses.map(addressKeyOf).filter((key) => key !== null));
  const rowKeys = addressKeysOf(input.nodes);
  return input.nodes.filter((_record, index) => keys.has(rowKeys[index] ?? ''));
}

/** The rows' address keys, kept per FE answer: every group on the FE reads the same rows at each pass. */
const rowKeysByAnswer = new WeakMap<readonly ComputeNodeRecord[], readonly string[]>();

function addressKeysOf(rows: readonly ComputeNodeRecord[]): readonly string[] {
  const known = rowKeysByAnswer.get(rows);
  if (known !== undefined) return known;
  const keys = rows.map((record) => addressKey({ host: record.host, port: record.heartbeatPort }));
  rowKeysByAnswer.set(rows, keys);
  return keys;
}

function pendingShare(input: LoadInput, alive: readonly ComputeNodeRecord[], gaps: LoadGap[]): number | null {
  const { queue } = input;
  switch (queue.kind) {
    case 'Unsupported':
      gaps.push({
        kind: 'QueueUnsupported',
        message: `the FE refused SHOW RUNNING QUERIES (StarRocks 3.1.4 or later is needed): ${queue.message}`,
      });
      return null;
    case 'Failed':
      gaps.push({ kind: 'QueueNotRead', message: `SHOW RUNNING QUERIES got no answer: ${queue.message}` });
      return null;
    case 'Read':
      break;
  }
  const { pending, running } = queue.queue;
  if (pending === 0) return 0;
  const serving = input.nodes.filter((record) => record.alive);
  const occupancy = sum(serving.map((record) => record.load?.runningQueries ?? 0));
  const cnsPerQuery = running > 0 && occupancy > 0 ? occupancy / running : 1;
  return round2(pending * cnsPerQuery * aliveShare(input, alive));
}

/** The group's part of the queue's slots; null while the queue is not read or a row gave no slot count. */
function slotShare(input: LoadInput, alive: readonly ComputeNodeRecord[]): number | null {
  if (input.queue.kind !== 'Read' || input.queue.queue.slots === null) return null;
  const { running, pending } = input.queue.queue.slots;
  return round2((running + pending) * aliveShare(input, alive));
}

/** The group's alive CNs among all the alive CNs the FE lists; all of it when none is alive. */
function aliveShare(input: LoadInput, alive: readonly ComputeNodeRecord[]): number {
  const serving = input.nodes.filter((record) => record.alive).length;
  return serving === 0 ? 1 : alive.length / serving;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The mean of the known values; null when none is known. */
function mean(values: readonly (number | null)[]): number | null {
  const known = values.filter((value) => value !== null);
  return known.length === 0 ? null : round2(sum(known) / known.length);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
