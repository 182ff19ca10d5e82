// The operator's RBAC comes from the tables of kinds it touches: every child kind is granted what the reconciler does
// with it, the offline Role it creates grants nothing the operator lacks, and the committed files are the generated
// ones.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CHILD_KINDS, CHILD_VERBS, buildChildren } from '../../../src/builders/index.js';
import { operatorRules } from '../../../src/controllers/computenodegroup/rbac.js';
import { apiGroupOf } from '../../../src/kube/access.js';
import { rbacFiles } from '../../../src/rbac/files.js';
import { GOLDEN_CASES } from '../builders/fixtures.js';

const repoRoot = new URL('../../../', import.meta.url);

function granted(apiGroup: string, resource: string): Set<string> {
  const verbs = new Set<string>();
  for (const rule of operatorRules()) {
    if (rule.apiGroups.includes(apiGroup) && rule.resources.includes(resource))
      for (const v of rule.verbs) verbs.add(v);
  }
  return verbs;
}

describe('operator RBAC', () => {
  it('grants every child kind the verbs of caching, applying and pruning it', () => {
    assert.ok(CHILD_KINDS.length >= 8);
    for (const kind of CHILD_KINDS) {
      const verbs = granted(apiGroupOf(kind.resource.apiPath), kind.resource.plural);
      const missing = CHILD_VERBS.filter((verb) => !verbs.has(verb));
      assert.deepEqual(missing, [], `${kind.kind} lacks ${missing.join(', ')}`);
      for (const sub of kind.subresources ?? []) {
        const subVerbs = granted(apiGroupOf(kind.resource.apiPath), `${kind.resource.plural}/${sub.name}`);
        assert.deepEqual(
          sub.verbs.filter((verb) => !subVerbs.has(verb)),
          [],
          `${kind.kind}/${sub.name}`,
        );
      }
    }
  });

  it('lets the deletion stop the pods through statefulsets/scale', () => {
    assert.ok(granted('apps', 'statefulsets/scale').has('patch'));
  });

  it('holds every permission of the offline Role it creates (Kubernetes forbids escalation)', () => {
    const seed = GOLDEN_CASES.find((testCase) => testCase.name === 'seed');
    assert.ok(seed);
    const role = buildChildren(seed.input()).offline?.role;
    assert.ok(role?.rules && role.rules.length > 0);
    for (const rule of role.rules) {
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          const verbs = granted(group, resource);
          for (const verb of rule.verbs) assert.ok(verbs.has(verb), `${verb} ${group}/${resource}`);
        }
      }
    }
  });

  it('reads the API group from an API path', () => {
    assert.equal(apiGroupOf('/api/v1'), '');
    assert.equal(apiGroupOf('/apis/apps/v1'), 'apps');
    assert.equal(apiGroupOf('/apis/rbac.authorization.k8s.io/v1'), 'rbac.authorization.k8s.io');
    assert.throws(() => apiGroupOf('/apis/apps'), /not an API path/);
  });

  it('is committed as generated in deploy/ and the chart (run npm run generate)', () => {
    for (const [path, content] of rbacFiles()) {
      assert.equal(readFileSync(new URL(path, repoRoot), 'utf8'), content, `${path} differs from the generated file`);
    }
  });
});
