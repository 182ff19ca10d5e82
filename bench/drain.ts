// What a CN leaving does to the queries that run on it, per StarRocks version, drain order and cause, on the real
// control plane (KWOK) with the compiled operator and the FE simulator's query engine (test/support/drain-scenario.ts:
// 3 CNs, 18 queries of 1 s to twice the window, each with a fragment on every CN; the cause comes once all have
// started; the pods' preStop hooks and the kubelet's hold on a terminating pod are played by QueryWorkload).
// Prints one line per run and a Markdown table; with --write, puts the table into docs/benchmarks.md between its
// markers (the published figures come from this script, never by hand). The rows not run this time are kept from the
// table already there when its window is the same, so one version can be measured at a time.
//
//   npm run build
//   node --import tsx bench/drain.ts [--versions 3.3,3.4,3.5,4.1] [--orders Drain,DropFirst,StopFirst]
//                                    [--causes scale-in,rollout,eviction] [--window 25] [--write]
//                                    [--runs-from FILE]
// --runs-from renders the table from the JSON lines an earlier run printed (its standard output) instead of measuring.
//
// About 15 minutes per version on a 2-core machine.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { down, environmentOf, freshNamespace, up } from '@starrocks-cn-operator/testbed/control-plane';
import {
  FeSimulator,
  PROFILE_NAMES,
  isProfileName,
  type ProfileName,
} from '@starrocks-cn-operator/testbed/fe-simulator';
import { DRAIN_ORDERS, type DrainOrder } from '../src/api/v1alpha1/index.js';
import { markdownTable } from '../src/docs/markdown.js';
import { DRAIN_CAUSES, type DrainCause, type DrainFigures } from '../test/support/drain-scenario.js';
import { BENCHMARKS_DOC, docSection } from './support/doc-section.js';

const { values } = parseArgs({
  options: {
    versions: { type: 'string', default: '3.3,3.4,3.5,4.1' },
    orders: { type: 'string', default: DRAIN_ORDERS.join(',') },
    causes: { type: 'string', default: 'scale-in,rollout,eviction' },
    window: { type: 'string', default: '25' },
    write: { type: 'boolean', default: false },
    'runs-from': { type: 'string' },
  },
});

const HEADER = [
  'StarRocks',
  'order',
  'cause',
  'within the window',
  'longer than the window',
  'last failure, s after the window',
];

interface Run {
  version: ProfileName;
  order: DrainOrder;
  cause: DrainCause;
  figures: DrainFigures;
}

const versions = values.versions.split(',').map((name) => parsed(name, isProfileName, 'version'));
const orders = values.orders.split(',').map((name) => parsed(name, isDrainOrder, 'order'));
const causes = values.causes.split(',').map((name) => parsed(name, isDrainCause, 'cause'));
const windowSeconds = Number(values.window);
if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new Error(`--window needs whole seconds`);

function isDrainOrder(name: string): name is DrainOrder {
  return (DRAIN_ORDERS as readonly string[]).includes(name);
}

function isDrainCause(name: string): name is DrainCause {
  return (DRAIN_CAUSES as readonly string[]).includes(name);
}

function parsed<T extends string>(name: string, is: (name: string) => name is T, what: string): T {
  if (!is(name)) throw new Error(`unknown ${what} ${JSON.stringify(name)}`);
  return name;
}

const queryCountsLine = z.object({
  run: z.number(),
  finished: z.number(),
  failed: z.number(),
  killed: z.number(),
  hung: z.number(),
});
const runLine = z.object({
  version: z.string().refine(isProfileName),
  order: z.string().refine(isDrainOrder),
  cause: z.string().refine(isDrainCause),
  figures: z.object({
    fit: queryCountsLine,
    longer: queryCountsLine,
    longestFailureAfterWindowS: z.number().nullable(),
    earliestFailureAfterWindowS: z.number().nullable(),
  }),
});

/** The runs an earlier measurement printed, one JSON object per line (other lines are its table and messages). */
async function runsFrom(file: string): Promise<Run[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.startsWith('{'));
  return lines.map((line) => runLine.parse(JSON.parse(line)));
}

const runs: Run[] = values['runs-from'] === undefined ? await measure() : await runsFrom(values['runs-from']);

