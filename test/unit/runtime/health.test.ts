import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { HealthChecks, renderProbe, startMetricsServer, startProbeServer } from '../../../src/runtime/health.js';
import type { RunningServer } from '../../../src/runtime/http-server.js';
import { OperatorMetrics } from '../../../src/runtime/metrics.js';

const servers: RunningServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function fetchText(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text() };
}

describe('probe server', () => {
  it('answers ok while checks pass and names the failing check otherwise', async () => {
    const checks = new HealthChecks(200);
    let cacheSynced = false;
    checks.addHealthz('ping', () => undefined);
    checks.addReadyz('caches', () => {
      if (!cacheSynced) throw new Error('informer computenodegroups not synced');
    });
    const server = await startProbeServer({ host: '127.0.0.1', port: 0 }, checks);
    servers.push(server);
    assert.deepEqual(await fetchText(server.port, '/healthz'), { status: 200, body: 'ok' });
    const notReady = await fetchText(server.port, '/readyz');
    assert.equal(notReady.status, 500);
    assert.match(notReady.body, /\[-\]caches failed: informer computenodegroups not synced/);
    cacheSynced = true;
    assert.deepEqual(await fetchText(server.port, '/readyz'), { status: 200, body: 'ok' });
    assert.match((await fetchText(server.port, '/readyz?verbose')).body, /\[\+\]caches ok\nreadyz check passed/);
    assert.equal((await fetchText(server.port, '/readyz/caches')).status, 200);
    assert.equal((await fetchText(server.port, '/readyz/nope')).status, 404);
    assert.equal((await fetchText(server.port, '/other')).status, 404);
  });

  it('fails a check that hangs instead of hanging the probe', async () => {
    const checks = new HealthChecks(50);
    checks.addReadyz('stuck', () => new Promise<void>(() => undefined));
    const outcomes = await checks.run('readyz');
    assert.deepEqual(outcomes, [{ name: 'stuck', error: 'timed out after 50 ms' }]);
  });

  it('renders controller-runtime style bodies', () => {
    assert.deepEqual(renderProbe('healthz', [{ name: 'a', error: 'x' }], false), {
      status: 500,
      body: '[-]a failed: x\nhealthz check failed\n',
    });
  });
});

describe('metrics server', () => {
  it('serves the controller-runtime metric names and process metrics', async () => {
    const metrics = new OperatorMetrics();
    metrics.countRestRequest(200, 'get', '127.0.0.1:6443');
    metrics.leaderElectionMasterStatus.set({ name: 'cn-operator' }, 1);
    metrics.workQueueSink('computenodegroup').added();
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, metrics);
    servers.push(server);
    const { status, body } = await fetchText(server.port, '/metrics');
    assert.equal(status, 200);
    assert.match(body, /rest_client_requests_total\{code="200",method="GET",host="127.0.0.1:6443"\} 1/);
    assert.match(body, /leader_election_master_status\{name="cn-operator"\} 1/);
    assert.match(body, /workqueue_adds_total\{name="computenodegroup",controller="computenodegroup"\} 1/);
    assert.match(body, /process_cpu_user_seconds_total/);
    assert.match(body, /nodejs_eventloop_lag_seconds/);
    assert.equal((await fetchText(server.port, '/')).status, 404);
  });
});
