import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { formatBindAddress, parseBindAddress } from '../../../src/runtime/bind-address.js';
import { formatDuration, parseDuration } from '../../../src/runtime/duration.js';
import { parseManagerFlags } from '../../../src/runtime/flags.js';

function errorsOf(argv: string[]): string[] {
  const result = parseManagerFlags(argv);
  if (result.ok) throw new Error(`expected a parse failure for ${argv.join(' ')}`);
  return result.errors;
}

describe('parseManagerFlags', () => {
  it('applies kubebuilder defaults', () => {
    assert.deepEqual(parseManagerFlags([]), {
      ok: true,
      value: {
        metricsBindAddress: { host: undefined, port: 8080 },
        healthProbeBindAddress: { host: undefined, port: 8081 },
        leaderElect: false,
        leaderElectionId: 'cn-operator.starrocks.com',
        leaderElectionNamespace: undefined,
        watchNamespaces: [],
        logLevel: 'info',
        feSyncPeriodMs: 15_000,
        busyFeSyncPeriodMs: 2_000,
        resyncPeriodMs: 600_000,
        customMetricsBindAddress: undefined,
        customMetricsCertDir: '/var/run/custom-metrics-tls',
        customMetricsService: undefined,
      },
    });
  });

  it('reads --busy-fe-sync-period and refuses one under a second', () => {
    const result = parseManagerFlags(['--busy-fe-sync-period=5s']);
    assert.ok(result.ok);
    assert.equal(result.value.busyFeSyncPeriodMs, 5_000);
    assert.deepEqual(errorsOf(['--busy-fe-sync-period=500ms']), [
      '--busy-fe-sync-period: 500ms is too short; the minimum is 1s',
    ]);
  });

  it('reads the custom metrics API flags and refuses a service that is not namespace/name[:port]', () => {
    const result = parseManagerFlags([
      '--custom-metrics-bind-address=:6443',
      '--custom-metrics-service=op/cn-operator-metrics:8443',
    ]);
    assert.ok(result.ok);
    assert.deepEqual(result.value.customMetricsBindAddress, { host: undefined, port: 6443 });
    assert.deepEqual(result.value.customMetricsService, { namespace: 'op', name: 'cn-operator-metrics', port: 8443 });
    const bad = parseManagerFlags([
      '--custom-metrics-bind-address=:6443',
      '--custom-metrics-service=cn-operator-metrics',
    ]);
    assert.equal(bad.ok, false);
    const unserved = parseManagerFlags(['--custom-metrics-service=op/cn-operator-metrics']);
    assert.ok(!unserved.ok);
    assert.match(unserved.errors.join(' '), /needs --custom-metrics-bind-address/);
  });

  it('reads --flag=value, --flag value and bare booleans', () => {
    const result = parseManagerFlags([
      '--leader-elect',
      '--metrics-bind-address=127.0.0.1:9090',
      '--health-probe-bind-address',
      '0',
      '--watch-namespace=team-a, team-b,team-a',
      '--log-level=DEBUG',
      '--fe-sync-period=1m30s',
      '--resync-period',
      '1h',
      '--leader-election-namespace=operators',
    ]);
    assert.ok(result.ok);
    assert.deepEqual(result.value.metricsBindAddress, { host: '127.0.0.1', port: 9090 });
    assert.equal(result.value.healthProbeBindAddress, undefined);
    assert.equal(result.value.leaderElect, true);
    assert.deepEqual(result.value.watchNamespaces, ['team-a', 'team-b']);
    assert.equal(result.value.logLevel, 'debug');
    assert.equal(result.value.feSyncPeriodMs, 90_000);
    assert.equal(result.value.resyncPeriodMs, 3_600_000);
    assert.equal(result.value.leaderElectionNamespace, 'operators');
  });

  it('accepts --leader-elect=false', () => {
    const result = parseManagerFlags(['--leader-elect=false']);
    assert.ok(result.ok);
    assert.equal(result.value.leaderElect, false);
  });

  it('reports every bad flag with what to do', () => {
    const errors = errorsOf([
      '--metrics-bind-address=8080',
      '--watch-namespace=Team_A,ok',
      '--log-level=loud',
      '--fe-sync-period=15',
      '--resync-period=1s',
      '--leader-elect=maybe',
    ]);
    assert.equal(errors.length, 6);
    assert.ok(
      errors.some((e) => /--metrics-bind-address: "8080" is not a listen address; use ":8080"/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /--watch-namespace: not valid namespace names: "Team_A"/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /--log-level: "loud" is not a level/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /--fe-sync-period: "15" is not a duration; use a form like 30s/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /--resync-period: 1s is too short; the minimum is 10s/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /--leader-elect: "maybe" is not a boolean/.test(e)),
      errors.join('\n'),
    );
  });

  it('refuses unknown flags, missing values and stray arguments', () => {
    assert.match(errorsOf(['--metrics-addr=:8080'])[0] ?? '', /unknown flag --metrics-addr; known flags: /);
    assert.match(errorsOf(['--log-level'])[0] ?? '', /flag --log-level needs a value/);
    assert.match(errorsOf(['extra'])[0] ?? '', /unexpected arguments: extra/);
    assert.match(errorsOf(['--leader-election-id=Bad_Name'])[0] ?? '', /not a valid Lease name/);
  });
});

describe('parseBindAddress', () => {
  it('reads the forms kubebuilder uses', () => {
    assert.deepEqual(parseBindAddress(':8081'), { ok: true, value: { host: undefined, port: 8081 } });
    assert.deepEqual(parseBindAddress('[::1]:80'), { ok: true, value: { host: '::1', port: 80 } });
    assert.deepEqual(parseBindAddress('0'), { ok: true, value: undefined });
    assert.equal(parseBindAddress(':70000').ok, false);
    assert.equal(parseBindAddress('localhost').ok, false);
    assert.equal(formatBindAddress({ host: '::1', port: 80 }), '[::1]:80');
    assert.equal(formatBindAddress({ host: undefined, port: 8080 }), ':8080');
  });
});

describe('parseDuration', () => {
  it('reads Go durations and refuses unitless numbers', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1h2m3s'), 3_723_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('15'), undefined);
    assert.equal(parseDuration('5 m'), undefined);
    assert.equal(parseDuration('5d'), undefined);
    assert.equal(formatDuration(3_723_500), '1h2m3s500ms');
  });
});
