// The dashboard and the alert rules read only series the operator exports (a renamed series would leave a panel
// empty and an alert silent, forever), and every alert has its runbook in docs/monitoring.md.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { GroupMetrics } from '../../../src/controllers/computenodegroup/metrics.js';
import { LoadBoard } from '../../../src/load/board.js';
import { grafanaDashboard } from '../../../src/monitoring/dashboard.js';
import { OperatorMetrics } from '../../../src/runtime/metrics.js';

const ROOT = path.join(import.meta.dirname, '../../..');
const SERIES = /\b(?:starrocks_cn|controller_runtime|workqueue|rest_client|leader_election|process|nodejs)_[a-z_]+\b/g;

async function exportedSeries(): Promise<Set<string>> {
  const metrics = new OperatorMetrics();
  new LoadBoard().register(metrics.registry);
  new GroupMetrics(metrics.registry);
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (metric.type.toString() === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  return names;
}

const alertsSchema = z.object({
  groups: z.array(
    z.object({
      rules: z.array(
        z.object({
          alert: z.string(),
          expr: z.string(),
          for: z.string(),
          labels: z.object({ severity: z.enum(['critical', 'warning', 'info']) }),
          annotations: z.object({ summary: z.string(), description: z.string(), runbook: z.string() }),
        }),
      ),
    }),
  ),
});

function alertRules() {
  return alertsSchema
    .parse(parse(readFileSync(path.join(ROOT, 'deploy/monitoring/alerts.yaml'), 'utf8')))
    .groups.flatMap((group) => group.rules);
}

function dashboardQueries(): string[] {
  const panels = z
    .array(z.looseObject({ targets: z.array(z.object({ expr: z.string() }).loose()).optional() }))
    .parse(grafanaDashboard()['panels']);
  return panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const result = new Set<string>();
  for (const line of markdown.split('\n')) {
    const heading = /^#{1,6} (.+)$/.exec(line)?.[1];
    if (heading !== undefined)
      result.add(
        heading
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      );
  }
  return result;
}

describe('monitoring pack', () => {
  it('the dashboard queries only series the operator exports', async () => {
    const exported = await exportedSeries();
    const queries = dashboardQueries();
    assert.ok(queries.length >= 15, 'the dashboard has its panels');
    const unknown = queries
      .flatMap((expr) => [...expr.matchAll(SERIES)].map(([name]) => name))
      .filter((name) => !exported.has(name));
    assert.deepEqual([...new Set(unknown)], []);
  });

  it('the alert rules read only series the operator exports', async () => {
    const exported = await exportedSeries();
    const unknown = alertRules()
      .flatMap((rule) => [...rule.expr.matchAll(SERIES)].map(([name]) => name))
      .filter((name) => !exported.has(name));
    assert.deepEqual([...new Set(unknown)], []);
  });

  it('has the alerts the operator needs, each with a runbook section in docs/monitoring.md', () => {
    const rules = alertRules();
    const names = rules.map((rule) => rule.alert);
    for (const needed of [
      'StarRocksCNFEUnreachable',
      'StarRocksCNRegisteredNotAlive',
      'StarRocksCNStaleEntries',
      'StarRocksCNScaleInWaitingOnFE',
      'StarRocksCNReconcileErrors',
      'StarRocksCNGroupAtMaxReplicas',
      'StarRocksCNOperatorNoLeader',
    ]) {
      assert.ok(names.includes(needed), `${needed} is missing`);
    }
    const documented = anchors(readFileSync(path.join(ROOT, 'docs/monitoring.md'), 'utf8'));
    for (const rule of rules) {
      const [file, anchor] = rule.annotations.runbook.split('#');
      assert.equal(file, 'docs/monitoring.md');
      assert.ok(documented.has(anchor ?? ''), `docs/monitoring.md has no section #${anchor} for ${rule.alert}`);
    }
  });

  it('every alert rule has a promtool test that makes it fire', () => {
    const tests = readFileSync(path.join(ROOT, 'deploy/monitoring/alerts.test.yaml'), 'utf8');
    for (const rule of alertRules()) {
      assert.match(tests, new RegExp(`alertname: ${rule.alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), rule.alert);
    }
  });

  it('documents every series the operator exports in docs/operating.md', async () => {
    const text = readFileSync(path.join(ROOT, 'docs/operating.md'), 'utf8');
    const own = [...(await exportedSeries())].filter(
      (name) => !/^(process|nodejs)_/.test(name) && !/_(bucket|sum|count)$/.test(name),
    );
    const undocumented = own.filter((name) => !text.includes(`\`${name}\``));
    assert.deepEqual(undocumented, []);
  });
});
