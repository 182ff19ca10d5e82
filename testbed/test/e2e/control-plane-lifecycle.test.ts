// The start/stop tool itself, on a second control plane of its own: `up` twice reuses the running one, `up` after
// a crash (the API server killed, stale pid files and state left behind) stops the leftovers and starts clean,
// `down` stops every process by pid and is safe to repeat.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Component, COMPONENTS, down, isAlive, readPidFile, runLayout, up } from '../../control-plane/index.js';
import { waitFor } from '../../helpers/index.js';

async function pids(dir: string): Promise<Map<Component, number>> {
  const layout = runLayout(dir);
  const result = new Map<Component, number>();
  for (const component of COMPONENTS) {
    const pid = await readPidFile(layout.pidFilePath(component));
    if (pid !== null) result.set(component, pid);
  }
  return result;
}

describe('control-plane up/down', () => {
  let dir = '';
  const seen: number[] = [];
  after(async () => {
    if (dir === '') return;
    await down({ dir });
    await rm(dir, { recursive: true, force: true });
  });

  it('reuses a running control plane, recovers from a crash, and stops everything by pid', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cp-lifecycle-'));
    const first = await up({ dir });
    assert.equal(first.reused, false);
    const firstPids = await pids(dir);
    assert.equal(firstPids.size, COMPONENTS.length);
    seen.push(...firstPids.values());

    const second = await up({ dir });
    assert.equal(second.reused, true);
    assert.deepEqual(await pids(dir), firstPids);

    // A crash: the API server dies without clean-up; its pid file and the state file stay behind.
    const apiServer = firstPids.get('kube-apiserver');
    assert.ok(apiServer !== undefined);
    process.kill(apiServer, 'SIGKILL');
    await waitFor(async () => !(await isAlive(apiServer)), {
      description: 'the killed API server to exit',
      timeoutMs: 10_000,
    });

    const third = await up({ dir });
    assert.equal(third.reused, false);
    const thirdPids = await pids(dir);
    assert.equal(thirdPids.size, COMPONENTS.length);
    for (const [component, pid] of firstPids) {
      assert.equal(await isAlive(pid), false, `the old ${component} (${pid}) was stopped`);
      assert.notEqual(thirdPids.get(component), pid);
    }
    seen.push(...thirdPids.values());

    const stopped = await down({ dir });
    for (const component of COMPONENTS) assert.equal(stopped.outcomes[component], 'terminated', component);
    for (const pid of seen) assert.equal(await isAlive(pid), false, `pid ${pid} is gone`);

    const again = await down({ dir });
    for (const component of COMPONENTS) assert.equal(again.outcomes[component], 'not-running', component);
  });
});
