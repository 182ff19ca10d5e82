// Every page under docs/zh/ follows its English page: the same headings, level by level, in the same order (the
// text differs, the structure may not), and the same code blocks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const DOCS = path.join(import.meta.dirname, '../../../docs');

function outline(text: string): { headings: number[]; code: string[] } {
  const headings: number[] = [];
  const code: string[] = [];
  let inCode = false;
  let block: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) {
      if (inCode) code.push(block.filter((l) => !l.includes('#')).join('\n'));
      inCode = !inCode;
      block = [];
      continue;
    }
    if (inCode) block.push(line);
    else if (/^#{1,6} /.test(line)) headings.push(line.indexOf(' '));
  }
  return { headings, code };
}

describe('Chinese docs', () => {
  for (const file of readdirSync(path.join(DOCS, 'zh')).filter((name) => name.endsWith('.md'))) {
    it(`docs/zh/${file} has the headings and code blocks of docs/${file}`, () => {
      const english = outline(readFileSync(path.join(DOCS, file), 'utf8'));
      const chinese = outline(readFileSync(path.join(DOCS, 'zh', file), 'utf8'));
      assert.deepEqual(chinese.headings, english.headings, 'heading levels differ');
      assert.deepEqual(chinese.code, english.code, 'code blocks differ (comments aside)');
    });
  }
});
