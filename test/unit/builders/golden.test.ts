// Golden tests: the children of each case, as multi-document YAML, must equal the committed file.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 bash hack/run-tests.sh test/unit/builders
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { buildChildren, childrenList } from '../../../src/builders/index.js';
import { GOLDEN_CASES } from './fixtures.js';

const goldenDir = new URL('golden/', import.meta.url);
const update = process.env['UPDATE_GOLDEN'] === '1';

function render(name: string): string {
  const testCase = GOLDEN_CASES.find((candidate) => candidate.name === name);
  assert.ok(testCase);
  return childrenList(buildChildren(testCase.input()))
    .map((child) => stringify(child, { lineWidth: 0, aliasDuplicateObjects: false }))
    .join('---\n');
}

describe('builder golden files', () => {
  for (const { name } of GOLDEN_CASES) {
    it(name, () => {
      const file = new URL(`${name}.yaml`, goldenDir);
      const actual = render(name);
      if (update) {
        mkdirSync(goldenDir, { recursive: true });
        writeFileSync(file, actual);
      }
      assert.equal(actual, readFileSync(file, 'utf8'), `${name}.yaml differs; if intended, run with UPDATE_GOLDEN=1`);
    });
  }
});
