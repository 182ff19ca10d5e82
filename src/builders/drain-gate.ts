// The CN's preStop hook, per drain order (spec.drain). With `Drain`, a gate runs before the graceful stop: it waits
// until the CN runs no query, as the CN itself counts them, and only then stops it. Why a gate in the pod:
//   - A CN the FE dropped keeps running its fragments, and their results still reach the coordinator; but once it is
//     dropped, the FE no longer heartbeats it, so nothing cancels a query whose fragment dies with the CN: the query
//     hangs until its `query_timeout` (docs/notes/cn-leaving-in-starrocks-source.md, Q5).
//   - `stop_cn.sh -g` waits for running fragments only `loop_count_wait_fragments_finish` x 10 s (0 on 3.3, 20 s
//     from 3.4), whatever the query needs.
// So the gate waits on `starrocks_be_pip_query_ctx_cnt` of the CN's own /metrics (the count the CN's graceful exit
// uses; `plan_fragment_count` counts non-pipeline fragments only) for up to the drain window. It starts counting
// after a short lead: the operator takes a terminating pod's CN out of the FE's scheduling within about a second
// of its deletion, and a CN that is idle before that could otherwise be stopped while the FE still sends it work.
// The window counts from the end of the lead, as the operator's own count starts at the DROP: so, as long as the
// DROP comes within the lead, the gate never stops a CN before the operator's window is over. Past it the operator
// kills the queries still there through the FE (drain.ts), and the gate stops the CN.
// The script is POSIX sh (busybox, dash, bash) and reads the metrics with curl or wget, whichever the image has
// (wget is bounded by `timeout`: busybox 1.35's `wget -T` crashes, found by test/integration/builders).
import type { V1Lifecycle } from '@kubernetes/client-node';
import type { DrainOrder } from '../api/v1alpha1/index.js';
import type { Plain } from './plain.js';

/** Seconds kept between the end of the graceful stop and the kubelet's SIGKILL, for the process to exit. */
export const STOP_MARGIN_SECONDS = 5;
/**
 * What a drained CN's stop needs after the gate's deadline: the gate's last read and sleep (up to 5 s), the CN's
 * graceful exit (20 s from 3.4) and the margin.
 */
export const DRAIN_STOP_ALLOWANCE_SECONDS = 30;
/** Seconds the gate gives the operator to take the CN out of the FE's scheduling before it reads the count. */
export const DRAIN_LEAD_SECONDS = 5;
/** The gate gives up reading a /metrics that does not answer after this many reads in a row. */
export const DRAIN_UNREADABLE_LIMIT = 3;
/** The gauge of running queries (QueryContextManager::size) every CN publishes on its HTTP port's /metrics. */
export const RUNNING_QUERIES_METRIC = 'starrocks_be_pip_query_ctx_cnt';

export interface PreStopInput {
  order: DrainOrder;
  windowSeconds: number;
  /** The pod's terminationGracePeriodSeconds (already raised for the window). */
  gracePeriodSeconds: number;
  /** The CN's HTTP port (cn.conf `be_http_port`). */
  httpPort: number;
  /** The graceful stop command, or undefined when the image's stop script does not know `-g`. */
  stopScript: string | undefined;
}

/** The lead the gate gives the operator: DRAIN_LEAD_SECONDS, shorter for a window shorter than that. */
export function drainLeadSeconds(windowSeconds: number): number {
  return Math.min(DRAIN_LEAD_SECONDS, Math.max(0, windowSeconds - 1));
}

/** When the gate stops the CN whatever it runs, in seconds from the start of the preStop hook: lead + window. */
export function drainGateDeadlineSeconds(windowSeconds: number): number {
  return drainLeadSeconds(windowSeconds) + windowSeconds;
}

/**
 * The pods' terminationGracePeriodSeconds: with `Drain`, at least the gate's deadline (lead + window) plus the
 * stop's allowance: 335 s for the default window.
 */
export function drainGracePeriodSeconds(order: DrainOrder, windowSeconds: number, requested: number): number {
  if (order !== 'Drain') return requested;
  return Math.max(requested, drainGateDeadlineSeconds(windowSeconds) + DRAIN_STOP_ALLOWANCE_SECONDS);
}

