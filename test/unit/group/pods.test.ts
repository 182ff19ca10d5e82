import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildPodTemplate } from '../../../src/builders/index.js';
import { POD_CACHE_TRANSFORM, viewPod } from '../../../src/group/pods.js';
import type { KubeObject } from '../../../src/kube/objects.js';
import { GOLDEN_CASES } from '../builders/fixtures.js';

function pod(name: string, status: Record<string, unknown>, metadata: Record<string, unknown> = {}): unknown {
  return { metadata: { name, namespace: 'ns', ...metadata }, status };
}

const group = { metadata: { name: 'g', namespace: 'ns' } };

const runningCn = {
  phase: 'Running',
  podIP: '10.244.0.7',
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [
    { name: 'cn', ready: true, restartCount: 0, state: { running: { startedAt: 'x' } } },
    { name: 'register', ready: true, restartCount: 0, state: { running: { startedAt: 'x' } } },
  ],
};

describe('viewPod', () => {
  it('sees a running CN as up, ready, with its IP and ordinal', () => {
    const view = viewPod(pod('g-3', runningCn), group);
    assert.ok(view);
    assert.equal(view.ordinal, 3);
    assert.equal(view.ip, '10.244.0.7');
    assert.equal(view.cnUp, true);
    assert.equal(view.ready, true);
    assert.equal(view.cnProblem, undefined);
  });

  it('does not count a terminating pod as up', () => {
    const view = viewPod(pod('g-0', runningCn, { deletionTimestamp: '2026-11-24T00:00:00Z' }), group);
    assert.equal(view?.terminating, true);
    assert.equal(view.cnUp, false);
  });

  it('does not count a CN whose startup probe has not passed', () => {
    const status = {
      ...runningCn,
      containerStatuses: [{ name: 'cn', ready: false, started: false, state: { running: {} } }],
    };
    assert.equal(viewPod(pod('g-0', status), group)?.cnUp, false);
  });

  it("explains the seed FAQ's missing start script and names the field to fix", () => {
    const status = {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'cn',
          ready: false,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
          lastState: {
            terminated: {
              reason: 'StartError',
              message:
                'failed to start container "cn": exec: "be/bin/start_cn.sh": stat be/bin/start_cn.sh: no such file or directory: unknown',
            },
          },
        },
      ],
    };
    const fromLastState = viewPod(pod('g-0', status), group)?.cnProblem;
    assert.equal(fromLastState?.reason, 'CNStartScriptMissing');
    const runError = {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'cn',
          ready: false,
          state: {
            waiting: {
              reason: 'RunContainerError',
              message: 'exec: "be/bin/start_cn.sh": stat be/bin/start_cn.sh: no such file or directory',
            },
          },
        },
      ],
    };
    const missing = viewPod(pod('g-1', runError), group)?.cnProblem;
    assert.equal(missing?.reason, 'CNStartScriptMissing');
    assert.match(missing.message, /spec\.podPolicy\.command/);
    assert.match(missing.message, /\/opt\/starrocks\/cn\/bin\/start_cn\.sh/);
  });

  it('falls back to a generic start failure that says where to look', () => {
    const status = {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'cn',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { reason: 'Error', exitCode: 1 } },
        },
      ],
    };
    const problem = viewPod(pod('g-0', status), group)?.cnProblem;
    assert.equal(problem?.reason, 'CNStartFailed');
    assert.match(problem.message, /kubectl logs/);
  });

  it("names the components image when the register sidecar cannot start (the 2022 operator's image)", () => {
    const running = { name: 'cn', ready: true, started: true, state: { running: {} } };
    const register = (state: Record<string, unknown>, lastState: Record<string, unknown> = {}) => ({
      phase: 'Running',
      containerStatuses: [
        running,
        { name: 'register', image: 'registry.example/cn-components:v0.1', state, lastState },
      ],
    });
    const noNode = register({
      waiting: { reason: 'StartError', message: 'exec: "node": executable file not found in $PATH' },
    });
    const problem = viewPod(pod('g-0', noNode), group)?.cnProblem;
    assert.equal(problem?.reason, 'RegisterStartFailed');
    assert.match(problem.message, /image registry\.example\/cn-components:v0\.1/);
    assert.match(problem.message, /executable file not found/);
    assert.match(problem.message, /spec\.images\.componentsImage/);

    // node present, the program not: node exits 1 with "Cannot find module" as its termination message.
    const noProgram = register(
      { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
      { terminated: { reason: 'Error', exitCode: 1, message: "Error: Cannot find module '/app/dist/cli/main.js'" } },
    );
    assert.match(viewPod(pod('g-0', noProgram), group)?.cnProblem?.message ?? '', /must be this operator's image/);

    // Any other failure of the sidecar is not blamed on the image: its logs say why.
    const crashing = register(
      { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
      { terminated: { reason: 'Error', exitCode: 2 } },
    );
    const other = viewPod(pod('g-0', crashing), group)?.cnProblem;
    assert.equal(other?.reason, 'RegisterStartFailed');
    assert.match(other.message, /exited with code 2/);
    assert.match(other.message, /kubectl logs <pod> -c register --previous/);
    assert.doesNotMatch(other.message, /componentsImage/);

    const unpullable = register({ waiting: { reason: 'ImagePullBackOff', message: 'not found' } });
    assert.match(
      viewPod(pod('g-0', unpullable), group)?.cnProblem?.message ?? '',
      /cannot pull image registry\.example/,
    );

    const starting = register({ waiting: { reason: 'ContainerCreating' } });
    assert.equal(viewPod(pod('g-0', starting), group)?.cnProblem, undefined);
  });

  it("reports the cn container's problem before the sidecar's", () => {
    const status = {
      phase: 'Running',
      containerStatuses: [
        { name: 'cn', state: { waiting: { reason: 'ImagePullBackOff' } } },
        { name: 'register', state: { waiting: { reason: 'ImagePullBackOff' } } },
      ],
    };
    assert.equal(viewPod(pod('g-0', status), group)?.cnProblem?.reason, 'CNImagePullFailed');
  });

  it('points at the image fields when the image cannot be pulled', () => {
    const status = {
      phase: 'Pending',
      containerStatuses: [{ name: 'cn', state: { waiting: { reason: 'ImagePullBackOff' } } }],
    };
    const problem = viewPod(pod('g-0', status), group)?.cnProblem;
    assert.equal(problem?.reason, 'CNImagePullFailed');
    assert.match(problem.message, /spec\.images\.cnImage/);
  });

  it('ignores objects that are not pods of this StatefulSet', () => {
    assert.equal(viewPod({ metadata: {} }, group), undefined);
    assert.equal(viewPod(pod('h-0', runningCn), group), undefined);
    assert.equal(viewPod(pod('g-x-1', runningCn), group), undefined);
    assert.equal(viewPod('garbage', group), undefined);
  });
});

describe('POD_CACHE_TRANSFORM', () => {
  // A pod as the API server returns it for the seed example: the builder's template plus a kubelet-written status.
  function fullPod(status: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
    const seed = GOLDEN_CASES.find((testCase) => testCase.name === 'seed');
    assert.ok(seed);
    const template = buildPodTemplate(seed.input());
    const condition = (type: string) => ({
      type,
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: '2026-11-24T10:00:00Z',
    });
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...template.metadata,
        name: 'g-3',
        namespace: 'ns',
        uid: '0f7c1c7e-6a9e-4d3c-9e0b-1a2b3c4d5e6f',
        resourceVersion: '1234',
        creationTimestamp: '2026-11-24T10:00:00Z',
        generateName: 'g-',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'g', uid: 'u', controller: true }],
        ...metadata,
      },
      spec: { ...template.spec, nodeName: 'kwok-node-0', hostname: 'g-3', subdomain: 'g-cn' },
      status: {
        hostIP: '10.0.0.5',
        hostIPs: [{ ip: '10.0.0.5' }],
        podIPs: [{ ip: '10.244.0.7' }],
        qosClass: 'Burstable',
        startTime: '2026-11-24T10:00:00Z',
        ...status,
        conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
          condition,
        ),
        containerStatuses: (status['containerStatuses'] as Record<string, unknown>[]).map((container) => ({
          ...container,
          image: 'starrocks/cn-ubuntu:3.3.5',
          imageID: 'docker-pullable://starrocks/cn-ubuntu@sha256:0123456789abcdef',
          containerID: 'containerd://0123456789abcdef0123456789abcdef',
        })),
      },
    };
  }

  it('keeps everything viewPod and the controller read, and drops most of the bytes', () => {
    for (const [status, metadata] of [
      [runningCn, {}],
      [runningCn, { deletionTimestamp: '2026-11-24T00:00:00Z' }],
      [
        {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'cn',
              ready: false,
              restartCount: 4,
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } },
              lastState: { terminated: { exitCode: 127, message: 'exec: "be/bin/start_cn.sh": not found' } },
            },
          ],
        },
        {},
      ],
    ] as const) {
      const full = fullPod({ ...status }, metadata);
      const trimmed = POD_CACHE_TRANSFORM.apply(full);
      assert.deepEqual(viewPod(trimmed, group), viewPod(full, group));
      assert.deepEqual(trimmed.metadata.ownerReferences, full.metadata.ownerReferences);
      assert.deepEqual(trimmed.metadata.labels, full.metadata.labels);
      const before = JSON.stringify(full).length;
      const after = JSON.stringify(trimmed).length;
      assert.ok(after * 3 < before, `trimmed ${after} of ${before} bytes`);
    }
  });
});
