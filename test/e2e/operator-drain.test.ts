// The drain protocol against the real control plane, the compiled operator and the FE simulator's query engine
// (StarRocks 3.5): a scale-in while queries of 1 s to twice the drain window run on every CN. With the default order
// no query that fits the window fails or hangs, and the longer ones fail within seconds of the window's end, killed
// through the FE. The 2022 order (DropFirst) leaves queries hanging in the same run, which shows the count can see
// a hang. The full table (versions x orders x causes) is bench/drain.ts, published in docs/benchmarks.md.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { freshNamespace, kubectl, type TestNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { DRAIN_GROUP, removeDrainScenario, runDrainScenario } from '../support/drain-scenario.js';
import { installCrd } from '../support/e2e.js';
import {
  createOperatorIdentity,
  removeOperatorIdentity,
  startOperator,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';

// Beyond the 20 s a 3.4+ CN waits for its own fragments, so the 2022 order has queries to lose.
const WINDOW_SECONDS = 25;

describe('operator: draining CNs under load', { timeout: 600_000 }, () => {
  let testNamespace: TestNamespace | undefined;
  let namespace = '';
  let identity: OperatorIdentity | undefined;
  let operator: RunningOperator | undefined;
  const simulators: FeSimulator[] = [];

  async function freshFe(): Promise<FeSimulator> {
    const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 500 });
    fe.liveness.defaultOutcome = { ok: true };
    simulators.push(fe);
    await fe.start();
    return fe;
  }

  const deleteGroup = (): Promise<void> => removeDrainScenario(namespace);

  before(async () => {
    await installCrd();
    testNamespace = await freshNamespace('drain');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({ identity, watchNamespaces: [namespace], label: 'drain', feSyncPeriod: '1s' });
  });

  after(async () => {
    await kubectl(['delete', 'cng', DRAIN_GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(
      () => undefined,
    );
    await operator?.stop();
    for (const fe of simulators) await fe.stop();
    if (identity !== undefined) await removeOperatorIdentity(identity);
    await testNamespace?.delete();
  });

  it('Drain: no query that fits the window fails or hangs; longer ones are killed at its end', async () => {
    const fe = await freshFe();
    const figures = await runDrainScenario({
      namespace,
      fe,
      order: 'Drain',
      windowSeconds: WINDOW_SECONDS,
      cause: 'scale-in',
    });
    assert.ok(figures.fit.run >= 8, `queries that fit the window ran (${figures.fit.run})`);
    // The window starts when the operator sees the CN out of the FE, a moment after the scale-in: not before it.
    const { earliestFailureAfterWindowS: earliest, longestFailureAfterWindowS: latest } = figures;
    assert.ok(earliest !== null && earliest >= -0.5, `none killed before the window ended (${earliest ?? '-'} s)`);
    assert.deepEqual(
      { failed: figures.fit.failed, hung: figures.fit.hung },
      { failed: 0, hung: 0 },
      'every query within the window finished',
    );
    assert.equal(figures.longer.hung, 0, 'no longer query hangs');
    assert.ok(
      figures.longer.killed > 0,
      `the queries still on the CN at the window's end were killed: ${JSON.stringify(figures)}`,
    );
    assert.equal(figures.longer.killed, figures.longer.failed, 'killed by the drain, not cut by the CN');
    assert.ok(latest !== null && latest < 5, `failed within seconds of the window (${latest ?? '-'} s)`);
    const events = await kubectl(['get', 'events', '-n', namespace, '-o', 'jsonpath={.items[*].reason}']);
    assert.match(events.stdout, /DrainWindowOver/);
    await deleteGroup();
  });

  it('DropFirst (the 2022 order): the same scale-in leaves queries hanging', async () => {
    const fe = await freshFe();
    const figures = await runDrainScenario({
      namespace,
      fe,
      order: 'DropFirst',
      windowSeconds: WINDOW_SECONDS,
      cause: 'scale-in',
    });
    assert.ok(figures.longer.hung > 0, `queries hang on the dropped CN (${JSON.stringify(figures)})`);
    await deleteGroup();
  });
});
