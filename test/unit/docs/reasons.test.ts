// Every reason the operator can write is explained in the troubleshooting guide, in English and in Chinese: the
// reasons come from the one table in src/api/v1alpha1/reasons.ts (the types make the code use only those), and a
// scan of the source catches a reason written past the types.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONDITION_REASONS, EVENT_REASONS, POD_CONDITION_REASONS } from '../../../src/api/v1alpha1/index.js';

const ROOT = path.join(import.meta.dirname, '../../..');
const CATALOG = new Set([
  ...Object.keys(CONDITION_REASONS),
  ...Object.keys(EVENT_REASONS),
  ...Object.keys(POD_CONDITION_REASONS),
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** Reason literals in the operator's code: `reason: 'X'` and `record(group, 'Warning', 'X', ...)`. */
function reasonsInCode(): Map<string, string> {
  const found = new Map<string, string>();
  // The register sidecar logs free-text reasons; they are log fields, not API reasons.
  const files = sourceFiles(path.join(ROOT, 'src')).filter(
    (file) => !file.includes(`${path.sep}components${path.sep}`),
  );
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const patterns = [/\breason: '([A-Z][A-Za-z]+)'/g, /'(?:Normal|Warning)',\s*'([A-Z][A-Za-z]+)'/g];
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) found.set(match[1] ?? '', path.relative(ROOT, file));
    }
  }
  return found;
}

/**
 * The reasons a page explains: those that lead a list item (before its first colon), a heading or a table row's
 * first cell. A name merely mentioned in a sentence does not count.
 */
function explainedIn(file: string): Set<string> {
  const explained = new Set<string>();
  for (const line of readFileSync(path.join(ROOT, file), 'utf8').split('\n')) {
    const lead =
      /^\s*- (.*?)[:：]/.exec(line)?.[1] ?? /^#{1,6} (.*)$/.exec(line)?.[1] ?? /^\|([^|]*)\|/.exec(line)?.[1];
    if (lead === undefined) continue;
    for (const match of lead.matchAll(/`([A-Za-z]+)`/g)) explained.add(match[1] ?? '');
  }
  return explained;
}

describe('condition and Event reasons', () => {
  it('the scan finds the reasons the code writes (it would notice a new one)', () => {
    const inCode = reasonsInCode();
    for (const known of ['CNsStarting', 'ChildRefused', 'MissingCPURequest', 'CNDropped', 'DeletionPending']) {
      assert.ok(inCode.has(known), `${known} not found by the scan`);
    }
  });

  it('every reason literal in the code is in the table of src/api/v1alpha1/reasons.ts', () => {
    const missing = [...reasonsInCode()].filter(([reason]) => !CATALOG.has(reason));
    assert.deepEqual(missing, [], 'add these to src/api/v1alpha1/reasons.ts and docs/troubleshooting.md');
  });

  for (const file of ['docs/troubleshooting.md', 'docs/zh/troubleshooting.md']) {
    it(`${file} explains every reason of the table`, () => {
      const explained = explainedIn(file);
      const undocumented = [...CATALOG].filter((reason) => !explained.has(reason));
      assert.deepEqual(undocumented, [], `explain these reasons in ${file}`);
    });
  }
});
