import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addressKeyOf, cnAddress, formatHostPort, isValidHost, parseHostPort } from '../../../src/cn/index.js';
import { quoteSqlString } from '../../../src/fe/index.js';

function failure(result: ReturnType<typeof parseHostPort>): string {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.message;
}

describe('parseHostPort', () => {
  const valid: [string, string, number][] = [
    ['10.0.0.1:9050', '10.0.0.1', 9050],
    ['cn-0.cng-cn.ns.svc.cluster.local:9050', 'cn-0.cng-cn.ns.svc.cluster.local', 9050],
    ['localhost:1', 'localhost', 1],
    ['host:65535', 'host', 65535],
    ['[fd00::1]:9050', 'fd00::1', 9050],
    ['[::1]:9030', '::1', 9030],
  ];
  for (const [text, host, port] of valid) {
    it(`accepts ${text}`, () => {
      assert.deepEqual(parseHostPort(text), { ok: true, value: { host, port } });
    });
  }

  const invalid: [string, RegExp][] = [
    ['', /expected host:port/],
    ['10.0.0.1', /expected host:port/],
    ['10.0.0.1:0', /port must be a number from 1 to 65535/],
    ['10.0.0.1:65536', /port must be a number from 1 to 65535/],
    ['10.0.0.1:-1', /port/],
    ['10.0.0.1:90a', /port/],
    [':9050', /host is empty/],
    ['fd00::1:9050', /IPv6 host must be written in brackets/],
    ['[fd00::1]9050', /expected \[IPv6\]:port/],
    ['[not-v6]:9050', /not an IPv6 address/],
    ['999.1.1.1:9050', /not a valid IPv4 address/],
    ['a b:9050', /not a host name/],
    [' 10.0.0.1:9050', /not a host name/],
    ['[10.0.0.1]:9050', /not an IPv6 address/],
    ["x';DROP COMPUTE NODE 'y:9050", /not a host name/],
    ['"h":9050', /not a host name/],
    ['http://h:9050', /not a host name|port/],
    ['-h:9050', /not a host name/],
    [`${'a'.repeat(64)}:9050`, /not a host name/],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.match(failure(parseHostPort(text)), message);
    });
  }

  it('names the role of the address in the message', () => {
    assert.match(failure(parseHostPort('fe', 'FE')), /^invalid FE address "fe": expected host:port$/);
    assert.match(failure(parseHostPort('cn')), /^invalid CN address "cn"/);
  });

  it('keeps the message on one line whatever the input', () => {
    assert.doesNotMatch(failure(parseHostPort('bad\nhost:9050')), /\n/);
  });
});

describe('formatHostPort and quoting', () => {
  it('brackets IPv6 hosts only', () => {
    assert.equal(formatHostPort({ host: 'fd00::1', port: 9050 }), '[fd00::1]:9050');
    assert.equal(formatHostPort({ host: '10.0.0.1', port: 9050 }), '10.0.0.1:9050');
  });

  it('round-trips through parse', () => {
    for (const text of ['[fd00::1]:9050', 'cn-1.x:9050', '10.1.2.3:1']) {
      const parsed = parseHostPort(text);
      assert.ok(parsed.ok);
      assert.equal(formatHostPort(parsed.value), text);
    }
  });

  it('escapes quotes and backslashes in SQL literals', () => {
    assert.equal(quoteSqlString("a'b\\c"), "'a\\'b\\\\c'");
    assert.equal(quoteSqlString('10.0.0.1:9050'), "'10.0.0.1:9050'");
  });
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

describe('isValidHost', () => {
  it('accepts what the FE lists: IPv4, unbracketed IPv6, DNS names', () => {
    for (const host of ['10.0.0.1', 'fd00::1', '::1', 'cn-0.g-cn.ns.svc.cluster.local', 'localhost']) {
      assert.equal(isValidHost(host), true, host);
    }
  });
  it('refuses anything that could carry SQL or is not a host', () => {
    for (const host of ['', "x'y", 'a b', '[fd00::1]', '999.1.1.1', 'h:1', `${'a'.repeat(64)}.x`]) {
      assert.equal(isValidHost(host), false, host);
    }
  });
});
