// The alert rules match condition and Event reasons by name; a reason renamed in src/api/v1alpha1/reasons.ts would
// leave such an alert silent (or, for `!=`, firing) forever. Every reason an alert names, in deploy/ and in the chart's
// copy, is one of the reason tables; and the promtool tests feed series with such reasons only. The HPA's own
// reasons that the Autoscaling condition mirrors are Kubernetes', not in the tables: an alert on one would need an
// exception here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import { CONDITION_REASONS, EVENT_REASONS, POD_CONDITION_REASONS } from '../../../src/api/v1alpha1/index.js';

const ROOT = path.join(import.meta.dirname, '../../..');
const ALERT_FILES = ['deploy/monitoring/alerts.yaml', 'charts/starrocks-cn-operator/files/alerts.yaml'];
const KNOWN = new Set([
  ...Object.keys(CONDITION_REASONS),
  ...Object.keys(EVENT_REASONS),
  ...Object.keys(POD_CONDITION_REASONS),
]);

const rulesSchema = z.object({
  groups: z.array(z.object({ rules: z.array(z.looseObject({ alert: z.string(), expr: z.string() })) })),
});

const testsSchema = z.object({
  tests: z.array(z.looseObject({ input_series: z.array(z.looseObject({ series: z.string() })).optional() })),
});

function readYaml(relative: string): unknown {
  return parse(readFileSync(path.join(ROOT, relative), 'utf8'));
}

/**
 * The reason names a selector text matches on: the value of `reason="X"` and `reason!="X"`, and each alternative of
 * `reason=~"X|Y"` and `reason!~"(X|Y)"`. An alternative that is not a plain name (a pattern) comes back as written,
 * so it fails the check rather than escaping it.
 */
function reasonsMatched(text: string): string[] {
  return [...text.matchAll(/\breason\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].flatMap(([, operator, value = '']) =>
    operator === '=~' || operator === '!~' ? value.replace(/^\((.*)\)$/, '$1').split('|') : [value],
  );
}

function unknownReasons(where: string, texts: readonly string[]): string[] {
  return texts
    .flatMap((text) => reasonsMatched(text).filter((reason) => !KNOWN.has(reason)))
    .map((r) => `${where}: ${r}`);
}

describe('reasons in the alert rules', () => {
  it('reads every kind of reason matcher', () => {
    assert.deepEqual(reasonsMatched('x{reason="A", reason!="B"} or y{reason=~"(C|D)", reason !~ "E.*"}'), [
      'A',
      'B',
      'C',
      'D',
      'E.*',
    ]);
  });

  it('are all in the reason tables of src/api/v1alpha1/reasons.ts, in deploy/ and in the chart', () => {
    let matched = 0;
    for (const file of ALERT_FILES) {
      const rules = rulesSchema.parse(readYaml(file)).groups.flatMap((group) => group.rules);
      matched += rules.flatMap((rule) => reasonsMatched(rule.expr)).length;
      for (const rule of rules) assert.deepEqual(unknownReasons(`${file} ${rule.alert}`, [rule.expr]), []);
    }
    // WaitingForFEDrop and CNsStarting in each file, at least: the scan reads the rules.
    assert.ok(matched >= 2 * ALERT_FILES.length, `only ${matched} reason matchers found`);
  });

  it('feed the promtool tests series whose reasons are in the tables', () => {
    const file = 'deploy/monitoring/alerts.test.yaml';
    const series = testsSchema
      .parse(readYaml(file))
      .tests.flatMap((test) => (test.input_series ?? []).map((input) => input.series));
    assert.ok(
      series.some((text) => reasonsMatched(text).length > 0),
      'the tests have series with a reason',
    );
    assert.deepEqual(unknownReasons(file, series), []);
  });
});
