// The sections of docs/benchmarks.md a benchmark writes itself (`--write`), between two markers, so a published
// figure is the script's output and never copied by hand.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const BENCHMARKS_DOC = path.join(import.meta.dirname, '..', '..', 'docs', 'benchmarks.md');

export interface DocSection {
  /** The text between the markers now (without them), for a script that keeps rows it did not measure. */
  current: string;
  /** Replaces that text. */
  write(text: string): Promise<void>;
}

/** The section `<!-- name: written by script --write -->` ... `<!-- /name -->` of docs/benchmarks.md. */
export async function docSection(name: string, script: string): Promise<DocSection> {
  const open = `<!-- ${name}: written by ${script} --write -->`;
  const close = `<!-- /${name} -->`;
  const document = await readFile(BENCHMARKS_DOC, 'utf8');
  const start = document.indexOf(open);
  const end = document.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${BENCHMARKS_DOC} has no ${open} ... ${close} section`);
  return {
    current: document.slice(start + open.length, end),
    async write(text) {
      await writeFile(
        BENCHMARKS_DOC,
        `${document.slice(0, start + open.length)}\n\n${text.trim()}\n\n${document.slice(end)}`,
      );
    },
  };
}
