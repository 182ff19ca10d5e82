import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { leavingOrdinals, podOrdinal } from '../../../src/cn/index.js';

describe('podOrdinal', () => {
  const cases: { sts: string; pod: string; expected: number | undefined }[] = [
    { sts: 'cn', pod: 'cn-0', expected: 0 },
    { sts: 'cn', pod: 'cn-9', expected: 9 },
    { sts: 'cn', pod: 'cn-10', expected: 10 },
    { sts: 'cn', pod: 'cn-123', expected: 123 },
    { sts: 'cn', pod: 'cn-01', expected: undefined },
    { sts: 'cn', pod: 'cn-x', expected: undefined },
    { sts: 'cn', pod: 'cn-', expected: undefined },
    { sts: 'cn', pod: 'cnx-1', expected: undefined },
    { sts: 'cn', pod: 'other-1', expected: undefined },
    { sts: 'my-cn', pod: 'my-cn-2', expected: 2 },
    { sts: 'my', pod: 'my-cn-2', expected: undefined },
  ];
  for (const { sts, pod, expected } of cases) {
    it(`${sts} / ${pod} -> ${String(expected)}`, () => {
      assert.equal(podOrdinal(sts, pod), expected);
    });
  }
});

describe('leavingOrdinals', () => {
  it('lists the highest ordinals numerically, past 10', () => {
    assert.deepEqual(leavingOrdinals(12, 9), [11, 10, 9]);
  });
  it('is empty when the StatefulSet does not shrink', () => {
    assert.deepEqual(leavingOrdinals(3, 3), []);
    assert.deepEqual(leavingOrdinals(3, 5), []);
  });
  it('goes down to ordinal 0 when scaling to zero', () => {
    assert.deepEqual(leavingOrdinals(2, 0), [1, 0]);
  });
});
