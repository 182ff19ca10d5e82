// spec.updateStrategy.maxUnavailable on a real API server whose MaxUnavailableStatefulSet gate is off (the default up
// to Kubernetes 1.36, as on most clusters): the API server drops the field from the StatefulSet, the group says so
// (ChildrenApplied=True/FieldsDropped and a FieldsDropped Event) and the operator does not re-apply the StatefulSet
// at every pass trying to set it (counted in the audit log); removing the field from the group clears the report.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  auditMark,
  auditRequestsSince,
  freshNamespace,
  kubectl,
  kubectlCreate,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';
import {
  condition,
  createOperatorIdentity,
  getGroup,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';

const GROUP = 'computenodegroup-sample';
const STATEFUL_SET = GROUP;

describe('operator: rollout width on a cluster that drops maxUnavailable', { timeout: 240_000 }, () => {
  let testNamespace: TestNamespace | undefined;
  let namespace = '';
  let identity: OperatorIdentity | undefined;
  let operator: RunningOperator | undefined;
  const fe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 300 });

  before(async () => {
    await installCrd();
    await fe.start();
    fe.liveness.defaultOutcome = { ok: true };
    testNamespace = await freshNamespace('operator-rollout');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({ identity, watchNamespaces: [namespace], label: 'rollout', feSyncPeriod: '1s' });
  });

  after(async () => {
    await kubectl(['delete', 'cng', GROUP, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    await operator?.stop();
    await fe.stop();
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
  });

  it('reports the dropped field once, keeps quiet afterwards, and clears the report when the field goes', async () => {
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      spec['replicas'] = 2;
      spec['updateStrategy'] = { maxUnavailable: 2 };
    });
    const created = await kubectlCreate(objects);
    assert.equal(created.code, 0, created.stderr);
    await waitForMembers(namespace, GROUP, 2, () => fe.computeNodeAddresses());

    const reported = await waitFor(
      async () => {
        const found = condition(await getGroup(namespace, GROUP), 'ChildrenApplied');
        return found?.reason === 'FieldsDropped' ? found : undefined;
      },
      { description: 'ChildrenApplied=True/FieldsDropped', timeoutMs: 60_000 },
    );
    assert.equal(reported.status, 'True', 'the group still runs');
    assert.match(
      reported.message ?? '',
      /StatefulSet computenodegroup-sample: spec\.updateStrategy\.rollingUpdate\.maxUnavailable/,
    );
    assert.match(reported.message ?? '', /MaxUnavailableStatefulSet feature gate/);
    const ready = condition(await getGroup(namespace, GROUP), 'Ready');
    assert.equal(ready?.status, 'True');

    // The API server really dropped it (this cluster runs with the gate at its default, off).
    const strategy = await kubectl([
      'get',
      'statefulset',
      STATEFUL_SET,
      '-n',
      namespace,
      '-o',
      'jsonpath={.spec.updateStrategy}',
    ]);
    assert.doesNotMatch(strategy.stdout, /maxUnavailable/);
    const events = await kubectl([
      'get',
      'events',
      '-n',
      namespace,
      '--field-selector',
      'reason=FieldsDropped',
      '-o',
      'name',
    ]);
    assert.notEqual(events.stdout.trim(), '', 'a FieldsDropped Event');

    // Many passes later (the FE is read every second), no apply of the StatefulSet was sent.
    const mark = await auditMark();
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const writes = await auditRequestsSince(mark, {
      user: identity?.user,
      resource: 'statefulsets',
      verb: ['patch', 'update', 'create'],
      namespace,
    });
    assert.equal(writes.length, 0, `writes to the StatefulSet while nothing changed: ${writes.length}`);

    const patched = await kubectl([
      'patch',
      'cng',
      GROUP,
      '-n',
      namespace,
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/updateStrategy/maxUnavailable"}]',
    ]);
    assert.equal(patched.code, 0, patched.stderr);
    await waitFor(async () => condition(await getGroup(namespace, GROUP), 'ChildrenApplied')?.reason === 'Applied', {
      description: 'ChildrenApplied=True/Applied once the field is gone',
      timeoutMs: 60_000,
    });
  });

  it('refuses maxUnavailable with OnDelete, 0 and 0% at admission', async () => {
    for (const [strategy, message] of [
      [{ type: 'OnDelete', maxUnavailable: 1 }, /maxUnavailable applies to type RollingUpdate only/],
      [{ maxUnavailable: 0 }, /should be greater than or equal to 1/],
      [{ maxUnavailable: '0%' }, /should match/],
    ] as const) {
      const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
        spec['updateStrategy'] = strategy;
      });
      const group = objects.filter((object) => object['kind'] === 'ComputeNodeGroup');
      const result = await kubectl(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(group[0]) });
      assert.notEqual(result.code, 0, JSON.stringify(strategy));
      assert.match(result.stderr, message);
    }
  });
});
