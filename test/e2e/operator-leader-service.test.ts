// The custom metrics API with two operator replicas: only the leader reads the FE, so the shipped Service
// (deploy/custom-metrics/service.yaml) must select the leader's pod alone. deploy/manager.yaml runs with 2 replicas
// (its pods on KWOK: they never run code, and their fake IPs are never dialled); two manager processes stand for
// their containers, each given its pod's name as the downward API gives it. The kube-controller-manager's
// EndpointSlice controller, not the test, says which pods the Service reaches. Through a crash of the leader, a
// leader paused past its lease, and an orderly shutdown, the Service reaches the Lease holder's pod and no other.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { freshNamespace, type TestNamespace } from '@starrocks-cn-operator/testbed/control-plane';
import { REPO_ROOT, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { LEADER_POD_LABEL } from '../../src/kube/leader-pod.js';
import { DEFAULT_LEADER_ELECTION_ID } from '../../src/runtime/flags.js';
import { installCrd } from '../support/e2e.js';
import {
  createOperatorIdentity,
  kubectlOrThrow,
  removeOperatorIdentity,
  startOperator,
  type OperatorIdentity,
  type RunningOperator,
  identityOf,
  leaseHolder,
} from '../support/operator.js';

/** deploy/manager.yaml's Lease (the default name): deploy/custom-metrics/service.yaml selects its pods by it. */
const LEASE = DEFAULT_LEADER_ELECTION_ID;
const SERVICE = 'cn-operator-custom-metrics';
/** Longer than the lease (15 s): the follower takes over while the leader sleeps. */
const PAUSE_MS = 25_000;

const podListSchema = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string(), labels: z.record(z.string(), z.string()).optional() }),
      status: z.object({ podIP: z.string().optional() }).optional(),
    }),
  ),
});

const sliceListSchema = z.object({
  items: z.array(
    z.object({
      endpoints: z
        .array(
          z.object({
            targetRef: z.object({ name: z.string() }).optional(),
            conditions: z.object({ ready: z.boolean().optional() }).optional(),
          }),
        )
        .nullish(),
    }),
  ),
});

/** deploy/<file> in `namespace`, as the installation guide applies it. */
async function deployFile(file: string, namespace: string): Promise<string> {
  const text = await readFile(path.join(REPO_ROOT, 'deploy', file), 'utf8');
  return text.replace(/namespace: starrocks\b/g, `namespace: ${namespace}`).replace(/=starrocks\b/g, `=${namespace}`);
}

async function operatorPods(namespace: string): Promise<{ name: string; leader: boolean; ip: string | undefined }[]> {
  const json = await kubectlOrThrow([
    'get',
    'pods',
    '-n',
    namespace,
    '-l',
    'control-plane=controller-manager',
    '-o',
    'json',
  ]);
  return podListSchema.parse(JSON.parse(json)).items.map((pod) => ({
    name: pod.metadata.name,
    leader: pod.metadata.labels?.[LEADER_POD_LABEL] === LEASE,
    ip: pod.status?.podIP,
  }));
}

/** The operator pods carrying the leader label (this Lease's), sorted. */
async function labelledPods(namespace: string): Promise<string[]> {
  return (await operatorPods(namespace))
    .filter((pod) => pod.leader)
    .map((pod) => pod.name)
    .sort();
}

/** The pods the Service reaches, from its EndpointSlices (ready endpoints), sorted. */
async function servedPods(namespace: string): Promise<string[]> {
  const json = await kubectlOrThrow([
    'get',
    'endpointslices',
    '-n',
    namespace,
    '-l',
    `kubernetes.io/service-name=${SERVICE}`,
    '-o',
    'json',
  ]);
  return sliceListSchema
    .parse(JSON.parse(json))
    .items.flatMap((slice) => slice.endpoints ?? [])
    .filter((endpoint) => endpoint.conditions?.ready !== false)
    .map((endpoint) => endpoint.targetRef?.name ?? '?')
    .sort();
}

