import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { countAudit, mergeAuditEvents, parseAuditEvents } from '../../../control-plane/audit.js';
import { auditPolicy } from '../../../control-plane/audit-policy.js';

function event(auditID: string, stage: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID,
    stage,
    verb: 'get',
    requestURI: '/api/v1/namespaces/a/pods/p',
    user: { username: 'kube-admin', groups: ['system:masters'] },
    objectRef: { resource: 'pods', namespace: 'a', name: 'p', apiVersion: 'v1' },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z',
    ...extra,
  });
}

describe('audit log reading', () => {
  it('counts a request once and takes the code from its ResponseComplete event', () => {
    const text =
      [event('1', 'RequestReceived'), event('1', 'ResponseComplete', { responseStatus: { code: 404 } })].join('\n') +
      '\n';
    const requests = mergeAuditEvents(parseAuditEvents(text));
    assert.equal(requests.length, 1);
    const [first] = requests;
    assert.ok(first);
    assert.equal(first.code, 404);
    assert.equal(first.user, 'kube-admin');
  });

  it('skips a torn last line and lines that are not audit events', () => {
    const full = event('1', 'RequestReceived');
    const text = `not json\n{"kind":"Other"}\n${full}\n${full.slice(0, 40)}`;
    assert.equal(parseAuditEvents(text).length, 1);
  });

  it('leaves out requests whose RequestReceived event is before the mark (only their completion is after it)', () => {
    const text =
      event('old', 'ResponseComplete', { responseStatus: { code: 200 } }) +
      '\n' +
      event('new', 'RequestReceived') +
      '\n';
    const requests = mergeAuditEvents(parseAuditEvents(text));
    assert.deepEqual(
      requests.map((request) => request.auditID),
      ['new'],
    );
    assert.equal(requests[0]?.code, null);
  });

  it('counts by user, verb and resource with subresource', () => {
    const lines = [
      event('1', 'RequestReceived', {
        verb: 'update',
        objectRef: { resource: 'computenodegroups', subresource: 'status' },
      }),
      event('2', 'RequestReceived', {
        verb: 'update',
        objectRef: { resource: 'computenodegroups', subresource: 'status' },
      }),
      event('3', 'RequestReceived', { verb: 'list', user: { username: 'system:serviceaccount:ops:operator' } }),
    ];
    const counts = countAudit(mergeAuditEvents(parseAuditEvents(lines.join('\n') + '\n')));
    assert.equal(counts.get('kube-admin update computenodegroups/status'), 2);
    assert.equal(counts.get('system:serviceaccount:ops:operator list pods'), 1);
    const onlyOperator = countAudit(mergeAuditEvents(parseAuditEvents(lines.join('\n') + '\n')), {
      user: 'system:serviceaccount:ops:operator',
    });
    assert.equal(onlyOperator.size, 1);
  });
});

describe('audit policy', () => {
  const policy = parse(auditPolicy()) as { rules: { level: string; users?: string[]; verbs?: string[] }[] };

  it('ends with a Metadata rule for everything else, so every other request is recorded', () => {
    assert.deepEqual(policy.rules.at(-1), { level: 'Metadata' });
  });

  it('never excludes users by a prefix that would hide an operator running as a service account', () => {
    for (const rule of policy.rules) {
      for (const user of rule.users ?? []) assert.ok(!user.startsWith('system:serviceaccount'), user);
    }
    assert.ok(!policy.rules.some((rule) => rule.level === 'None' && rule.users === undefined));
  });

  it('keeps the writes of the controller manager (only its reads are dropped)', () => {
    const kcmRules = policy.rules.filter((rule) => rule.users?.includes('system:kube-controller-manager'));
    assert.equal(kcmRules.length, 1);
    assert.deepEqual(kcmRules[0]?.verbs, ['get', 'list', 'watch']);
  });
});
