// The manager loads only what it runs: its static import graph (type-only imports are erased by the compiler; lazy
// `await import()` is loaded only when used) must not reach a heavy module (their weight: docs/benchmarks.md, "Where
// the bytes went"); the MySQL driver is loaded on the first FE connection rather than at start. The register sidecar,
// in every CN pod, loads only the logger and, once connecting, the driver.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');
const HEAVY = ['@kubernetes/client-node', 'yaml', 'typescript', 'tsx', 'esbuild'];
/** Loaded by the manager when first used (a dynamic import), never at start. */
const ON_FIRST_USE = ['mysql2'];

/** `import x from 'm'`, `import 'm'`, `export ... from 'm'`; not `import type` / `export type`. */
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function staticGraph(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (file === undefined || files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(STATIC_IMPORT)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.')) pending.push(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (!specifier.startsWith('node:')) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
        if (name !== undefined && !packages.has(name)) packages.set(name, path.relative(SRC, file));
      }
    }
  }
  return { files, packages };
}

describe('the manager import graph', () => {
  const graph = staticGraph(path.join(SRC, 'cli/manager.ts'));

  it('reaches no heavy module', () => {
    const heavy = [...HEAVY, ...ON_FIRST_USE]
      .filter((name) => graph.packages.has(name))
      .map((name) => `${name} (from ${graph.packages.get(name) ?? ''})`);
    assert.deepEqual(heavy, []);
  });

  it('is read, so the check above can fail', () => {
    assert.ok(graph.files.size > 20, `only ${graph.files.size} files read`);
    assert.ok(graph.packages.has('zod') && graph.packages.has('prom-client'), [...graph.packages.keys()].join(', '));
    const render = staticGraph(path.join(SRC, 'cli/render.ts'));
    assert.ok(render.packages.has('yaml'), 'render loads yaml statically: the walker finds such an import');
  });
});

describe('the register sidecar import graph', () => {
  it('holds the logger and nothing else (the MySQL driver comes with the first FE connection)', () => {
    const graph = staticGraph(path.join(SRC, 'cli/register.ts'));
    assert.deepEqual([...graph.packages.keys()].sort(), ['pino']);
  });
});
