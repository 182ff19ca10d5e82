import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { addressKeyOf, cnAddress, parseHostPort } from '../../../src/membership/index.js';

describe('parseHostPort', () => {
  const cases: { text: string; expected: { host: string; port: number } | null }[] = [
    { text: '10.0.0.1:9050', expected: { host: '10.0.0.1', port: 9050 } },
    { text: 'cn-0.g-cn.ns.svc.cluster.local:9050', expected: { host: 'cn-0.g-cn.ns.svc.cluster.local', port: 9050 } },
    { text: '[fd00::1]:9050', expected: { host: 'fd00::1', port: 9050 } },
    { text: 'fd00::1:9050', expected: null },
    { text: '10.0.0.1', expected: null },
    { text: '10.0.0.1:0', expected: null },
    { text: '10.0.0.1:65536', expected: null },
    { text: "10.0.0.1'; DROP TABLE t; --:9050", expected: null },
    { text: '"10.0.0.1":9050', expected: null },
    { text: ' 10.0.0.1:9050', expected: null },
    { text: '999.0.0.1:9050', expected: { host: '999.0.0.1', port: 9050 } },
    { text: '', expected: null },
    { text: '[10.0.0.1]:9050', expected: null },
  ];
  for (const { text, expected } of cases) {
    it(`${JSON.stringify(text)} -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseHostPort(text), expected);
    });
  }
});

describe('addressKeyOf', () => {
  it('ignores the case of host names', () => {
    assert.equal(
      addressKeyOf('CN-0.G-CN.ns.svc.cluster.local:9050'),
      addressKeyOf('cn-0.g-cn.ns.svc.cluster.local:9050'),
    );
  });
  it('tells ports apart', () => {
    assert.notEqual(addressKeyOf('10.0.0.1:9050'), addressKeyOf('10.0.0.1:9051'));
  });
  it('tells an IP apart from a name', () => {
    assert.notEqual(addressKeyOf('10.0.0.1:9050'), addressKeyOf('cn-0.g-cn.ns.svc.cluster.local:9050'));
  });
});

describe('cnAddress', () => {
  const fqdn = 'g-0.g-cn.ns.svc.cluster.local';
  it('uses the pod IP in IP mode', () => {
    assert.equal(
      cnAddress({ addressType: 'IP', podIP: '10.1.2.3', podFqdn: fqdn, heartbeatPort: 9050 }),
      '10.1.2.3:9050',
    );
  });
  it('brackets an IPv6 pod IP', () => {
    assert.equal(
      cnAddress({ addressType: 'IP', podIP: 'fd00::5', podFqdn: fqdn, heartbeatPort: 9050 }),
      '[fd00::5]:9050',
    );
  });
  it('is null in IP mode while the pod has no IP', () => {
    assert.equal(cnAddress({ addressType: 'IP', podIP: undefined, podFqdn: fqdn, heartbeatPort: 9050 }), null);
    assert.equal(cnAddress({ addressType: 'IP', podIP: '', podFqdn: fqdn, heartbeatPort: 9050 }), null);
  });
  it('uses the DNS name in FQDN mode, with or without a pod IP', () => {
    assert.equal(cnAddress({ addressType: 'FQDN', podIP: null, podFqdn: fqdn, heartbeatPort: 9051 }), `${fqdn}:9051`);
    assert.equal(
      cnAddress({ addressType: 'FQDN', podIP: '10.1.2.3', podFqdn: fqdn, heartbeatPort: 9050 }),
      `${fqdn}:9050`,
    );
  });
  it('refuses a bad port or host', () => {
    assert.equal(cnAddress({ addressType: 'IP', podIP: '10.1.2.3', podFqdn: fqdn, heartbeatPort: 0 }), null);
    assert.equal(cnAddress({ addressType: 'FQDN', podIP: null, podFqdn: "x'y", heartbeatPort: 9050 }), null);
  });
});