describe('operator: the custom metrics Service follows the leader', { timeout: 300_000 }, () => {
  let namespace = '';
  let testNamespace: TestNamespace | undefined;
  let identity: OperatorIdentity | undefined;
  const running = new Map<string, RunningOperator>();
  const figures: Record<string, number> = {};

  before(async () => {
    await installCrd();
    testNamespace = await freshNamespace('operator-leader-service');
    namespace = testNamespace.name;
    identity = await createOperatorIdentity(namespace);
    const manager = (await deployFile('manager.yaml', namespace)).replace(/^ {2}replicas: 1$/m, '  replicas: 2');
    await kubectlOrThrow(['apply', '-f', '-'], manager);
    await kubectlOrThrow(['apply', '-f', '-'], await deployFile('custom-metrics/service.yaml', namespace));
  });

  after(async () => {
    for (const replica of running.values()) {
      if (!replica.exited()) process.kill(replica.pid, 'SIGCONT');
      await replica.stop();
    }
    await removeOperatorIdentity(identity);
    await testNamespace?.delete();
    process.stdout.write(`operator-leader-service figures: ${JSON.stringify(figures)}\n`);
  });

  /** Starts the manager that stands for `pod`'s container. */
  async function startFor(pod: string): Promise<RunningOperator> {
    assert.ok(identity !== undefined);
    const replica = await startOperator({
      identity,
      watchNamespaces: [namespace],
      label: `${pod}-${running.size}`,
      leaderElection: { namespace, id: LEASE },
      env: { POD_NAME: pod, POD_NAMESPACE: namespace },
    });
    running.set(pod, replica);
    return replica;
  }

  /** Waits until the Lease holder is `pod`'s manager, its pod alone is labelled and the Service reaches it alone. */
  async function waitForServiceOn(pod: string, description: string): Promise<number> {
    const started = Date.now();
    const replica = running.get(pod);
    assert.ok(replica !== undefined);
    const elector = await waitFor(() => identityOf(replica), { description: `${pod}'s identity`, timeoutMs: 30_000 });
    await waitFor(
      async () => {
        const [holder, pods, served] = await Promise.all([
          leaseHolder(namespace, LEASE),
          operatorPods(namespace),
          servedPods(namespace),
        ]);
        const labelled = pods.filter((p) => p.leader).map((p) => p.name);
        return holder === elector && labelled.join() === pod && served.join() === pod ? true : undefined;
      },
      { description, timeoutMs: 60_000, intervalMs: 250 },
    );
    return Date.now() - started;
  }

  it('reaches the leader alone, through a crash, a pause past the lease and an orderly stop', async () => {
    const pods = await waitFor(
      async () => {
        const found = await operatorPods(namespace);
        return found.length === 2 && found.every((pod) => pod.ip !== undefined) ? found : undefined;
      },
      { description: "deploy/manager.yaml's two pods running", timeoutMs: 60_000 },
    );
    const [first, second] = pods.map((pod) => pod.name).sort();
    assert.ok(first !== undefined && second !== undefined);
    // Before any manager runs, nothing is labelled: the Service reaches no pod (a follower would only answer 503).
    assert.deepEqual(await servedPods(namespace), []);

    await startFor(first);
    await waitForServiceOn(first, `the Service reaching ${first}, the first leader`);
    await startFor(second);
    await sleep(3_000);
    assert.deepEqual(await labelledPods(namespace), [first], 'a follower that starts labels its pod');
    assert.deepEqual(await servedPods(namespace), [first], 'a follower that starts takes nothing over');

    // A crash: the old leader cannot unlabel its pod; the next leader sweeps it.
    await running.get(first)?.kill();
    figures['afterCrashMs'] = await waitForServiceOn(second, `the Service moving to ${second} after the crash`);
    // The crashed container restarts as a follower and stays out of the Service.
    await startFor(first);
    await sleep(3_000);
    assert.deepEqual(await labelledPods(namespace), [second], 'the restarted replica labelled its pod');
    assert.deepEqual(await servedPods(namespace), [second], 'the restarted replica took the Service back');

    // A leader paused past its lease: the follower takes over and sweeps its label; the paused one, woken, is fenced
    // and labels nothing.
    const paused = running.get(second);
    assert.ok(paused !== undefined);
    process.kill(paused.pid, 'SIGSTOP');
    try {
      figures['afterPauseMs'] = await waitForServiceOn(first, `the Service moving to ${first} while ${second} sleeps`);
      await sleep(Math.max(0, PAUSE_MS - figures['afterPauseMs']));
    } finally {
      process.kill(paused.pid, 'SIGCONT');
    }
    const watchUntil = Date.now() + 15_000;
    while (Date.now() < watchUntil) {
      assert.deepEqual(await labelledPods(namespace), [first], 'the woken old leader labelled its pod again');
      await sleep(200);
    }
    assert.deepEqual(await servedPods(namespace), [first]);

    // An orderly stop: the leader unlabels its pod and releases the Lease; the follower takes over at once.
    const stoppedAt = Date.now();
    await running.get(first)?.stop();
    const unlabelled = (await operatorPods(namespace)).find((pod) => pod.name === first);
    assert.equal(unlabelled?.leader, false, 'the stopped leader left its label');
    await waitForServiceOn(second, `the Service moving to ${second}`);
    figures['afterStopMs'] = Date.now() - stoppedAt;
  });
});
