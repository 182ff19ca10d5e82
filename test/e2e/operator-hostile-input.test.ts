// Bad input against the real API server and the running operator: 300 generated invalid or hostile specs (huge and
// negative numbers, wrong types, unicode, quote and SQL characters in addresses and names, deep nesting, long lists,
// unknown fields). Each is refused at admission with a message, or accepted and reported on the group's status; the
// operator never crashes, and no hostile text ever reaches the FE (the simulator's statement record).
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  freshNamespace,
  kubectl,
  kubectlCreate,
  type TestNamespace,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator } from '@starrocks-cn-operator/testbed/fe-simulator';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { installCrd } from '../support/e2e.js';
import { hostileSpecs, MARKER } from '../support/hostile-specs.js';
import {
  createOperatorIdentity,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';

/** Accepted specs re-created with one CN each. */
const LIVE_GROUPS = 12;

interface GroupItem {
  metadata: { name: string };
  status?: { conditions?: unknown[] };
}

describe('operator: 300 invalid or hostile specs', { timeout: 900_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let identity: OperatorIdentity | undefined;
  let operator: RunningOperator | undefined;
  const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 1000 });
  fe.liveness.defaultOutcome = { ok: true };

  before(async () => {
    await installCrd();
    await fe.start();
    // Not named after the marker: a CN's FQDN holds the namespace, and would match it.
    testNamespace = await freshNamespace('bad-input');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({ identity, watchNamespaces: [namespace], label: 'hostile' });
  });

  after(async () => {
    await kubectl(['delete', 'cng', '--all', '-n', namespace, '--wait=true', '--timeout=120s']).catch(() => undefined);
    await operator?.stop();
    await fe.stop();
    if (identity !== undefined) await removeOperatorIdentity(identity);
    await testNamespace?.delete();
  });

  it('refuses each at admission with a message or reports it; never crashes; nothing reaches the FE', async () => {
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      // No pods: the specs are about input, and 300 groups of CNs would not fit one KWOK node.
      spec['replicas'] = 0;
      delete spec['autoScalingPolicy'];
      delete spec['cronJobPolicy'];
    });
    const group = objects.find((object) => object['kind'] === 'ComputeNodeGroup');
    assert.ok(group);
    const support = objects.filter((object) => object['kind'] !== 'ComputeNodeGroup');
    const created = await kubectlCreate(support);
    assert.equal(created.code, 0, created.stderr);

    const specs = hostileSpecs(group['spec'] as Record<string, unknown>);
    assert.ok(specs.length >= 300, `${specs.length} specs`);
    const accepted: string[] = [];
    const silent: string[] = [];
    for (const [index, { label, spec }] of specs.entries()) {
      const name = `hostile-${index}`;
      const metadata = { ...(group['metadata'] as object), name, namespace };
      const result = await kubectlCreate([{ ...group, metadata, spec }]);
      if (result.code === 0) accepted.push(name);
      else if (
        !/is invalid|Invalid value|Unsupported value|unknown field|cannot unmarshal|must be|Required value/i.test(
          result.stderr,
        )
      ) {
        silent.push(`${label}: ${result.stderr.slice(0, 300)}`);
      }
    }
    assert.deepEqual(silent, [], 'every refusal says what is wrong');
    process.stdout.write(
      `# hostile specs: ${specs.length}, refused at admission ${specs.length - accepted.length}, accepted ${accepted.length}\n`,
    );

    // What got in is reconciled and reported: a status with conditions for each.
    let unreported: string[] = accepted;
    const reported = async (): Promise<boolean> => {
      const result = await kubectl(['get', 'cng', '-n', namespace, '-o', 'json']);
      if (result.code !== 0) return false;
      const items = (JSON.parse(result.stdout) as { items: GroupItem[] }).items;
      const withConditions = new Set(
        items.filter((item) => (item.status?.conditions?.length ?? 0) > 0).map((item) => item.metadata.name),
      );
      unreported = accepted.filter((name) => !withConditions.has(name));
      return unreported.length === 0;
    };
    await waitFor(reported, { description: 'a status on every accepted group', timeoutMs: 180_000 }).catch(
      (error: unknown) => {
        const labels = unreported.map((name) => specs[Number(name.slice('hostile-'.length))]?.label ?? name);
        throw new Error(`no status on ${unreported.join(', ')} (${labels.join('; ')})`, { cause: error });
      },
    );
    assert.equal(operator?.exited(), false, 'the operator is still running');

    // The same accepted specs with CNs, in IP and FQDN mode, so the FE does get statements built from them: without
    // any ADD, "nothing reached the FE" could not fail. A dozen groups: one KWOK node holds their pods.
    const live = accepted.filter((_, index) => index % Math.max(1, Math.floor(accepted.length / LIVE_GROUPS)) === 0);
    const liveGroups = live.slice(0, LIVE_GROUPS).map((name, index) => {
      const hostile = specs[Number(name.slice('hostile-'.length))]?.spec ?? {};
      const cnInfo = { ...((hostile['cnInfo'] as Record<string, unknown> | undefined) ?? {}) };
      cnInfo['addressType'] = index % 2 === 0 ? 'IP' : 'FQDN';
      const spec = { ...hostile, replicas: 1, cnInfo };
      return { ...group, metadata: { ...(group['metadata'] as object), name: `live-${index}`, namespace }, spec };
    });
    const addsBefore = fe.statementsMatching(/ADD COMPUTE NODE/i).length;
    for (const liveGroup of liveGroups) await kubectlCreate([liveGroup]);
    await waitFor(() => Promise.resolve(fe.statementsMatching(/ADD COMPUTE NODE/i).length > addsBefore), {
      description: 'ADD statements from the accepted hostile specs with CNs',
      timeoutMs: 120_000,
    });
    process.stdout.write(
      `# hostile specs with CNs: ${liveGroups.length} groups, ` +
        `${fe.statementsMatching(/ADD COMPUTE NODE/i).length - addsBefore} ADD statements\n`,
    );
    assert.equal(operator.exited(), false, 'the operator is still running');
    const reached = fe.statements.filter((record) => record.sql.toUpperCase().includes(MARKER));
    assert.deepEqual(reached, [], 'no hostile text reached the FE');
  });
});
