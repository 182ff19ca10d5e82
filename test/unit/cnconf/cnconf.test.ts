import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CN_PORTS, parseCnConf } from '../../../src/cnconf/index.js';

function ports(text: string) {
  const result = parseCnConf(text);
  if (!result.ok) assert.fail(`expected ok, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

function errors(text: string) {
  const result = parseCnConf(text);
  if (result.ok) assert.fail(`expected errors, got ${JSON.stringify(result.value)}`);
  return result.errors;
}

describe('parseCnConf', () => {
  it('gives the documented defaults for an empty file', () => {
    assert.deepEqual(ports(''), {
      heartbeatServicePort: 9050,
      bePort: 9060,
      httpPort: 8040,
      brpcPort: 8060,
      starletPort: 9070,
    });
    assert.deepEqual(DEFAULT_CN_PORTS, ports('# nothing\n\n'));
  });

  it('reads the 2022 example (2.4 key names)', () => {
    const text =
      'sys_log_level = INFO\n\nbe_port = 9061\nwebserver_port = 8041\nheartbeat_service_port = 9051\nbrpc_port = 8061\n';
    assert.deepEqual(ports(text), {
      heartbeatServicePort: 9051,
      bePort: 9061,
      httpPort: 8041,
      brpcPort: 8061,
      starletPort: 9070,
    });
  });

  it('reads the 2.4 thrift_port and the latest be_http_port and starlet_port', () => {
    assert.equal(ports('thrift_port=9160').bePort, 9160);
    assert.equal(ports('be_http_port = 8140').httpPort, 8140);
    assert.equal(ports('starlet_port = 9170').starletPort, 9170);
  });

  it('prefers the latest key name when both are present, in any order', () => {
    assert.equal(ports('be_http_port = 8140\nwebserver_port = 8041').httpPort, 8140);
    assert.equal(ports('be_port = 9160\nthrift_port = 9061').bePort, 9160);
  });

  it('skips comments, blank lines, CRLF line ends, inline comments and unrelated keys', () => {
    const text =
      '# ports\r\n   # indented comment\r\n\r\nheartbeat_service_port = 9150   # heartbeat\r\npriority_networks = 10.0.0.0/8\r\n';
    assert.equal(ports(text).heartbeatServicePort, 9150);
  });

  it('names the line of a line without "="', () => {
    const found = errors('sys_log_level = INFO\nbrpc_port 8060\n');
    assert.equal(found.length, 1);
    assert.equal(found[0]?.line, 2);
    assert.match(found.map((error) => error.message).join('\n'), /line 2: expected "key = value"/);
  });

  it('rejects an invalid key', () => {
    const found = errors('= 3\n');
    assert.equal(found[0]?.line, 1);
  });

  it('rejects a port that is not a number from 1 to 65535, naming key and line', () => {
    for (const value of ['abc', '0', '65536', '-1', '90 50', '']) {
      const found = errors(`# c\nheartbeat_service_port = ${value}\n`);
      assert.equal(found[0]?.line, 2, value);
      assert.match(
        found.map((error) => error.message).join('\n'),
        /heartbeat_service_port must be a port number/,
        value,
      );
    }
  });

  it('rejects two ports with the same number', () => {
    const found = errors('be_port = 8040\n');
    assert.match(
      found[0]?.message ?? '',
      /be_http_port and be_port are both 8040|be_port and be_http_port are both 8040/,
    );
    assert.equal(found[0]?.line, 1);
  });

  it('reports every bad line, sorted by line', () => {
    const found = errors('brpc_port = x\nfoo\nbe_port = 99999\n');
    assert.deepEqual(
      found.map((error) => error.line),
      [1, 2, 3],
    );
  });
});
