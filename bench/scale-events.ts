// How fast a `spec.replicas` change reaches the FE, on a test control plane with the operator as it ships (the
// compiled build). One group of B CNs is scaled to B+1 and back, E times. For each scale-out: the time from the API
// server receiving the scale request (audit log) to the FE receiving the new CN's ADD (the FE simulator's statement
// record), which includes the scheduler and KWOK starting the pod. For each scale-in: the time to the FE's DROP of the
// leaving CN and to the operator's StatefulSet patch (audit log), which comes after the DROP (no query meets a
// removed CN). Prints median, p99 and the largest of each.
//   npm run build && node --import tsx bench/scale-events.ts [--events 50] [--base 2] [--fe-sync-period 15s]
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  auditMark,
  type AuditRequest,
  auditRequestsSince,
  freshNamespace,
  kubectl,
  kubectlCreate,
} from '@starrocks-cn-operator/testbed/control-plane';
import { FeSimulator, type StatementRecord } from '@starrocks-cn-operator/testbed/fe-simulator';
import * as operatorSupport from '../test/support/operator.js';
import { withControlPlane } from './support/cluster.js';
import { percentile } from './support/stats.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50' },
    base: { type: 'string', default: '2' },
    'fe-sync-period': { type: 'string', default: '15s' },
  },
});
const events = Number(values.events);
const base = Number(values.base);
if (!Number.isInteger(events) || events < 1 || events > 500) throw new Error('--events must be from 1 to 500');
if (!Number.isInteger(base) || base < 1 || base > 20) throw new Error('--base must be from 1 to 20');
const GROUP = 'computenodegroup-sample';
/** One step (a statement or a patch) waited for at most this long. */
const STEP_TIMEOUT_MS = 120_000;

function receivedMs(request: AuditRequest): number {
  if (request.receivedAt === null) throw new Error(`audit entry ${request.auditID} has no receive time`);
  return Date.parse(request.receivedAt);
}

async function until<T>(description: string, probe: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  while (Date.now() - started < STEP_TIMEOUT_MS) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`no ${description} within ${STEP_TIMEOUT_MS / 1000} s`);
}

const fe = new FeSimulator({ version: '3.3', heartbeatPeriodMs: 1_000 });
fe.liveness.defaultOutcome = { ok: true };
await withControlPlane('scale-events-', fe, async () => {
  const testNamespace = await freshNamespace('scale-events');
  const namespace = testNamespace.name;
  const identity = await operatorSupport.createOperatorIdentity(namespace);
  const operator = await operatorSupport.startOperator({
    identity,
    watchNamespaces: [namespace],
    label: 'scale-events',
    feSyncPeriod: values['fe-sync-period'],
  });
  try {
    const objects = await operatorSupport.seedExampleObjects(namespace, fe.addresses, (spec) => {
      delete spec['autoScalingPolicy'];
      delete spec['cronJobPolicy'];
      spec['replicas'] = base;
    });
    const created = await kubectlCreate(objects);
    if (created.code !== 0) throw new Error(created.stderr);
    await operatorSupport.waitForMembers(namespace, GROUP, base, () => fe.computeNodeAddresses());
    await operatorSupport.waitForCondition(namespace, GROUP, 'Ready', 'True', 60_000);

    /** Scales the group and returns when the API server received the request. */
    const scale = async (replicas: number): Promise<number> => {
      const mark = await auditMark();
      const scaled = await kubectl(['scale', 'cng', GROUP, '-n', namespace, `--replicas=${replicas}`]);
      if (scaled.code !== 0) throw new Error(scaled.stderr);
      const request = (await auditRequestsSince(mark, { resource: 'computenodegroups' })).find(
        (entry) => entry.user !== identity.user && operatorSupport.WRITE_VERBS.includes(entry.verb),
      );
      if (request === undefined) throw new Error('the scale request is not in the audit log');
      return receivedMs(request);
    };
    const statementAfter = (pattern: RegExp, afterMs: number): Promise<StatementRecord> =>
      until(`${String(pattern)} after the scale`, () =>
        Promise.resolve(fe.statementsMatching(pattern).find((record) => record.at.getTime() >= afterMs)),
      );

    const addMs: number[] = [];
    const dropMs: number[] = [];
    const statefulSetMs: number[] = [];
    for (let event = 0; event < events; event++) {
      const outAt = await scale(base + 1);
      addMs.push((await statementAfter(/ADD\s+COMPUTE\s+NODE/i, outAt)).at.getTime() - outAt);
      await operatorSupport.waitForMembers(namespace, GROUP, base + 1, () => fe.computeNodeAddresses());

      const inMark = await auditMark();
      const inAt = await scale(base);
      dropMs.push((await statementAfter(/DROP\s+COMPUTE\s+NODE/i, inAt)).at.getTime() - inAt);
      const patch = await until('StatefulSet patch by the operator', async () =>
        (await auditRequestsSince(inMark, { user: identity.user, resource: 'statefulsets', name: GROUP })).find(
          (request) => operatorSupport.WRITE_VERBS.includes(request.verb),
        ),
      );
      statefulSetMs.push(receivedMs(patch) - inAt);
      await operatorSupport.waitForMembers(namespace, GROUP, base, () => fe.computeNodeAddresses());
      if (operator.exited()) throw new Error(`the operator exited:\n${await operator.log()}`);
    }

    const line = (name: string, samples: readonly number[]): string =>
      `${name.padEnd(44)} n=${samples.length}  median ${percentile(samples, 50).toFixed(0)} ms  ` +
      `p99 ${percentile(samples, 99).toFixed(0)} ms  max ${Math.max(...samples).toFixed(0)} ms`;
    console.log(`group of ${base} CNs scaled to ${base + 1} and back ${events} times:`);
    console.log(line('scale-out: request to FE ADD', addMs));
    console.log(line('scale-in: request to FE DROP', dropMs));
    console.log(line('scale-in: request to StatefulSet patch', statefulSetMs));
    // The order is the claim the figures rest on: a StatefulSet lowered before the FE's DROP is a failed run.
    const early = statefulSetMs.filter((patchMs, index) => patchMs < (dropMs[index] ?? Infinity));
    if (early.length > 0) throw new Error(`${early.length} scale-ins lowered the StatefulSet before the FE's DROP`);
  } finally {
    await operator.stop();
    await operatorSupport.removeOperatorIdentity(identity);
    await testNamespace.delete().catch(() => undefined);
  }
});
