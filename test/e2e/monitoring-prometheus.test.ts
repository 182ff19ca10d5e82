// The monitoring the project ships, run for real: a Prometheus server (built from its Go module) scrapes the compiled
// operator's /metrics while it runs a group on the real control plane, loads deploy/monitoring/alerts.yaml as it is
// shipped, and evaluates it. No alert is active while all is well; every query of the Grafana dashboard
// (deploy/monitoring/grafana-dashboard.json, with its variables filled in) evaluates and finds the series it draws;
// and when the FE stops answering, StarRocksCNFEUnreachable goes pending at once and fires after its 5 minutes,
// then resolves when the FE is back. promtool's unit tests (hack/check-alerts.sh) cover each rule's logic on
// made-up series; this file covers the names, labels and values the operator really exports.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import {
  freshNamespace,
  kubectl,
  kubectlCreate,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { REPO_ROOT, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';
import {
  createOperatorIdentity,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';
import { RunningPrometheus, type ActiveAlert } from '../support/prometheus.js';

const GROUP = 'computenodegroup-sample';
const JOB = 'starrocks-cn-operator';
/** The Lease name the shipped StarRocksCNOperatorNoLeader alert watches (the manager's default). */
const LEASE = 'cn-operator.starrocks.com';
const ALERTS = path.join(REPO_ROOT, 'deploy', 'monitoring', 'alerts.yaml');
const DASHBOARD = path.join(REPO_ROOT, 'deploy', 'monitoring', 'grafana-dashboard.json');

const dashboardSchema = z.looseObject({
  panels: z.array(
    z.looseObject({ title: z.string().optional(), targets: z.array(z.looseObject({ expr: z.string() })).optional() }),
  ),
  templating: z.looseObject({
    list: z.array(
      z.looseObject({ name: z.string(), query: z.union([z.string(), z.looseObject({ query: z.string() })]) }),
    ),
  }),
});

/** A dashboard query as Grafana would send it for this namespace and group. */
function filled(expr: string, namespace: string): string {
  return expr
    .replaceAll('$__rate_interval', '30s')
    .replaceAll('$namespace', namespace)
    .replaceAll('$group', GROUP)
    .replaceAll('$job', JOB);
}

describe(
  'monitoring: a real Prometheus scrapes the operator and evaluates the shipped alerts',
  { timeout: 900_000 },
  () => {
    let namespace = '';
    let testNamespace: TestNamespace | undefined;
    let identity: OperatorIdentity | undefined;
    let operator: RunningOperator | undefined;
    let prometheus: RunningPrometheus | undefined;
    const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 500 });
    fe.liveness.defaultOutcome = { ok: true };

    const ours = (alert: ActiveAlert): boolean =>
      alert.labels['namespace'] === namespace || alert.labels['alertname'] === 'StarRocksCNOperatorNoLeader';

    before(async () => {
      await installCrd();
      await fe.start();
      testNamespace = await freshNamespace('prometheus');
      namespace = testNamespace.name;
      identity = await createOperatorIdentity(namespace);
      operator = await startOperator({
        identity,
        watchNamespaces: [namespace],
        label: 'prometheus',
        feSyncPeriod: '1s',
        metrics: true,
        leaderElection: { namespace, id: LEASE },
      });
      const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
        spec['replicas'] = 2;
        spec['autoScalingPolicy'] = { minReplicas: 2, maxReplicas: 3, queries: { targetPerCN: 4 } };
      });
      const created = await kubectlCreate(objects);
      assert.equal(created.code, 0, created.stderr);
      await waitForMembers(namespace, GROUP, 2, () => fe.computeNodeAddresses());
      assert.ok(operator.metricsPort !== undefined);
      prometheus = await RunningPrometheus.start({
        targets: [`127.0.0.1:${operator.metricsPort}`],
        job: JOB,
        ruleFiles: [ALERTS],
        interval: '1s',
        logPath: `${operator.logPath}.prometheus.log`,
      });
    });

    after(async () => {
      await prometheus?.stop();
      await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
      await operator?.stop();
      await fe.stop();
      if (identity !== undefined) await removeOperatorIdentity(identity);
      await testNamespace?.delete();
    });

    it('scrapes the operator, loads every shipped rule healthy, and has no alert active while all is well', async () => {
      const p = prometheus;
      assert.ok(p !== undefined);
      await waitFor(async () => (await p.targets()).some((target) => target.health === 'up'), {
        description: 'the operator target up',
        timeoutMs: 30_000,
      });
      await waitFor(
        async () => {
          const alive = await p.query(`starrocks_cn_group_alive_compute_nodes{namespace="${namespace}"}`);
          return alive.length === 1 && alive[0]?.value[1] === '2' && alive[0].metric['group'] === GROUP;
        },
        { description: 'the group alive CNs scraped', timeoutMs: 30_000 },
      );
      const shipped = (await readFile(ALERTS, 'utf8')).match(/^\s+- alert: (\S+)$/gm)?.length ?? 0;
      await waitFor(async () => (await p.rules()).every((rule) => rule.health === 'ok'), {
        description: 'every rule evaluated',
        timeoutMs: 30_000,
      });
      const rules = await p.rules();
      assert.equal(rules.length, shipped, 'every alert of the file is loaded');
      assert.ok(shipped >= 10, `the file's alerts were counted (${shipped})`);
      // The leader's gauge reads 0 until its Lease is taken, so NoLeader may be pending for a scrape or two.
      await waitFor(async () => (await p.alerts()).filter(ours).length === 0, {
        description: 'no alert of this operator or group active',
        timeoutMs: 30_000,
      });
    });

    it('answers every query of the Grafana dashboard, and each finds the series it draws', async () => {
      const p = prometheus;
      assert.ok(p !== undefined);
      const dashboard = dashboardSchema.parse(JSON.parse(await readFile(DASHBOARD, 'utf8')));
      const queries = dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({ panel: panel.title ?? '?', expr: filled(target.expr, namespace) })),
      );
      assert.ok(queries.length >= 20, `the dashboard's queries were found (${queries.length})`);
      // Counters need two scrapes in the rate window, and the reconcile histogram one reconcile in it.
      await waitFor(async () => (await p.query(filled(queries.at(-1)?.expr ?? 'up', namespace))).length > 0, {
        description: 'a rate over the window',
        timeoutMs: 30_000,
      });
      const empty: string[] = [];
      for (const { panel, expr } of queries) {
        const result = await p.query(expr);
        if (result.length === 0) empty.push(`${panel}: ${expr}`);
      }
      assert.deepEqual(empty, [], 'queries with no series');
      for (const variable of dashboard.templating.list) {
        const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
        const match = /^label_values\((.+), (\w+)\)$/.exec(query);
        if (match === null) continue;
        const [, selector = '', label = ''] = match;
        const values = (await p.query(filled(selector, namespace))).map((sample) => sample.metric[label]);
        const expected: Record<string, string> = { job: JOB, namespace, group: GROUP };
        const wanted = expected[label];
        assert.ok(values.includes(wanted), `variable ${variable.name}: ${query} gives ${JSON.stringify(values)}`);
      }
    });

    it('fires StarRocksCNFEUnreachable after its 5 minutes when the FE stops answering, and resolves when it is back', async () => {
      const p = prometheus;
      assert.ok(p !== undefined);
      const feAlert = async (): Promise<ActiveAlert | undefined> =>
        (await p.alerts()).find(
          (alert) =>
            alert.labels['alertname'] === 'StarRocksCNFEUnreachable' && alert.labels['namespace'] === namespace,
        );
      await fe.setFault('refuse');
      try {
        const pending = await waitFor(
          async () => {
            const alert = await feAlert();
            return alert?.state === 'pending' ? alert : undefined;
          },
          { description: 'the alert pending', timeoutMs: 60_000 },
        );
        const firing = await waitFor(
          async () => {
            const alert = await feAlert();
            return alert?.state === 'firing' ? alert : undefined;
          },
          { description: 'the alert firing after its for: 5m', timeoutMs: 420_000, intervalMs: 5_000 },
        );
        const pendingFor = Date.parse(firing.activeAt) - Date.parse(pending.activeAt);
        assert.equal(pendingFor, 0, 'the same alert, active since it went pending');
        const firedAfter = Date.now() - Date.parse(firing.activeAt);
        assert.ok(firedAfter >= 300_000, `fired ${firedAfter} ms after it went active: not before its 5 minutes`);
        assert.equal(firing.labels['group'], GROUP);
        assert.equal(firing.labels['severity'], 'critical');
        assert.equal(firing.annotations['summary'], `The FE of ComputeNodeGroup ${namespace}/${GROUP} is unreachable`);
        const others = (await p.alerts()).filter(ours).map((alert) => alert.labels['alertname']);
        assert.deepEqual([...new Set(others)], ['StarRocksCNFEUnreachable'], 'only that alert');
      } finally {
        await fe.setFault('normal');
      }
      await waitFor(async () => (await feAlert()) === undefined, {
        description: 'the alert resolved',
        timeoutMs: 60_000,
      });
    });
  },
);
