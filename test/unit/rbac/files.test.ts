// The RBAC files of deploy/ and the chart come from the access tables (src/rbac/): the grants merge into rules as
// RBAC reads them, every binding names the ServiceAccount deploy/ installs, and leader election's table covers what
// the elector does. That the committed files are the generated ones is test/unit/controllers/rbac.test.ts's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { policyRules } from '../../../src/kube/access.js';
import { LEADER_ELECTION_GRANT } from '../../../src/kube/leader-election.js';
import { DEPLOY_NAMESPACE, DEPLOY_SERVICE_ACCOUNT, rbacFiles } from '../../../src/rbac/files.js';

const repoRoot = new URL('../../../', import.meta.url);

function metadataOf(path: string): { name?: string; namespace?: string } {
  const object = parse(readFileSync(new URL(path, repoRoot), 'utf8')) as { metadata?: object };
  return object.metadata ?? {};
}

describe('generated RBAC files', () => {
  it('bind the ServiceAccount of deploy/service_account.yaml, in the namespace of deploy/namespace.yaml', () => {
    assert.equal(metadataOf('deploy/namespace.yaml').name, DEPLOY_NAMESPACE);
    const account = metadataOf('deploy/service_account.yaml');
    assert.equal(account.name, DEPLOY_SERVICE_ACCOUNT);
    assert.equal(account.namespace, DEPLOY_NAMESPACE);
    const subject = { kind: 'ServiceAccount', name: DEPLOY_SERVICE_ACCOUNT, namespace: DEPLOY_NAMESPACE };
    let bindings = 0;
    for (const [path, text] of rbacFiles()) {
      if (!path.startsWith('deploy/')) continue;
      for (const document of parseAllDocuments(text)) {
        const object = document.toJS() as { kind: string; subjects?: unknown };
        if (!object.kind.endsWith('Binding')) continue;
        bindings += 1;
        assert.deepEqual(object.subjects, [subject], `${path}: ${object.kind}`);
      }
    }
    assert.equal(bindings, 5);
  });

  it('keep every line within 120 columns', () => {
    for (const [path, text] of rbacFiles()) {
      const long = text.split('\n').filter((line) => line.length > 120);
      assert.deepEqual(long, [], path);
    }
  });

  it('merge grants into one rule only when their groups, object names, verbs and reason agree', () => {
    const rules = policyRules([
      { apiGroups: ['a'], resource: 'x', verbs: ['patch', 'get'] },
      { apiGroups: ['a'], resource: 'y', verbs: ['get', 'patch'] },
      { apiGroups: ['a'], resource: 'z', resourceNames: ['one'], verbs: ['get', 'patch'] },
      { apiGroups: ['a'], resource: 'w', verbs: ['get', 'patch'], why: 'because' },
    ]);
    assert.deepEqual(rules, [
      { apiGroups: ['a'], resources: ['x', 'y'], verbs: ['get', 'patch'] },
      { apiGroups: ['a'], resources: ['z'], resourceNames: ['one'], verbs: ['get', 'patch'] },
      { apiGroups: ['a'], resources: ['w'], verbs: ['get', 'patch'], why: 'because' },
    ]);
  });

  it('grant leader election what the elector does with its Lease (GET, then POST or PUT)', () => {
    assert.ok('access' in LEADER_ELECTION_GRANT.role);
    const leases = LEADER_ELECTION_GRANT.role.access.find(
      (access) => access.resource === 'leases' && access.apiGroups.includes('coordination.k8s.io'),
    );
    for (const verb of ['get', 'create', 'update'] as const) assert.ok(leases?.verbs.includes(verb), verb);
    assert.equal(LEADER_ELECTION_GRANT.scope.kind, 'own');
  });
});
