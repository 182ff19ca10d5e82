// The testbed (testbed/, @starrocks-cn-operator/testbed) is a second product with one front door. The operator's code
// never imports it: what ships must not depend on a simulator. Everything else reaches it only through its entry
// points: TypeScript by package name and one of the package's `exports`, the shell scripts by its commands
// (testbed/<area>/main.ts), its versions file and its test folders. So an area can change inside without a caller
// noticing, and a caller that reaches past the door fails here rather than at the next move.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const REPO = path.resolve(import.meta.dirname, '../../..');
const TESTBED = path.join(REPO, 'testbed');
const PACKAGE = '@starrocks-cn-operator/testbed';

/** `from '...'` (static imports and re-exports), `import '...'`, and `import('...')` (dynamic, and in types). */
const SPECIFIERS = [
  /\bfrom\s+['"]([^'"]+)['"]/g,
  /^\s*import\s+['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Every module specifier in a TypeScript source text. Pure. */
function specifiersOf(text: string): string[] {
  return SPECIFIERS.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1] ?? ''));
}

/** Whether `specifier`, written in `file`, names something inside testbed/ (by package name or by path). */
function reachesTestbed(file: string, specifier: string): boolean {
  if (specifier === PACKAGE || specifier.startsWith(`${PACKAGE}/`)) return true;
  if (!specifier.startsWith('.')) return false;
  const target = path.resolve(path.dirname(file), specifier);
  return target === TESTBED || target.startsWith(`${TESTBED}${path.sep}`);
}

/** The files below `dir`, but this one: its samples of wrong imports are there on purpose. */
function filesUnder(dir: string, extension: string): string[] {
  return readdirSync(path.join(REPO, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(extension))
    .map((name) => path.join(REPO, dir, name))
    .filter((file) => file !== import.meta.filename);
}

/** `file: specifier` for every import in the files that reaches the testbed. */
function testbedImports(files: readonly string[]): { file: string; specifier: string }[] {
  return files.flatMap((file) =>
    specifiersOf(readFileSync(file, 'utf8'))
      .filter((specifier) => reachesTestbed(file, specifier))
      .map((specifier) => ({ file: path.relative(REPO, file), specifier })),
  );
}

/** A shell text without its comments (a `#` at the start of a line or after a blank), which may name any file. */
function withoutComments(script: string): string {
  return script.replace(/(^|\s)#.*$/gm, '$1');
}

const CALLERS = ['test', 'bench', 'hack'];
const ENTRY_POINTS = new Set(
  Object.keys(
    (JSON.parse(readFileSync(path.join(TESTBED, 'package.json'), 'utf8')) as { exports: object }).exports,
  ).map((subpath) => `${PACKAGE}${subpath.slice(1)}`),
);

describe('the testbed boundary', () => {
  it('the operator (src/) never imports the testbed', () => {
    assert.deepEqual(testbedImports(filesUnder('src', '.ts')), []);
  });

  it('test/, bench/ and hack/ import it only by package name and through an entry point of its exports', () => {
    const imports = testbedImports(CALLERS.flatMap((dir) => filesUnder(dir, '.ts')));
    const pastTheDoor = imports.filter(({ specifier }) => !ENTRY_POINTS.has(specifier));
    assert.deepEqual(pastTheDoor, []);
    assert.ok(imports.length > 50, `only ${imports.length} imports of the testbed found: is the scan still reading?`);
  });

  it('every entry point of the exports exists', () => {
    const exportsMap = (
      JSON.parse(readFileSync(path.join(TESTBED, 'package.json'), 'utf8')) as {
        exports: Record<string, string>;
      }
    ).exports;
    for (const [subpath, file] of Object.entries(exportsMap)) {
      assert.ok(existsSync(path.join(TESTBED, file)), `${subpath} -> ${file}`);
    }
  });

  it('the shell scripts name only its commands, its versions file and its test folders', () => {
    const allowed = /^testbed\/(?:[\w-]+\/main\.ts|versions\.env|test(?:\/[\w-]+)*)$/;
    const named = CALLERS.flatMap((dir) => filesUnder(dir, '.sh')).flatMap((file) =>
      [...withoutComments(readFileSync(file, 'utf8')).matchAll(/\btestbed\/[\w./-]*\w/g)].map((match) => ({
        file: path.relative(REPO, file),
        name: match[0],
      })),
    );
    assert.deepEqual(
      named.filter(({ name }) => !allowed.test(name) || !existsSync(path.join(REPO, name))),
      [],
    );
    assert.ok(
      named.some(({ name }) => name === 'testbed/control-plane/main.ts'),
      'the scan finds hack/e2e.sh',
    );
  });

  it('finds imports of every form, so the checks above can fail', () => {
    const text = [
      "import { a } from '../testbed/fe-simulator/simulator.js';",
      "import type { B } from '@starrocks-cn-operator/testbed/control-plane';",
      "export { c } from '@starrocks-cn-operator/testbed/images';",
      "import '@starrocks-cn-operator/testbed/helpers';",
      "const d = await import('../testbed/real-node/node.js');",
      "type E = typeof import('@starrocks-cn-operator/testbed/fe-simulator/sql.js');",
    ].join('\n');
    const file = path.join(REPO, 'src', 'x.ts');
    assert.deepEqual(
      specifiersOf(text).filter((specifier) => reachesTestbed(file, specifier)),
      [
        '../testbed/fe-simulator/simulator.js',
        '@starrocks-cn-operator/testbed/control-plane',
        '@starrocks-cn-operator/testbed/images',
        '@starrocks-cn-operator/testbed/helpers',
        '../testbed/real-node/node.js',
        '@starrocks-cn-operator/testbed/fe-simulator/sql.js',
      ],
    );
  });
});
