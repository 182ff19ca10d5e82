// The end of a drain window (membership/drain.ts says when): the queries still running fragments on the CN are
// found on every FE and killed through the FE, so they fail at once with "killed manually: KILL QUERY '<id>'" rather
// than hang until their `query_timeout` once the pod's gate stops the CN (a dropped CN has no watchdog in the FE:
// docs/notes/cn-leaving-in-starrocks-source.md, Q5). StarRocks before 3.4 cannot kill a query by id; the Event
// then says so and the queries end at their timeout. A window is dealt with once every FE answered; while one does
// not (unreachable, timed out) or kills remain, it is taken up again on the next pass, until the pod is gone.
import { parseHostPort } from '../../cn/index.js';
import { isKillByIdUnsupported, isFeError, type BackendQueries } from '../../fe/index.js';
import type { PlannedDrain } from '../../membership/index.js';
import type { Logger } from '../../runtime/logging.js';
import type { WindowEnd } from './observations.js';
import type { FeSession } from './ports.js';

/** Kills one pass sends for one CN at most: a pass stays bounded in time; the rest goes on the next pass. */
export const MAX_KILLS_PER_PASS = 20;

export interface WindowEndResult {
  /** Every drain, with `killedQueries` set on those whose window was dealt with. */
  drains: PlannedDrain[];
  ended: WindowEnd[];
}

export async function endDrainWindows(
  session: FeSession,
  drains: readonly PlannedDrain[],
  settings: { windowSeconds: number },
  logger: Logger,
): Promise<WindowEndResult> {
  const result: WindowEndResult = { drains: [], ended: [] };
  for (const drain of drains) {
    const end = drain.due ? await endWindow(session, drain, settings.windowSeconds) : undefined;
    if (end === undefined) {
      result.drains.push(drain);
      continue;
    }
    logger.info({ pod: drain.pod, killed: end.killed.length, problems: end.problems }, 'drain window over');
    result.ended.push(end);
    if (!end.done) {
      result.drains.push(drain);
      continue;
    }
    result.drains.push({ ...drain, due: false, state: { ...drain.state, killedQueries: end.killed.length } });
  }
  return result;
}

/** Undefined when no FE answered at all: nothing to say yet. */
async function endWindow(
  session: FeSession,
  drain: PlannedDrain,
  windowSeconds: number,
): Promise<(WindowEnd & { done: boolean }) | undefined> {
  const parsed = parseHostPort(drain.address);
  if (!parsed.ok) return undefined;
  const answers = await session.queriesOnHost(parsed.value.host);
  const listed = answers.filter(hasIds);
  const silent = answers.filter((answer) => !hasIds(answer) && answer.error.feMessage === undefined);
  if (listed.length === 0 && silent.length > 0) return undefined;
  const problems = answers.flatMap((answer) =>
    hasIds(answer) ? [] : [`FE ${answer.fe} could not list them: ${answer.error.message}`],
  );
  const ids = [...new Set(listed.flatMap((answer) => answer.queryIds))];
  const kills = await killAll(session, ids.slice(0, MAX_KILLS_PER_PASS));
  problems.push(...kills.problems);
  if (kills.gone.length > 0) problems.push(...(await stillThere(session, parsed.value.host)));
  const done = silent.length === 0 && ids.length <= MAX_KILLS_PER_PASS;
  return { pod: drain.pod, address: drain.address, windowSeconds, killed: kills.killed, problems, done };
}

function hasIds(answer: BackendQueries): answer is Extract<BackendQueries, { queryIds: string[] }> {
  return 'queryIds' in answer;
}

interface Kills {
  killed: string[];
  /** Ids no FE knew any more: ended, or re-planned by the FE under a new id. */
  gone: string[];
  problems: string[];
}

async function killAll(session: FeSession, ids: readonly string[]): Promise<Kills> {
  const kills: Kills = { killed: [], gone: [], problems: [] };
  for (const [index, id] of ids.entries()) {
    try {
      if ((await session.killQuery(id)) === 'killed') kills.killed.push(id);
      else kills.gone.push(id);
    } catch (error) {
      if (!isFeError(error)) throw error;
      if (error.feMessage !== undefined && isKillByIdUnsupported(error.feMessage)) {
        kills.problems.push(unsupported(ids.length - index));
        break;
      }
      kills.problems.push(`query ${id}: ${error.message}`);
    }
  }
  return kills;
}

function unsupported(left: number): string {
  return `this StarRocks cannot kill a query by id (KILL QUERY '<id>' needs 3.4 or later): ${left} end at their query_timeout`;
}

/**
 * After ids no FE knew: are fragments still on the CN? A query the FE re-planned runs under a new execution id,
 * which KILL QUERY does not take; such queries are named as a problem rather than passed over in silence.
 */
async function stillThere(session: FeSession, host: string): Promise<string[]> {
  const again = await session.queriesOnHost(host);
  const left = again.filter(hasIds).reduce((sum, answer) => sum + answer.queryIds.length, 0);
  return left === 0 ? [] : [`${left} still run there under an id KILL QUERY did not find (a query the FE retried)`];
}
