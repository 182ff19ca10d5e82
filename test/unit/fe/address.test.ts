import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatCnAddress, parseCnAddress, quoteSqlString } from '../../../src/fe/index.js';

function failure(result: ReturnType<typeof parseCnAddress>): string {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.message;
}

describe('parseCnAddress', () => {
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
      assert.deepEqual(parseCnAddress(text), { ok: true, value: { host, port } });
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
    ["x';DROP COMPUTE NODE 'y:9050", /not a host name/],
    ['"h":9050', /not a host name/],
    ['http://h:9050', /not a host name|port/],
    ['-h:9050', /not a host name/],
    [`${'a'.repeat(64)}:9050`, /not a host name/],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.match(failure(parseCnAddress(text)), message);
    });
  }

  it('keeps the message on one line whatever the input', () => {
    assert.doesNotMatch(failure(parseCnAddress('bad\nhost:9050')), /\n/);
  });
});

describe('formatCnAddress and quoting', () => {
  it('brackets IPv6 hosts only', () => {
    assert.equal(formatCnAddress({ host: 'fd00::1', port: 9050 }), '[fd00::1]:9050');
    assert.equal(formatCnAddress({ host: '10.0.0.1', port: 9050 }), '10.0.0.1:9050');
  });

  it('round-trips through parse', () => {
    for (const text of ['[fd00::1]:9050', 'cn-1.x:9050', '10.1.2.3:1']) {
      const parsed = parseCnAddress(text);
      assert.ok(parsed.ok);
      assert.equal(formatCnAddress(parsed.value), text);
    }
  });

  it('escapes quotes and backslashes in SQL literals', () => {
    assert.equal(quoteSqlString("a'b\\c"), "'a\\'b\\\\c'");
    assert.equal(quoteSqlString('10.0.0.1:9050'), "'10.0.0.1:9050'");
  });
});
