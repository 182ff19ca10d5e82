import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseComputeNodeGroup, type ComputeNodeGroup } from '../../../src/api/v1alpha1/index.js';
import { resolveConfig } from '../../../src/group/config.js';

function group(configMap?: string): ComputeNodeGroup {
  const parsed = parseComputeNodeGroup({
    apiVersion: 'starrocks.com/v1alpha1',
    kind: 'ComputeNodeGroup',
    metadata: { name: 'g', namespace: 'ns' },
    spec: {
      feInfo: { addresses: ['127.0.0.1:9030'], accountSecret: 'fe-account' },
      ...(configMap === undefined ? {} : { cnInfo: { configMap } }),
      images: { cnImage: 'starrocks/cn-ubuntu:3.3.0' },
      replicas: 2,
    },
  });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const secret = { data: { FE_USR: b64('root'), FE_PWD: b64('s3cret') } };

describe('resolveConfig', () => {
  it('reads the 2022 Secret keys and uses the default ports without a ConfigMap', () => {
    const resolved = resolveConfig(group(), secret, undefined);
    assert.ok(resolved.ok);
    assert.deepEqual(resolved.value.credentials, { user: 'root', password: 's3cret' });
    assert.equal(resolved.value.cnConf.ports.heartbeatServicePort, 9050);
    assert.equal(resolved.value.cnConf.text, '');
  });

  it('accepts the empty password of the 2022 example (FE_PWD: "")', () => {
    const resolved = resolveConfig(group(), { data: { FE_USR: 'cm9vdA==', FE_PWD: '' } }, undefined);
    assert.ok(resolved.ok);
    assert.deepEqual(resolved.value.credentials, { user: 'root', password: '' });
  });

  it('reads the ports from cn.conf', () => {
    const configMap = { data: { 'cn.conf': 'heartbeat_service_port = 9150\nwebserver_port = 8140\n' } };
    const resolved = resolveConfig(group('cn-test'), secret, configMap);
    assert.ok(resolved.ok);
    assert.equal(resolved.value.cnConf.ports.heartbeatServicePort, 9150);
    assert.equal(resolved.value.cnConf.ports.httpPort, 8140);
  });

  it('says which Secret to create when it is missing', () => {
    const resolved = resolveConfig(group(), undefined, undefined);
    assert.ok(!resolved.ok);
    assert.equal(resolved.problem.reason, 'SecretNotFound');
    assert.match(resolved.problem.message, /Secret fe-account .*spec\.feInfo\.accountSecret.*FE_USR and FE_PWD/);
  });

  it('names the missing key and never echoes the password', () => {
    const noUser = resolveConfig(group(), { data: { FE_PWD: b64('s3cret') } }, undefined);
    assert.ok(!noUser.ok);
    assert.equal(noUser.problem.reason, 'SecretInvalid');
    assert.match(noUser.problem.message, /FE_USR/);
    assert.ok(!noUser.problem.message.includes('s3cret'));
    const noPassword = resolveConfig(group(), { data: { FE_USR: b64('root') } }, undefined);
    assert.ok(!noPassword.ok);
    assert.match(noPassword.problem.message, /FE_PWD/);
  });

  it('waits for a named ConfigMap and explains the alternative', () => {
    const resolved = resolveConfig(group('cn-test'), secret, undefined);
    assert.ok(!resolved.ok);
    assert.equal(resolved.problem.reason, 'ConfigMapNotFound');
    assert.match(resolved.problem.message, /ConfigMap cn-test .*cn\.conf/);
  });

  it('reports a ConfigMap without cn.conf, and a malformed cn.conf with its line', () => {
    const noKey = resolveConfig(group('cn-test'), secret, { data: { other: 'x' } });
    assert.ok(!noKey.ok);
    assert.equal(noKey.problem.reason, 'ConfigMapInvalid');
    const malformed = resolveConfig(group('cn-test'), secret, { data: { 'cn.conf': '# ok\nthis line is wrong\n' } });
    assert.ok(!malformed.ok);
    assert.match(malformed.problem.message, /line 2/);
  });
});
