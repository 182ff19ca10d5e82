import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseRegisterConfig } from '../../../src/components/register/config.js';

const base = {
  FE_ADDRS: 'fe-0.example:9030, 10.0.0.5:9030',
  FE_USR: 'root',
  FE_PWD: 's3cret pass',
  CN_HOST: '10.1.2.3',
  CN_PORT: '9050',
  CN_HTTP_PORT: '8040',
  REGISTER_PROBE_PORT: '8099',
};

function errorsOf(env: Record<string, string | undefined>): { variable: string; message: string }[] {
  const parsed = parseRegisterConfig(env);
  return parsed.ok ? [] : parsed.errors;
}

describe('parseRegisterConfig', () => {
  it('reads the documented variables with defaults', () => {
    const parsed = parseRegisterConfig(base);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value.feAddresses, ['fe-0.example:9030', '10.0.0.5:9030']);
    assert.equal(parsed.value.cnAddress, '10.1.2.3:9050');
    assert.equal(parsed.value.cnHealthUrl, 'http://127.0.0.1:8040/api/health');
    assert.equal(parsed.value.probePort, 8099);
    assert.equal(parsed.value.periodMs, 10_000);
    assert.equal(parsed.value.fePassword, 's3cret pass');
    assert.equal(parsed.value.shutdownTimeoutMs, 5000);
  });

  it('accepts the 2022 sidecar env: no CN_HOST (POD_IP instead), no CN_HTTP_PORT, empty password', () => {
    const parsed = parseRegisterConfig({
      FE_ADDRS: '10.0.0.5:9030',
      FE_USR: 'root',
      FE_PWD: '',
      POD_IP: '10.9.8.7',
      CN_PORT: '9050',
    });
    assert.ok(parsed.ok);
    assert.equal(parsed.value.cnAddress, '10.9.8.7:9050');
    assert.equal(parsed.value.fePassword, '');
  });

  it('accepts an FQDN and an IPv6 CN_HOST', () => {
    const fqdn = parseRegisterConfig({ ...base, CN_HOST: 'g-0.g-cn.ns.svc.cluster.local' });
    assert.ok(fqdn.ok);
    assert.equal(fqdn.value.cnAddress, 'g-0.g-cn.ns.svc.cluster.local:9050');
    const v6 = parseRegisterConfig({ ...base, CN_HOST: 'fd00::7' });
    assert.ok(v6.ok);
    assert.equal(v6.value.cnAddress, '[fd00::7]:9050');
  });

  it('takes the period in seconds, decimals allowed', () => {
    const parsed = parseRegisterConfig({ ...base, REGISTER_PERIOD_SECONDS: '0.5' });
    assert.ok(parsed.ok);
    assert.equal(parsed.value.periodMs, 500);
  });

  const bad: { name: string; env: Record<string, string | undefined>; variable: string }[] = [
    { name: 'missing FE_ADDRS', env: { ...base, FE_ADDRS: undefined }, variable: 'FE_ADDRS' },
    { name: 'FE_ADDRS without port', env: { ...base, FE_ADDRS: 'fe-0' }, variable: 'FE_ADDRS' },
    { name: 'FE_ADDRS only commas', env: { ...base, FE_ADDRS: ' , ' }, variable: 'FE_ADDRS' },
    { name: 'missing FE_USR', env: { ...base, FE_USR: '' }, variable: 'FE_USR' },
    { name: 'CN_HOST with a quote', env: { ...base, CN_HOST: "10.0.0.1'" }, variable: 'CN_HOST' },
    { name: 'CN_HOST with SQL', env: { ...base, CN_HOST: "x'); DROP TABLE t; --" }, variable: 'CN_HOST' },
    { name: 'CN_HOST with a double quote', env: { ...base, CN_HOST: 'a"b' }, variable: 'CN_HOST' },
    { name: 'no CN_HOST nor POD_IP', env: { ...base, CN_HOST: undefined }, variable: 'CN_HOST' },
    { name: 'CN_PORT not a number', env: { ...base, CN_PORT: 'nine' }, variable: 'CN_PORT' },
    { name: 'CN_PORT out of range', env: { ...base, CN_PORT: '70000' }, variable: 'CN_PORT' },
    { name: 'CN_HTTP_PORT zero', env: { ...base, CN_HTTP_PORT: '0' }, variable: 'CN_HTTP_PORT' },
    { name: 'probe port', env: { ...base, REGISTER_PROBE_PORT: '65536' }, variable: 'REGISTER_PROBE_PORT' },
    { name: 'period zero', env: { ...base, REGISTER_PERIOD_SECONDS: '0' }, variable: 'REGISTER_PERIOD_SECONDS' },
    { name: 'period text', env: { ...base, REGISTER_PERIOD_SECONDS: '10s' }, variable: 'REGISTER_PERIOD_SECONDS' },
    { name: 'bad timeout', env: { ...base, FE_QUERY_TIMEOUT_MS: '5' }, variable: 'FE_QUERY_TIMEOUT_MS' },
  ];
  for (const c of bad) {
    it(`names ${c.variable} for ${c.name}`, () => {
      const errors = errorsOf(c.env);
      assert.deepEqual(
        errors.map((e) => e.variable),
        [c.variable],
      );
      assert.match(errors[0]?.message ?? '', new RegExp(c.variable));
    });
  }

  it('never prints the password, whatever else is wrong', () => {
    const errors = errorsOf({ ...base, FE_PWD: 'hunter2-secret', FE_ADDRS: 'bad', CN_HOST: 'x y', CN_PORT: 'z' });
    assert.equal(errors.length, 3);
    assert.ok(errors.every((e) => !e.message.includes('hunter2')));
  });
});
