import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { quantityNanos, sameQuantity } from '../../../src/kube/quantity.js';

describe('quantityNanos', () => {
  it('reads decimal, binary and exponent suffixes exactly', () => {
    assert.equal(quantityNanos('4'), 4_000_000_000n);
    assert.equal(quantityNanos('500m'), 500_000_000n);
    assert.equal(quantityNanos('1.5'), 1_500_000_000n);
    assert.equal(quantityNanos('1Ki'), 1024n * 1_000_000_000n);
    assert.equal(quantityNanos('8Gi'), 8n * 1024n ** 3n * 1_000_000_000n);
    assert.equal(quantityNanos('2e3'), 2000n * 1_000_000_000n);
    assert.equal(quantityNanos('-1k'), -1000n * 1_000_000_000n);
    assert.equal(quantityNanos('.5'), 500_000_000n);
  });

  it('refuses what is not a quantity', () => {
    for (const text of ['', 'abc', '1.2.3', '4 m', '1Gb', 'm', 'starrocks/cn-ubuntu:3.3', '1e']) {
      assert.equal(quantityNanos(text), undefined, text);
    }
  });
});

describe('sameQuantity', () => {
  it('equates the API server canonical forms with what a user wrote', () => {
    assert.ok(sameQuantity('4000m', '4'));
    assert.ok(sameQuantity('1024Mi', '1Gi'));
    assert.ok(sameQuantity('1.5Gi', '1536Mi'));
    assert.ok(sameQuantity('0.5', '500m'));
    assert.ok(sameQuantity('2000', '2k'));
  });

  it('tells different values apart and never equates non-quantities', () => {
    assert.ok(!sameQuantity('4', '4001m'));
    assert.ok(!sameQuantity('1G', '1Gi'));
    assert.ok(!sameQuantity('x', 'x'));
  });
});
