import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { viewPod } from '../../../src/group/pods.js';

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
