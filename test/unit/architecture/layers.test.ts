// The shape of src/, checked: each top folder imports only folders of lower layers (or itself), no module takes part
// in an import cycle, and no function is longer than a screen. The table below is the architecture as a reader
// should find it; a new folder must be placed in it.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const SRC = path.resolve(import.meta.dirname, '../../../src');

/** Lower layers first. A folder may import its own files and folders of a lower layer, never a higher or equal one. */
const LAYERS: readonly (readonly string[])[] = [
  ['util'],
  ['api', 'cn', 'runtime'],
  ['cnconf', 'fe', 'kube'],
  ['load', 'membership', 'builders'],
  ['group', 'custom-metrics', 'capacity'],
  ['controllers', 'components'],
  ['cli', 'monitoring', 'rbac', 'docs'],
];

const MAX_FUNCTION_LINES = 60;

function layerOf(folder: string): number {
  const index = LAYERS.findIndex((layer) => layer.includes(folder));
  assert.ok(index >= 0, `src/${folder} is in no layer of test/unit/architecture/layers.test.ts: place it there`);
  return index;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

interface Module {
  file: string;
  source: ts.SourceFile;
  /** Resolved files of its relative imports and re-exports (type-only ones too: they still tie the modules). */
  imports: string[];
}

/** The module a node names, for import and export declarations and `import('...')` calls. */
function specifierOf(node: ts.Node): string | undefined {
  if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
    return ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : undefined;
  }
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
    const [argument] = node.arguments;
    return argument !== undefined && ts.isStringLiteral(argument) ? argument.text : undefined;
  }
  return undefined;
}

function parse(file: string): Module {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const imports: string[] = [];
  const walk = (node: ts.Node): void => {
    const specifier = specifierOf(node);
    if (specifier?.startsWith('.') === true) {
      imports.push(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
    }
    ts.forEachChild(node, walk);
  };
  walk(source);
  return { file, source, imports };
}

const modules = sourceFiles(SRC).map(parse);
const relative = (file: string): string => path.relative(SRC, file);
const topFolder = (file: string): string => relative(file).split(path.sep)[0] ?? '';

/** Every cycle found by a depth-first walk, each named by the modules on it. */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)).map(relative));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

/** Functions, methods and arrow functions longer than the limit, as `file:line name (n lines)`. */
function longFunctions(module: Module): string[] {
  const found: string[] = [];
  const walk = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = module.source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = module.source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > MAX_FUNCTION_LINES) {
        const name = node.name !== undefined && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
        found.push(`${relative(module.file)}:${start + 1} ${name} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, walk);
  };
  walk(module.source);
  return found;
}

describe('the architecture of src/', () => {
  it('reads every module', () => {
    assert.ok(modules.length > 100, `only ${modules.length} modules found under ${SRC}`);
  });

  it('imports only from lower layers', () => {
    const wrong = modules.flatMap((module) =>
      module.imports
        .filter((target) => topFolder(target) !== topFolder(module.file))
        .filter((target) => layerOf(topFolder(target)) >= layerOf(topFolder(module.file)))
        .map((target) => `${relative(module.file)} -> ${relative(target)}`),
    );
    assert.deepEqual(wrong, []);
  });

  it('has no import cycle', () => {
    const graph = new Map(modules.map((module) => [module.file, module.imports]));
    assert.deepEqual(importCycles(graph), []);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    assert.deepEqual(modules.flatMap(longFunctions), []);
  });

  it('finds a cycle, a long function and a wrong import when there is one', () => {
    const cycle = importCycles(
      new Map([
        [path.join(SRC, 'a.ts'), [path.join(SRC, 'b.ts')]],
        [path.join(SRC, 'b.ts'), [path.join(SRC, 'a.ts')]],
      ]),
    );
    assert.deepEqual(cycle, [['a.ts', 'b.ts']]);
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, index) => `  const v${index} = ${index};`).join('\n');
    const file = path.join(SRC, 'x.ts');
    const source = ts.createSourceFile(file, `function big() {\n${body}\n}\n`, ts.ScriptTarget.Latest, true);
    assert.equal(longFunctions({ file, source, imports: [] }).length, 1);
    assert.ok(layerOf('cli') > layerOf('kube'));
  });
});
