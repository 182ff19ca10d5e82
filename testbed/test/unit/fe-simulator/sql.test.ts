// The FE simulator's statement parser (pure): what the conformance suite relies on, at the edges.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatement, splitStatements } from '../../../fe-simulator/sql.js';

describe('FE simulator SQL parser', () => {
  it('splits on semicolons outside quotes only', () => {
    assert.deepEqual(splitStatements(`SHOW BACKENDS; ALTER SYSTEM ADD COMPUTE NODE 'a;b:1' ;; SELECT 1;`), [
      'SHOW BACKENDS',
      "ALTER SYSTEM ADD COMPUTE NODE 'a;b:1'",
      'SELECT 1',
    ]);
  });

  it('reads quoted addresses with escapes and doubled quotes, stripping whitespace', () => {
    assert.deepEqual(parseStatement(`alter system add compute node 'a\\'b:1', "c""d:2", ' e : 3 '`), {
      kind: 'addComputeNodes',
      addresses: ["a'b:1", 'c"d:2', 'e:3'],
    });
  });

  it('parses the warehouse clause only when the version has it', () => {
    const sql = 'ALTER SYSTEM DROP COMPUTE NODE "h:1" FROM WAREHOUSE w CNGROUP g';
    assert.deepEqual(parseStatement(sql, { warehouses: true }), {
      kind: 'dropComputeNodes',
      addresses: ['h:1'],
      warehouse: 'w',
      cnGroup: 'g',
    });
    assert.deepEqual(parseStatement(sql, { warehouses: false }), { kind: 'syntaxError', column: 37, near: 'FROM' });
  });

  it('reports the column of the unexpected token, or <EOF>', () => {
    assert.deepEqual(parseStatement('SHOW COMPUTE'), { kind: 'syntaxError', column: 12, near: '<EOF>' });
    assert.deepEqual(parseStatement('ALTER SYSTEM ADD COMPUTE NODE h:1'), {
      kind: 'syntaxError',
      column: 30,
      near: 'h',
    });
    assert.equal(parseStatement("ALTER SYSTEM ADD COMPUTE NODE 'unterminated").kind, 'syntaxError');
  });

  it('knows SHOW PROC, @@ variables and literals', () => {
    assert.deepEqual(parseStatement("show proc '/compute_nodes'"), { kind: 'showProc', path: '/compute_nodes' });
    assert.deepEqual(parseStatement('select @@version_comment, @@session.tx_isolation limit 1'), {
      kind: 'selectVariables',
      names: ['version_comment', 'session.tx_isolation'],
    });
    assert.deepEqual(parseStatement('SELECT 1'), { kind: 'selectLiteral', value: '1' });
  });
});
