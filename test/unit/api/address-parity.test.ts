// Admission (the CRD's grammar, src/api/v1alpha1/rules.ts, run here through the zod schema built from the same
// patterns) and the runtime parser (src/cn/address.ts) must agree on every FE address: one admission lets in must
// never fail at run time, and one the runtime would take must not be refused. Checked on a corpus of the cases that
// once disagreed and their neighbours, and on random strings over the address alphabet.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { feInfoSchema } from '../../../src/api/v1alpha1/schema.js';
import { parseHostPort } from '../../../src/cn/address.js';
import { seededRandom } from '@starrocks-cn-operator/testbed/helpers';
import { ADDRESS_CORPUS as CORPUS } from './address-corpus.js';

function admitted(address: string): boolean {
  return feInfoSchema.safeParse({ addresses: [address], accountSecret: 'fe-account' }).success;
}

function parsed(address: string): boolean {
  return parseHostPort(address, 'FE').ok;
}

describe('FE addresses: admission and the runtime parser agree', () => {
  for (const [address, valid] of CORPUS) {
    it(`${valid ? 'takes' : 'refuses'} ${address.length > 40 ? `${address.slice(0, 37)}...` : address}`, () => {
      assert.equal(parsed(address), valid, 'runtime parser');
      assert.equal(admitted(address), valid, 'admission');
    });
  }

  it('agrees on random strings over the address alphabet', () => {
    const seed = 20261206;
    const random = seededRandom(seed);
    const alphabet = 'abf0129.:[]-';
    const pick = (): string => alphabet[Math.floor(random() * alphabet.length)] ?? 'a';
    const disagreements: string[] = [];
    let valid = 0;
    for (let round = 0; round < 20_000; round++) {
      const length = 3 + Math.floor(random() * 14);
      const body = Array.from({ length }, pick).join('');
      // Half end in a plausible port, so the host part gets exercised rather than the port.
      const address = random() < 0.5 ? `${body}:9030` : body;
      const runtime = parsed(address);
      if (runtime) valid++;
      if (runtime !== admitted(address)) disagreements.push(address);
    }
    assert.deepEqual(disagreements.slice(0, 10), [], `seed ${seed}`);
    assert.ok(valid > 100, `only ${valid} valid addresses drawn: the draw does not exercise the grammar`);
  });
});