async function measure(): Promise<Run[]> {
  const measured: Run[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drain-bench-'));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void down({ dir })
        .catch(() => undefined)
        .finally(() => process.exit(130));
    });
  }
  try {
    const plane = await up({ dir });
    Object.assign(process.env, environmentOf(plane));
    // Imported after the environment is set: the helpers read it on first use.
    const e2e = await import('../test/support/e2e.js');
    const support = await import('../test/support/operator.js');
    const scenario = await import('../test/support/drain-scenario.js');
    await e2e.installCrd();
    const namespace = (await freshNamespace('drain-bench')).name;
    const identity = await support.createOperatorIdentity(namespace);
    const operator = await support.startOperator({
      identity,
      watchNamespaces: [namespace],
      label: 'drain-bench',
      feSyncPeriod: '1s',
    });
    try {
      for (const version of versions) {
        for (const order of orders) {
          for (const cause of causes) {
            const fe = new FeSimulator({ version, heartbeatPeriodMs: 500 });
            fe.liveness.defaultOutcome = { ok: true };
            await fe.start();
            try {
              const figures = await scenario.runDrainScenario({ namespace, fe, order, windowSeconds, cause });
              const run = { version, order, cause, figures };
              measured.push(run);
              process.stdout.write(`${JSON.stringify(run)}\n`);
            } finally {
              await scenario.removeDrainScenario(namespace);
              await fe.stop();
            }
          }
        }
      }
    } finally {
      await operator.stop();
      await support.removeOperatorIdentity(identity);
    }
  } finally {
    await down({ dir }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return measured;
}

process.stdout.write(`\n${table(rows(runs))}\n`);
if (values.write) {
  const section = await docSection('drain-table', 'bench/drain.ts');
  const measured = new Set(runs.map((run) => rowKey([run.version, run.order, run.cause])));
  const kept = keptRows(section.current, measured);
  await section.write(table([...kept, ...rows(runs)].sort(byVersionOrderCause)));
  process.stdout.write(`wrote the table into ${BENCHMARKS_DOC} (${kept.length} rows kept from the table there)\n`);
}

function intro(): string {
  return `Window ${windowSeconds} s, queries of 1 to ${2 * windowSeconds} s. Each cell: run / failed / hung.`;
}

function rowKey(cells: readonly string[]): string {
  return cells.slice(0, 3).join(' ');
}

/**
 * The rows of the published table for the (version, order, cause) not measured now, when it was measured with the
 * same window (its first line says so); an older table of another window is replaced whole. After a change to what
 * a drain does, measure every row again.
 */
function keptRows(section: string, measured: ReadonlySet<string>): string[][] {
  if (!section.includes(intro())) return [];
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .slice(1) // the header
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    )
    .filter((cells) => cells.length === HEADER.length && !measured.has(rowKey(cells)));
}

function byVersionOrderCause(a: readonly string[], b: readonly string[]): number {
  const rank = (cells: readonly string[]) => [
    PROFILE_NAMES.indexOf(cells[0] as ProfileName),
    DRAIN_ORDERS.indexOf(cells[1] as DrainOrder),
    DRAIN_CAUSES.indexOf(cells[2] as DrainCause),
  ];
  const [x, y] = [rank(a), rank(b)];
  for (let index = 0; index < x.length; index++) {
    const difference = (x[index] ?? 0) - (y[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function rows(all: readonly Run[]): string[][] {
  const counts = (run: Run, part: 'fit' | 'longer'): string => {
    const c = run.figures[part];
    const failed = c.killed > 0 ? `${c.failed} (${c.killed} killed)` : String(c.failed);
    return `${c.run} / ${failed} / ${c.hung}`;
  };
  const lateness = (run: Run): string => {
    const seconds = run.figures.longestFailureAfterWindowS;
    return seconds === null ? '-' : seconds.toFixed(1);
  };
  return all.map((run) => [
    run.version,
    run.order,
    run.cause,
    counts(run, 'fit'),
    counts(run, 'longer'),
    lateness(run),
  ]);
}

function table(body: readonly (readonly string[])[]): string {
  return `${intro()}\n\n${markdownTable(HEADER, body)}`;
}
