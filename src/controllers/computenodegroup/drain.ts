// The end of a drain window (membership/drain.ts says when): the queries still running fragments on the CN are
// found on every FE and killed through the FE, so they fail at once with "killed manually: KILL QUERY '<id>'" rather
// than hang until their `query_timeout` once the pod's gate stops the CN (a dropped CN has no watchdog in the FE:
// docs/notes/cn-leaving-in-starrocks-source.md, Q5). StarRocks before 3.4 cannot kill a query by id; the Event
// then says so and the queries end at their timeout. A window whose FE gave no answer at all is tried again on
// the next pass, until the pod is gone.
import { parseHostPort } from '../../cn/index.js';
import { isKillByIdUnsupported, isFeError, type BackendQueries } from '../../fe/index.js';
import type { PlannedDrain } from '../../membership/index.js';
import type { Logger } from '../../runtime/logging.js';
import type { WindowEnd } from './observations.js';
import type { FeSession } from './ports.js';

export interface WindowEndResult {
  /** Every drain, with `killedQueries` set on those whose window was dealt with. */
  drains: PlannedDrain[];
  ended: WindowEnd[];
}

export async function endDrainWindows(
  session: FeSession,
  drains: readonly PlannedDrain[],
  settings: { bePort: number; windowSeconds: number },
  logger: Logger,
): Promise<WindowEndResult> {
  const result: WindowEndResult = { drains: [], ended: [] };
  for (const drain of drains) {
    if (!drain.due) {
      result.drains.push(drain);
      continue;
    }
    const end = await endWindow(session, drain, settings);
    if (end === undefined) {
      result.drains.push(drain);
      continue;
    }
    logger.info({ pod: drain.pod, killed: end.killed.length, problems: end.problems }, 'drain window over');
    result.ended.push(end);
    result.drains.push({ ...drain, due: false, state: { ...drain.state, killedQueries: end.killed.length } });
  }
  return result;
}

/** Undefined when no FE answered: the window is dealt with on a later pass. */
async function endWindow(
  session: FeSession,
  drain: PlannedDrain,
  settings: { bePort: number; windowSeconds: number },
): Promise<WindowEnd | undefined> {
  const parsed = parseHostPort(drain.address);
  if (!parsed.ok) return undefined;
  const backend = `${parsed.value.host}:${settings.bePort}`;
  const answers = await session.queriesOnBackend(backend);
  const listed = answers.filter(
    (answer): answer is Extract<BackendQueries, { queryIds: string[] }> => 'queryIds' in answer,
  );
  if (listed.length === 0 && answers.some((answer) => 'error' in answer && answer.error.feMessage === undefined)) {
    return undefined;
  }
  const problems = answers.flatMap((answer) =>
    'error' in answer ? [`FE ${answer.fe} could not list them: ${answer.error.message}`] : [],
  );
  const ids = [...new Set(listed.flatMap((answer) => answer.queryIds))];
  const killed: string[] = [];
  for (const [index, id] of ids.entries()) {
    const outcome = await killOne(session, id);
    if (outcome.kind === 'killed') killed.push(id);
    else if (outcome.kind === 'unsupported') {
      problems.push(
        `this StarRocks cannot kill a query by id (KILL QUERY '<id>' needs 3.4 or later): ` +
          `${ids.length - index} end at their query_timeout`,
      );
      break;
    } else if (outcome.kind === 'failed') problems.push(`query ${id}: ${outcome.message}`);
  }
  return { pod: drain.pod, address: drain.address, windowSeconds: settings.windowSeconds, killed, problems };
}

type KillOutcome = { kind: 'killed' | 'gone' | 'unsupported' } | { kind: 'failed'; message: string };

async function killOne(session: FeSession, id: string): Promise<KillOutcome> {
  try {
    return { kind: await session.killQuery(id) };
  } catch (error) {
    if (isFeError(error) && error.feMessage !== undefined && isKillByIdUnsupported(error.feMessage)) {
      return { kind: 'unsupported' };
    }
    return { kind: 'failed', message: isFeError(error) ? error.message : String(error) };
  }
}
