import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFeAnswer, classifyConnectionFailure, isConnectionFailure, redact } from '../../../src/fe/errors.js';
import { parseIdempotentAnswer, renderAddComputeNodes, renderDropComputeNodes } from '../../../src/fe/sql.js';

describe('classifyFeAnswer', () => {
  it('1045 is AuthenticationFailed', () => {
    assert.equal(classifyFeAnswer(1045, "Access denied for user 'x' (using password: YES)"), 'AuthenticationFailed');
  });
  it('5203 and the 2.4 text are MissingPrivilege', () => {
    assert.equal(
      classifyFeAnswer(5203, 'Access denied; you need (at least one of) the NODE privilege(s) on SYSTEM'),
      'MissingPrivilege',
    );
    assert.equal(
      classifyFeAnswer(1064, 'Access denied; you need (at least one of) the op privilege(s) for this operation'),
      'MissingPrivilege',
    );
  });
  it('the address analysis texts of every version are InvalidAddress', () => {
    assert.equal(classifyFeAnswer(1064, 'compute node host or port is wrong!'), 'InvalidAddress');
    assert.equal(
      classifyFeAnswer(1064, 'Getting analyzing error. Detail message: COMPUTE NODE host or port is wrong. x.'),
      'InvalidAddress',
    );
    assert.equal(
      classifyFeAnswer(1064, 'Getting analyzing error. Detail message: Invalid host port: x.'),
      'InvalidAddress',
    );
    assert.equal(
      classifyFeAnswer(
        1064,
        'Getting analyzing error. Detail message: Encounter unknown exception: Port is out of range: 70000.',
      ),
      'InvalidAddress',
    );
    assert.equal(
      classifyFeAnswer(1064, 'Getting analyzing error. Detail message: Unknown host: h: nope.'),
      'InvalidAddress',
    );
  });
  it('anything else is Unknown', () => {
    assert.equal(classifyFeAnswer(1064, 'Backend already exists with same host h and port 1'), 'Unknown');
  });
});

describe('connection failures', () => {
  it('socket errors fail over; timeouts are Timeout', () => {
    assert.equal(isConnectionFailure({ code: 'ECONNREFUSED', message: '' }), true);
    assert.equal(classifyConnectionFailure({ code: 'ECONNREFUSED', message: '' }), 'Unreachable');
    assert.equal(classifyConnectionFailure({ code: 'ETIMEDOUT', message: '' }), 'Timeout');
    assert.equal(classifyConnectionFailure({ code: 'PROTOCOL_SEQUENCE_TIMEOUT', message: '' }), 'Timeout');
  });
  it('an error packet is an answer, not a connection failure', () => {
    assert.equal(isConnectionFailure({ errno: 1064, sqlMessage: 'x', code: 'ER_PARSE_ERROR', message: 'x' }), false);
    assert.equal(isConnectionFailure({ errno: 1045, sqlMessage: 'x', fatal: true, message: 'x' }), false);
  });
  it('redacts the password wherever it appears', () => {
    assert.equal(redact('user s3cret: s3cret!', 's3cret'), 'user [redacted]: [redacted]!');
    assert.equal(redact('nothing', ''), 'nothing');
  });
});

describe('statements and idempotent answers', () => {
  it('renders quoted, validated addresses', () => {
    const addresses = [
      { host: '10.0.0.1', port: 9050 },
      { host: 'fd00::1', port: 9050 },
    ];
    assert.equal(renderAddComputeNodes(addresses), "ALTER SYSTEM ADD COMPUTE NODE '10.0.0.1:9050', '[fd00::1]:9050'");
    assert.equal(renderDropComputeNodes(addresses.slice(0, 1)), "ALTER SYSTEM DROP COMPUTE NODE '10.0.0.1:9050'");
  });

  it('recognises both wordings of "already exists"', () => {
    assert.deepEqual(parseIdempotentAnswer('Same compute node already exists[10.0.0.1:9050]'), {
      kind: 'alreadyExists',
      address: '10.0.0.1:9050',
    });
    assert.deepEqual(parseIdempotentAnswer('Compute node already exists with same host cn-0.x and port 9050'), {
      kind: 'alreadyExists',
      address: 'cn-0.x:9050',
    });
  });

  it('recognises "does not exists", with IPv6 hosts', () => {
    assert.deepEqual(parseIdempotentAnswer('compute node does not exists[10.0.0.1:9050]'), {
      kind: 'doesNotExist',
      address: '10.0.0.1:9050',
    });
    assert.deepEqual(parseIdempotentAnswer('compute node does not exists[fd00::1:9050]'), {
      kind: 'doesNotExist',
      address: '[fd00::1]:9050',
    });
    // 3.3 and later print an IPv6 host in brackets.
    assert.deepEqual(parseIdempotentAnswer('compute node does not exists[[fd00::1]:9050]'), {
      kind: 'doesNotExist',
      address: '[fd00::1]:9050',
    });
  });

  it('a BE on the address or another warehouse is not success', () => {
    assert.equal(parseIdempotentAnswer('Same backend already exists[10.0.0.1:9050]'), undefined);
    assert.equal(parseIdempotentAnswer('Backend already exists with same host h and port 9050'), undefined);
    assert.equal(parseIdempotentAnswer('compute node [h:9050] does not exist in warehouse w'), undefined);
  });
});
