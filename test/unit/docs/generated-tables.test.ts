// The tables of docs/ that restate a table of the code are written from it (src/docs/): the committed pages hold
// what `npm run generate` writes, laid out as Prettier lays them out, and the table of children says which a group
// wants as the builders decide it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { format } from 'prettier';
import { CHILD_KINDS, buildChildren, childrenList } from '../../../src/builders/index.js';
import { markdownTable, withGeneratedSection } from '../../../src/docs/markdown.js';
import { childKindsTable, docsFiles, managerFlagsTable } from '../../../src/docs/tables.js';
import { MANAGER_FLAGS } from '../../../src/runtime/flags.js';
import { GOLDEN_CASES } from '../builders/fixtures.js';

const ROOT = path.join(import.meta.dirname, '../../..');
const read = (relative: string): string => readFileSync(path.join(ROOT, relative), 'utf8');

function wantedKinds(caseName: string): string[] {
  const testCase = GOLDEN_CASES.find((candidate) => candidate.name === caseName);
  assert.ok(testCase, caseName);
  return childrenList(buildChildren(testCase.input())).map((child) => child.kind);
}

describe('generated tables in docs/', () => {
  it('are committed as generated (run npm run generate)', () => {
    for (const [file, content] of docsFiles(read)) assert.equal(read(file), content, `${file} differs`);
  });

  it('are laid out as Prettier lays them out', async () => {
    for (const table of [managerFlagsTable(), childKindsTable()]) {
      assert.equal(await format(table, { parser: 'markdown' }), table);
    }
    const escaped = markdownTable(['a', 'b'], [['x|y', '']]);
    assert.equal(await format(escaped, { parser: 'markdown' }), escaped);
  });

  it('hold one row per manager flag and per child kind, in the order of their tables', () => {
    const firstCells = (table: string): string[] =>
      table
        .split('\n')
        .slice(2, -1)
        .map((row) => row.split('|')[1]?.trim() ?? '');
    assert.deepEqual(
      firstCells(managerFlagsTable()),
      MANAGER_FLAGS.map((flag) => `\`--${flag.name}\``),
    );
    assert.deepEqual(
      firstCells(childKindsTable()).map((first) => first.split(' ')[0]),
      CHILD_KINDS.map((kind) => kind.kind),
    );
  });

  it('say a group wants a child kind always, or only with its field, as the builders decide', () => {
    const always = CHILD_KINDS.filter((kind) => kind.onlyWith === undefined).map((kind) => kind.kind);
    assert.deepEqual(wantedKinds('minimal'), always, 'a group without autoScalingPolicy and cronJobPolicy');
    assert.deepEqual(
      wantedKinds('maximal'),
      CHILD_KINDS.map((kind) => kind.kind),
      'a group with both',
    );
  });

  it('are written only between markers that are there', () => {
    assert.throws(() => withGeneratedSection('# A page\n', 'manager-flags', 'x', 'table\n'), /no section/);
    const page = 'before\n<!-- generated:t old -->\nold\n<!-- /generated -->\nafter\n';
    assert.equal(
      withGeneratedSection(page, 't', 'T', '| a |\n'),
      'before\n<!-- generated:t (written by npm run generate from T: edit it there) -->\n\n| a |\n\n<!-- /generated -->\nafter\n',
    );
  });
});
