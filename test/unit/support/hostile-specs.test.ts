// The hostile spec generator of the end-to-end bad-input test: enough specs, each different from the valid base,
// the same on every run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { hostileSpecs, MARKER } from '../../support/hostile-specs.js';

const BASE = {
  feInfo: { addresses: ['127.0.0.1:9030'], accountSecret: 'fe-account' },
  images: { cnImage: 'starrocks/cn-ubuntu:3.3.5' },
  replicas: 0,
};

describe('hostileSpecs', () => {
  it('makes at least 300 specs, each a change of the valid base, the same every time', () => {
    const specs = hostileSpecs(BASE);
    assert.ok(specs.length >= 300, `${specs.length}`);
    for (const { label, spec } of specs) assert.ok(!isDeepStrictEqual(spec, BASE), `${label} changes nothing`);
    assert.deepEqual(hostileSpecs(BASE), specs);
    assert.deepEqual(BASE.feInfo.addresses, ['127.0.0.1:9030'], 'the base is not modified');
  });

  it('marks every hostile text, so a test can look for it where it must never arrive', () => {
    const addresses = hostileSpecs(BASE).filter(({ label }) => label.startsWith('feInfo.addresses #0'));
    assert.ok(addresses.every(({ spec }) => JSON.stringify(spec).includes(MARKER)));
  });
});
