// One CN leaving under load, on the test control plane with KWOK and the FE simulator's query engine: what the
// drain orders do to the queries that were running. A group of 3 CNs runs a trace of queries that each have a
// fragment on every CN, from 1 s to twice the drain window long; then one cause takes CNs away (a scale-in to 2, a
// rollout of every pod, the eviction of one pod) while the queries run. The pods' preStop hooks are played by
// QueryWorkload (KWOK runs no container). Every query is then counted: finished, failed (and how: killed by the drain,
// cancelled as its CN died, rejected), or hung (still running 30 s after the window and its own natural end).
// Used by test/e2e/operator-drain.test.ts and bench/drain.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import { kubectl, kubectlCreate } from '@starrocks-cn-operator/testbed/control-plane';
import { QueryEngine, type FeSimulator, type TraceQuery } from '@starrocks-cn-operator/testbed/fe-simulator';
import type { DrainOrder } from '../../src/api/v1alpha1/index.js';
import { seedExampleObjects, waitForMembers } from './operator.js';
import { QueryWorkload } from './query-workload.js';

export const DRAIN_GROUP = 'computenodegroup-sample';
export const DRAIN_CAUSES = ['scale-in', 'rollout', 'eviction'] as const;
export type DrainCause = (typeof DRAIN_CAUSES)[number];

const CNS = 3;
const QUERIES = 18;
const ARRIVAL_EVERY_MS = 300;
/** The cause comes once every query started. */
const CAUSE_AT_MS = 6_000;
const STEP_MS = 200;
const HUNG_AFTER_MS = 30_000;

export interface DrainScenario {
  namespace: string;
  fe: FeSimulator;
  order: DrainOrder;
  windowSeconds: number;
  cause: DrainCause;
}

export interface QueryCounts {
  run: number;
  finished: number;
  failed: number;
  /** Failed because the drain killed them at the end of the window. */
  killed: number;
  hung: number;
}

export interface DrainFigures {
  /** Queries no longer than the window: the protocol promises them. */
  fit: QueryCounts;
  /** Queries longer than the window. */
  longer: QueryCounts;
  /** For failed longer queries: the most seconds between the end of the window and a failure. */
  longestFailureAfterWindowS: number | null;
  /** For failed longer queries: the fewest (negative: a failure before the window ended). */
  earliestFailureAfterWindowS: number | null;
}

/** Queries of 1 s to 2 x window, one fragment on each CN (width = CNs). */
export function drainTrace(windowSeconds: number): TraceQuery[] {
  const longest = 2 * windowSeconds;
  return Array.from({ length: QUERIES }, (_, index) => {
    const seconds = Math.round(1 + (index * (longest - 1)) / (QUERIES - 1));
    return { at: index * ARRIVAL_EVERY_MS, work: seconds * CNS, width: CNS, timeoutMs: 300_000 };
  });
}

export async function runDrainScenario(scenario: DrainScenario): Promise<DrainFigures> {
  const { namespace, fe, order, windowSeconds } = scenario;
  const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
    spec['replicas'] = CNS;
    delete spec['autoScalingPolicy'];
    delete spec['cronJobPolicy'];
    spec['drain'] = { order, windowSeconds };
  });
  const created = await kubectlCreate(objects);
  if (created.code !== 0) throw new Error(created.stderr);
  await waitForMembers(namespace, DRAIN_GROUP, CNS, () => fe.computeNodeAddresses());
  // Every CN alive in the FE before the first query: the trace must find all three.
  await waitUntil(() => fe.catalog.computeNodes.filter((node) => node.alive).length === CNS, 30_000);

  const engine = new QueryEngine({ slotsPerCN: 64 });
  fe.attachQueryEngine(engine);
  const trace = drainTrace(windowSeconds);
  const workload = new QueryWorkload({
    fe,
    engine,
    namespace,
    group: DRAIN_GROUP,
    trace,
    podsEveryMs: 1_000,
    drain: { order, windowSeconds },
    holdPods: true,
  });
  const windowMs = windowSeconds * 1000;
  const endMs = CAUSE_AT_MS + 2 * windowMs + HUNG_AFTER_MS;
  const start = Date.now();
  let caused = false;
  try {
    for (let ms = 0; ms < endMs; ms = Date.now() - start) {
      await workload.step(ms);
      if (!caused && ms >= CAUSE_AT_MS) {
        caused = true;
        await cause(scenario);
      }
      if (caused && ms > CAUSE_AT_MS + windowMs && workload.unfinished() === 0) break;
      await sleep(STEP_MS);
    }
  } finally {
    await workload.release();
  }
  return figures(workload, trace, windowMs, CAUSE_AT_MS + windowMs);
}

/** Deletes the group and the objects the scenario created with it, and waits until they are gone. */
export async function removeDrainScenario(namespace: string): Promise<void> {
  for (const kind of ['cng', 'secret', 'configmap']) {
    const name = kind === 'cng' ? DRAIN_GROUP : kind === 'secret' ? 'test-secret' : 'cn-test';
    const deleted = await kubectl(['delete', kind, name, '-n', namespace, '--wait=true', '--timeout=120s']);
    if (deleted.code !== 0 && !/NotFound/.test(deleted.stderr)) throw new Error(deleted.stderr);
  }
}

async function cause({ namespace, cause: kind }: DrainScenario): Promise<void> {
  const patch = (body: unknown) =>
    kubectl(['patch', 'cng', DRAIN_GROUP, '-n', namespace, '--type=merge', '-p', JSON.stringify(body)]);
  let result: { code: number | null; stderr: string };
  if (kind === 'scale-in') result = await patch({ spec: { replicas: CNS - 1 } });
  else if (kind === 'rollout') result = await patch({ spec: { podPolicy: { annotations: { rollout: 'drain-1' } } } });
  else {
    const eviction = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: `${DRAIN_GROUP}-1`, namespace },
    };
    result = await kubectl(
      ['create', '--raw', `/api/v1/namespaces/${namespace}/pods/${DRAIN_GROUP}-1/eviction`, '-f', '-'],
      { input: JSON.stringify(eviction) },
    );
  }
  if (result.code !== 0) throw new Error(`${kind}: ${result.stderr}`);
}

function figures(
  workload: QueryWorkload,
  trace: readonly TraceQuery[],
  windowMs: number,
  windowEndsAtMs: number,
): DrainFigures {
  const empty = (): QueryCounts => ({ run: 0, finished: 0, failed: 0, killed: 0, hung: 0 });
  const fit = empty();
  const longer = empty();
  let latest: number | null = null;
  let earliest: number | null = null;
  workload.records.forEach((record, index) => {
    const query = trace[index];
    if (query === undefined) return;
    const seconds = query.work / query.width;
    const counts = seconds * 1000 <= windowMs ? fit : longer;
    counts.run++;
    if (record.finishedAt === null) counts.hung++;
    else if (record.failed) {
      counts.failed++;
      if (record.error === 'killed') counts.killed++;
      if (counts === longer) {
        const after = (record.finishedAt - windowEndsAtMs) / 1000;
        latest = Math.max(latest ?? after, after);
        earliest = Math.min(earliest ?? after, after);
      }
    } else counts.finished++;
  });
  return { fit, longer, longestFailureAfterWindowS: latest, earliestFailureAfterWindowS: earliest };
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await sleep(200);
  }
}