/** The `cn` container's lifecycle, or undefined when there is nothing to run before the kubelet's SIGTERM. */
export function cnLifecycle(input: PreStopInput): Plain<V1Lifecycle> | undefined {
  const gate = input.order === 'Drain' && input.windowSeconds > 0;
  if (!gate && input.stopScript === undefined) return undefined;
  const parts = [
    ...(gate ? [drainGateScript(input.httpPort, input.windowSeconds)] : []),
    ...(input.stopScript === undefined ? [] : [gracefulStopLine(input.stopScript, input.gracePeriodSeconds, gate)]),
  ];
  return { preStop: { exec: { command: ['/bin/sh', '-c', parts.join('\n')] } } };
}

/**
 * `stop_cn.sh -g`, bounded so the CN gets SIGTERM and exits before the kubelet's SIGKILL. After the gate, the bound
 * is what is left of the grace period. Without `timeout` in the image the stop runs unbounded (the kubelet's grace
 * period still ends it).
 */
function gracefulStopLine(stopScript: string, gracePeriodSeconds: number, afterGate: boolean): string {
  const bound = Math.max(1, gracePeriodSeconds - STOP_MARGIN_SECONDS);
  const run = (limit: string) =>
    `if command -v timeout >/dev/null 2>&1; then timeout ${limit} ${stopScript} -g || true; else ${stopScript} -g || true; fi`;
  if (!afterGate) return `timeout ${bound} ${stopScript} -g || true`;
  return [`left=$((${bound} - $(clock) + started))`, 'if [ "$left" -lt 1 ]; then left=1; fi', run('"$left"')].join(
    '\n',
  );
}

/**
 * The gate: wait for 0 running queries (after the lead), at most the lead plus `windowSeconds`. It logs to the CN's
 * stdout (the container's logs), or to `$DRAIN_LOG` where that is set. Time comes from `date +%s`, or, in an image
 * without `date`, from the seconds the loop has slept (a lower bound). Either way the window can only run long, never
 * short: the deadline must be passed (`-gt`), since whole seconds read 1 s ahead of the time really spent.
 */
export function drainGateScript(httpPort: number, windowSeconds: number): string {
  const url = `http://127.0.0.1:${httpPort}/metrics`;
  // A window shorter than the lead still reads the count before it ends.
  const lead = drainLeadSeconds(windowSeconds);
  return `# drain gate (ComputeNodeGroup spec.drain.order: Drain)
log() { echo "drain: $*" >>"\${DRAIN_LOG:-/proc/1/fd/1}" 2>/dev/null || true; }
slept=0
clock() { date +%s 2>/dev/null || echo "$slept"; }
running() {
  body=$( (curl -fsS --max-time 2 ${url} || timeout 3 wget -q -O - ${url}) 2>/dev/null ) || return 1
  n=$(printf '%s\\n' "$body" | sed -n 's/^${RUNNING_QUERIES_METRIC}[[:space:]]\\{1,\\}\\([0-9]\\{1,\\}\\).*/\\1/p')
  set -- $n
  [ -n "$1" ] || return 2
  echo "$1"
}
started=$(clock)
deadline=$((started + ${drainGateDeadlineSeconds(windowSeconds)}))
unreadable=0
log "waiting up to ${windowSeconds}s for the CN's running queries to finish"
while :; do
  now=$(clock)
  if [ "$now" -gt "$deadline" ]; then log "window of ${windowSeconds}s over: stopping the CN now"; break; fi
  if [ "$now" -ge $((started + ${lead})) ]; then
    count=$(running)
    case $? in
      0) unreadable=0
         if [ "$count" -eq 0 ]; then log "no running query after $((now - started))s: stopping"; break; fi ;;
      2) unreadable=$((unreadable + 1)); reason="${url} has no ${RUNNING_QUERIES_METRIC}" ;;
      *) unreadable=$((unreadable + 1)); reason="${url} does not answer" ;;
    esac
    if [ "$unreadable" -ge ${DRAIN_UNREADABLE_LIMIT} ]; then log "$reason: stopping"; break; fi
  fi
  sleep 1
  slept=$((slept + 1))
done`;
}
