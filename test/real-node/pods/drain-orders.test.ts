// The three drain orders on a real kubelet, at the two CN settings StarRocks ships for a graceful exit
// (`loop_count_wait_fragments_finish`: 0 up to 3.3, 2 = 20 s from 3.4): fragments of 15 s and 35 s (within a 40 s
// window) and of 100 s (longer) run on the leaving CN, then the group scales in. Each order has its own group, at
// the same time. The outcomes are asserted cell by cell and printed as a table (docs/benchmarks.md shows a run of it).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { fragmentState, runFragment, type FragmentOutcome } from '@starrocks-cn-operator/testbed/real-node';
import { DRAIN_ORDERS, type DrainOrder } from '../../../src/api/v1alpha1/index.js';
import { labelSelectorString } from '../../../src/builders/names.js';
import { markdownTable } from '../../../src/docs/markdown.js';
import {
  applyObjects,
  DEFAULT_CN_CONF,
  groupObjects,
  scaleGroup,
  waitForReadyPods,
} from '../../support/real-node/fixtures.js';
import { useOperatorAndBridgeFe } from '../../support/real-node/operator.js';

const WINDOW_SECONDS = 40;
const FRAGMENTS_MS = [15_000, 35_000, 100_000];
type WaitLoops = 0 | 2;

/**
 * What each order does to the fragments, per CN setting. `Drain` waits for what fits the window whatever the CN's own
 * wait; the other two give the fragments only the CN's graceful wait (20 s, or none).
 */
const EXPECTED: Record<WaitLoops, Record<DrainOrder, FragmentOutcome[]>> = {
  2: {
    Drain: ['finished', 'finished', 'cut'],
    DropFirst: ['finished', 'cut', 'cut'],
    StopFirst: ['finished', 'cut', 'cut'],
  },
  0: { Drain: ['finished', 'finished', 'cut'], DropFirst: ['cut', 'cut', 'cut'], StopFirst: ['cut', 'cut', 'cut'] },
};

/**
 * Milliseconds from `since` until the CN at `ip` began to stop (its SIGTERM) or went away: sampled every 250 ms,
 * at most 150 s.
 */
async function stopAfterMs(ip: string, since: number): Promise<number> {
  let silent = 0;
  while (Date.now() - since < 150_000) {
    const state = await fragmentState(ip, 500);
    if (state?.stopping === true) return Date.now() - since;
    silent = state === undefined ? silent + 1 : 0;
    if (silent >= 3) return Date.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the CN at ${ip} did not stop within 150 s`);
}

describe('the drain orders on a real node', () => {
  const feOf = useOperatorAndBridgeFe();
  const rows: string[][] = [];

  for (const loops of [2, 0] as const) {
    test(`loop_count_wait_fragments_finish = ${loops}: what each order does to the leaving CN's fragments`, async (t) => {
      const fe = feOf();
      const namespace = await useNamespace(t, `rn-orders-${loops}`);
      const cnConf = `${DEFAULT_CN_CONF}loop_count_wait_fragments_finish = ${loops}\n`;
      const outcomes = await Promise.all(
        DRAIN_ORDERS.map(async (order) => {
          const name = order.toLowerCase();
          const drain = { order, windowSeconds: WINDOW_SECONDS };
          await applyObjects(groupObjects({ namespace, name, fe, replicas: 2, cnConf, drain }));
          const selector = labelSelectorString({ metadata: { name, namespace } });
          const pods = await waitForReadyPods(namespace, selector, 2, 240_000);
          const leaving = pods.find((pod) => pod.name.endsWith('-1'));
          assert.ok(leaving, `${order}: the pod that leaves`);
          const startedAt = Date.now();
          const fragments = FRAGMENTS_MS.map((ms) => runFragment(leaving.ip, ms));
          await waitFor(async () => (await fragmentState(leaving.ip))?.running === FRAGMENTS_MS.length, {
            description: `${order}: the fragments running`,
            timeoutMs: 10_000,
          });
          await scaleGroup(namespace, name, 1);
          const stoppedAfterMs = await stopAfterMs(leaving.ip, startedAt);
          // Each resolves when its fragment ends or its CN dies (bounded by runFragment's own timeout).
          return { order, got: await Promise.all(fragments), stoppedAfterMs };
        }),
      );
      for (const { order, got, stoppedAfterMs } of outcomes) {
        const seconds = (stoppedAfterMs / 1000).toFixed(1);
        rows.push([String(loops), order, seconds, ...got]);
        if (order === 'Drain') {
          assert.ok(
            stoppedAfterMs > 35_000,
            `Drain: the gate held the CN while the fitting fragments ran (${seconds} s)`,
          );
        } else {
          // The expected cells assume the stop comes before the 15 s fragment ends; a slower machine would show here.
          assert.ok(stoppedAfterMs < 12_000, `${order}: the CN began to stop ${seconds} s after its fragments started`);
        }
        assert.deepEqual(got, EXPECTED[loops][order], `${order} with ${loops} wait loops`);
      }
    });
  }

  test('the table', () => {
    const header = ['wait loops', 'order', 'CN stops after, s', ...FRAGMENTS_MS.map((ms) => `${ms / 1000} s fragment`)];
    process.stdout.write(`\nWindow ${WINDOW_SECONDS} s.\n\n${markdownTable(header, rows)}\n`);
    assert.equal(rows.length, 2 * DRAIN_ORDERS.length);
  });
});
