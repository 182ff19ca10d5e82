// Cost control against the real control plane (KWOK), the compiled operator and the FE simulator (StarRocks 3.5):
// `spec.suspend` takes every CN out through the scale-in path (each out of the FE before the StatefulSet goes down)
// and pauses the HPA; resume brings them back. 0 CNs are refused while the FE would be left without any alive BE or
// CN, unless allowNoCompute. A schedule window sets the replicas while it is open. With `autoSuspend`, a group with no
// work (the FE's own GET /api/idle_status on) is suspended, and wakes when the FE queues queries.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
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
  groupPods,
  registeredPods,
  removeOperatorIdentity,
  seedExampleObjects,
  startOperator,
  waitForCondition,
  waitForMembers,
  type OperatorIdentity,
  type RunningOperator,
} from '../support/operator.js';

const suspensionSchema = z.looseObject({
  status: z
    .looseObject({
      suspension: z
        .looseObject({
          suspendedBy: z.string().optional(),
          since: z.string().optional(),
          idleSince: z.string().optional(),
          openWindows: z.array(z.string()).optional(),
          nextChange: z.looseObject({ at: z.string(), window: z.string(), action: z.string() }).optional(),
        })
        .optional(),
    })
    .optional(),
});

describe('operator: suspend, resume, schedules, idle auto-suspend', { timeout: 900_000 }, () => {
  let testNamespace: TestNamespace | undefined;
  let namespace = '';
  let identity: OperatorIdentity | undefined;
  let operator: RunningOperator | undefined;
  const simulators: FeSimulator[] = [];
  const groups: string[] = [];
  const figures: Record<string, number> = {};

  async function freshFe(options: ConstructorParameters<typeof FeSimulator>[0] = {}): Promise<FeSimulator> {
    const fe = new FeSimulator({ version: '3.5', heartbeatPeriodMs: 500, ...options });
    // KWOK pod IPs are fake: the liveness table answers for them.
    fe.liveness.defaultOutcome = { ok: true };
    simulators.push(fe);
    await fe.start();
    return fe;
  }

  /** The seed example as group `name` on `fe`; the Secret and ConfigMap only with the first group. */
  async function createGroup(
    name: string,
    fe: FeSimulator,
    edit: (spec: Record<string, unknown>) => void,
  ): Promise<void> {
    const objects = await seedExampleObjects(namespace, fe.addresses, (spec) => {
      delete spec['cronJobPolicy'];
      edit(spec);
    });
    const group = objects.find((object) => object['kind'] === 'ComputeNodeGroup');
    if (group === undefined) throw new Error('no group in the seed example');
    (group['metadata'] as Record<string, unknown>)['name'] = name;
    const created = await kubectlCreate(groups.length === 0 ? objects : [group]);
    assert.equal(created.code, 0, created.stderr);
    groups.push(name);
  }

  async function patchSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    const patched = await kubectl([
      'patch',
      'cng',
      name,
      '-n',
      namespace,
      '--type=merge',
      '-p',
      JSON.stringify({ spec }),
    ]);
    assert.equal(patched.code, 0, patched.stderr);
  }

  async function suspensionOf(name: string): Promise<z.infer<typeof suspensionSchema>> {
    const result = await kubectl(['get', 'cng', name, '-n', namespace, '-o', 'json']);
    return suspensionSchema.parse(JSON.parse(result.stdout));
  }

  async function eventReasons(name: string): Promise<string[]> {
    const selector = `involvedObject.name=${name},involvedObject.kind=ComputeNodeGroup`;
    const result = await kubectl(['get', 'events', '-n', namespace, '--field-selector', selector, '-o', 'json']);
    const events = z.object({ items: z.array(z.looseObject({ reason: z.string() })) }).parse(JSON.parse(result.stdout));
    return events.items.map((event) => event.reason);
  }

  const hpaExists = async (name: string): Promise<boolean> =>
    (await kubectl(['get', 'hpa', name, '-n', namespace, '-o', 'name'])).code === 0;

  before(async () => {
    await installCrd();
    testNamespace = await freshNamespace('cost-control');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    operator = await startOperator({ identity, watchNamespaces: [namespace], label: 'cost', feSyncPeriod: '1s' });
  });

  after(async () => {
    for (const name of groups) {
      await kubectl(['delete', 'cng', name, '-n', namespace, '--wait=true', '--timeout=60s']).catch(() => undefined);
    }
    await operator?.stop();
    for (const fe of simulators) await fe.stop();
    if (identity !== undefined) await removeOperatorIdentity(identity);
    await testNamespace?.delete();
    process.stdout.write(`operator-cost-control figures: ${JSON.stringify(figures)}\n`);
  });

  it('suspend takes every CN out of the FE before its pod, pauses the HPA and keeps replicas; resume restores them', async () => {
    const fe = await freshFe({ backends: [{ address: '10.98.1.1:9050' }] });
    const name = 'cost-suspend';
    await createGroup(name, fe, (spec) => {
      spec['replicas'] = 3;
    });
    const pods = await waitForMembers(namespace, name, 3, () => fe.computeNodeAddresses());
    await waitFor(() => hpaExists(name), { description: 'the HPA', timeoutMs: 30_000, intervalMs: 500 });

    const mark = await auditMark();
    const suspendedAt = Date.now();
    await patchSpec(name, { suspend: true });
    await waitFor(async () => (await groupPods(namespace, name)).length === 0, {
      description: 'no pod left',
      timeoutMs: 180_000,
      intervalMs: 1_000,
    });
    figures['suspendToNoPodMs'] = Date.now() - suspendedAt;
    assert.deepEqual(registeredPods(fe.computeNodeAddresses(), pods), [], 'the FE lists none of its CNs');
    const drops = fe.membershipLog('drop', new Date(suspendedAt - 1_000));
    for (const pod of pods)
      assert.ok(
        drops.some((drop) => drop.address === `${pod.ip}:9050`),
        `${pod.name} dropped`,
      );
    const stsWrites = await auditRequestsSince(mark, {
      user: identity?.user,
      resource: 'statefulsets',
      verb: ['patch', 'update'],
    });
    const firstStsWrite = Math.min(...stsWrites.map((request) => Date.parse(request.receivedAt ?? '')));
    const lastDrop = Math.max(...drops.map((drop) => drop.at.getTime()));
    assert.ok(lastDrop <= firstStsWrite, 'the StatefulSet went down only after every DROP');

    const group = await waitForCondition(namespace, name, 'Suspended', 'True', 30_000);
    assert.equal(condition(group, 'Suspended')?.reason, 'Spec');
    assert.equal(group.spec.replicas, 3, 'spec.replicas is kept to come back to');
    assert.equal((await suspensionOf(name)).status?.suspension?.suspendedBy, 'Spec');
    assert.equal(await hpaExists(name), false, 'the HPA is removed while suspended');
    assert.equal(condition(group, 'Autoscaling')?.reason, 'Paused');
    const column = await kubectl([
      'get',
      'cng',
      name,
      '-n',
      namespace,
      '-o',
      'custom-columns=S:.status.suspension.suspendedBy',
      '--no-headers',
    ]);
    assert.equal(column.stdout.trim(), 'Spec');

    const resumedAt = Date.now();
    await patchSpec(name, { suspend: false });
    await waitForMembers(namespace, name, 3, () => fe.computeNodeAddresses());
    figures['resumeToAllInFeMs'] = Date.now() - resumedAt;
    // A group that no longer uses suspend, schedules or autoSuspend has no Suspended condition at all.
    await waitFor(async () => condition(await getGroup(namespace, name), 'Suspended') === undefined, {
      description: 'the Suspended condition gone',
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    assert.equal((await suspensionOf(name)).status?.suspension, undefined);
    await waitFor(() => hpaExists(name), { description: 'the HPA back', timeoutMs: 30_000, intervalMs: 500 });
    const reasons = await eventReasons(name);
    assert.ok(reasons.includes('Suspended') && reasons.includes('Resumed'), reasons.join(', '));
  });

  it('refuses 0 CNs while the FE has no other alive BE or CN, until allowNoCompute', async () => {
    const fe = await freshFe();
    const name = 'cost-refuse';
    await createGroup(name, fe, (spec) => {
      spec['replicas'] = 2;
      delete spec['autoScalingPolicy'];
    });
    await waitForMembers(namespace, name, 2, () => fe.computeNodeAddresses());
    await patchSpec(name, { suspend: true });
    const refused = await waitFor(
      async () => {
        const group = await getGroup(namespace, name);
        return condition(group, 'Suspended')?.reason === 'ZeroComputeRefused' ? group : undefined;
      },
      { description: 'ZeroComputeRefused', timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.match(condition(refused, 'Suspended')?.message ?? '', /no other alive BE or CN.*allowNoCompute/);
    const kept = await waitForMembers(namespace, name, 1, () => fe.computeNodeAddresses());
    assert.deepEqual(
      kept.map((pod) => pod.ordinal),
      [0],
    );
    assert.ok((await eventReasons(name)).includes('ZeroComputeRefused'));

    await patchSpec(name, { allowNoCompute: true });
    await waitFor(async () => (await groupPods(namespace, name)).length === 0, {
      description: 'no pod left once allowed',
      timeoutMs: 120_000,
      intervalMs: 1_000,
    });
    assert.deepEqual(fe.computeNodeAddresses(), []);
    await waitForCondition(namespace, name, 'Suspended', 'True', 30_000);
  });

  it('minReplicas 0 without the HPAScaleToZero gate: the API server refuses the HPA, the group says so and runs', async () => {
    const fe = await freshFe({ backends: [{ address: '10.98.1.1:9050' }] });
    const name = 'cost-hpa-zero';
    await createGroup(name, fe, (spec) => {
      spec['replicas'] = 1;
      spec['autoScalingPolicy'] = { minReplicas: 0, maxReplicas: 3, queries: { targetPerCN: 4 } };
    });
    await waitForMembers(namespace, name, 1, () => fe.computeNodeAddresses());
    const refused = await waitFor(
      async () => {
        const group = await getGroup(namespace, name);
        return condition(group, 'ChildrenApplied')?.reason === 'ChildRefused' ? group : undefined;
      },
      { description: 'ChildRefused', timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.match(condition(refused, 'ChildrenApplied')?.message ?? '', /HorizontalPodAutoscaler.*minReplicas/);
    assert.equal(await hpaExists(name), false);
  });

  it('a schedule window sets the replicas while it is open (even minutes), the spec outside it', async () => {
    const fe = await freshFe({ backends: [{ address: '10.98.1.1:9050' }] });
    const name = 'cost-window';
    await createGroup(name, fe, (spec) => {
      spec['replicas'] = 1;
      delete spec['autoScalingPolicy'];
      spec['schedules'] = [{ name: 'even-minutes', start: '*/2 * * * *', end: '1-59/2 * * * *', replicas: 3 }];
    });
    // Closed after open: the window must be seen opening, then closing (up to 3 minutes).
    const seen = { open: false, closed: false };
    await waitFor(
      async () => {
        const open = new Date().getUTCMinutes() % 2 === 0;
        const status = (await suspensionOf(name)).status?.suspension;
        if (status?.nextChange === undefined) return false;
        const openWindows = status.openWindows ?? [];
        const pods = await groupPods(namespace, name);
        const ready = pods.filter((pod) => pod.ready && pod.deletionTimestamp === undefined);
        const inFe = registeredPods(fe.computeNodeAddresses(), ready).length;
        // Each state counts once its pods match it and the minute is not about to turn.
        if (open && openWindows.includes('even-minutes') && ready.length === 3 && inFe === 3) seen.open = true;
        if (seen.open && !open && openWindows.length === 0 && pods.length === 1 && inFe === 1) seen.closed = true;
        return seen.open && seen.closed;
      },
      { description: 'the window open (3 CNs) and closed (1 CN)', timeoutMs: 300_000, intervalMs: 1_000 },
    );
    const reasons = await eventReasons(name);
    assert.ok(reasons.includes('WindowOpened') && reasons.includes('WindowClosed'), reasons.join(', '));
  });

  it("autoSuspend with the FE's idle status on, off and absent: suspended after idleSeconds, woken by queued queries", async () => {
    const variants = [
      { label: 'on', version: '3.5', idleCheck: { enabled: true, intervalSeconds: 1 } },
      { label: 'off', version: '3.5', idleCheck: { enabled: false } },
      { label: 'absent', version: '3.3', idleCheck: { enabled: true, intervalSeconds: 1 } },
    ] as const;
    // The three run at once: each waits a minute of idle time.
    await Promise.all(variants.map((variant) => idleRound(variant.label, variant.version, variant.idleCheck)));
  });

  /** A group of 2 CNs with autoSuspend after 60 s on its own FE: suspended, then woken by queries in the queue. */
  async function idleRound(
    label: string,
    version: '3.3' | '3.5',
    idleCheck: { enabled: boolean; intervalSeconds?: number },
  ): Promise<void> {
    const fe = await freshFe({ version, backends: [{ address: '10.98.1.1:9050' }], httpPort: 0, idleCheck });
    const name = `cost-idle-${label}`;
    const idleSeconds = 60;
    const createdAt = Date.now();
    await createGroup(name, fe, (spec) => {
      spec['replicas'] = 2;
      delete spec['autoScalingPolicy'];
      spec['autoSuspend'] = { idleSeconds, feHttpPort: fe.httpPort };
    });
    await waitForMembers(namespace, name, 2, () => fe.computeNodeAddresses());
    const suspended = await waitFor(
      async () => {
        const status = (await suspensionOf(name)).status?.suspension;
        return status?.suspendedBy === 'Idle' ? status : undefined;
      },
      { description: `${name} suspended by Idle`, timeoutMs: 180_000, intervalMs: 1_000 },
    );
    await waitFor(async () => (await groupPods(namespace, name)).length === 0, {
      description: `no pod of ${name} left`,
      timeoutMs: 120_000,
      intervalMs: 1_000,
    });
    assert.deepEqual(fe.computeNodeAddresses(), [], `${name}: its CNs are out of the FE`);
    const idleGroup = await getGroup(namespace, name);
    assert.match(condition(idleGroup, 'Suspended')?.message ?? '', /autoSuspend/);
    const idleFor = Date.parse(suspended.since ?? '') - createdAt;
    assert.ok(idleFor >= idleSeconds * 1000, `${name}: suspended ${idleFor} ms after it was created`);
    figures[`createdToIdleSuspendMs(${label})`] = idleFor;

    const queuedAt = Date.now();
    fe.setLoad({ runningPerNode: 0, pending: 2 });
    await waitForMembers(namespace, name, 2, () => fe.computeNodeAddresses());
    figures[`queuedToCnsInFeMs(${label})`] = Date.now() - queuedAt;
    fe.setLoad({ runningPerNode: 0 });
    await waitForCondition(namespace, name, 'Suspended', 'False', 30_000);
    const reasons = await eventReasons(name);
    assert.ok(reasons.includes('Resumed'), `${name}: ${reasons.join(', ')}`);
  }
});
