// What ships is a bundle (hack/bundle.ts), so the source-level import check (test/unit/cli/manager-imports.test.ts)
// is not enough on its own: a bundler can hoist a lazily imported module into a shared chunk that every command then
// loads at start. This builds the bundle into a temporary folder and follows, from each command's chunk, only the
// static imports (what Node loads before the command runs), then looks at which packages those files came from.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Metafile } from 'esbuild';
import { bundle } from '../../../hack/bundle.js';

/** The npm packages whose files the output `start` and its static imports hold. */
function packagesLoadedAtStart(meta: Metafile, start: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const file = pending.pop();
    if (file === undefined || seen.has(file)) continue;
    seen.add(file);
    const output = meta.outputs[file];
    if (output === undefined) continue; // a Node module such as node:fs
    for (const input of Object.keys(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (match?.[1] !== undefined) packages.add(match[1]);
    }
    for (const imported of output.imports) if (imported.kind === 'import-statement') pending.push(imported.path);
  }
  return packages;
}

function outputOf(meta: Metafile, entryPoint: string): string {
  const found = Object.entries(meta.outputs).find(([, output]) => output.entryPoint === entryPoint);
  assert.ok(found, `no output for ${entryPoint} in ${Object.keys(meta.outputs).join(', ')}`);
  return found[0];
}

describe('the bundle', () => {
  let outDir = '';
  let meta: Metafile | undefined;
  before(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'cngctl-bundle-'));
    meta = await bundle(outDir);
  });
  after(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('starts the manager without the MySQL driver, the YAML library or the Kubernetes client', () => {
    assert.ok(meta);
    const loaded = packagesLoadedAtStart(meta, outputOf(meta, 'src/cli/manager.ts'));
    assert.ok(loaded.has('zod') && loaded.has('prom-client'), `the walk found ${[...loaded].join(', ')}`);
    for (const heavy of ['mysql2', 'yaml', '@kubernetes/client-node']) assert.ok(!loaded.has(heavy), heavy);
  });

  it('starts the register sidecar with the logger and without the schema, the metrics or the driver', () => {
    assert.ok(meta);
    const loaded = packagesLoadedAtStart(meta, outputOf(meta, 'src/cli/register.ts'));
    assert.ok(loaded.has('pino'), `the walk found ${[...loaded].join(', ')}`);
    for (const heavy of ['zod', 'prom-client', 'mysql2', 'yaml']) assert.ok(!loaded.has(heavy), heavy);
  });

  it('keeps the MySQL driver in a chunk of its own, loaded on the first FE connection', () => {
    assert.ok(meta);
    const driverChunks = Object.entries(meta.outputs).filter(([, output]) =>
      Object.keys(output.inputs).some((input) => input.includes('node_modules/mysql2/')),
    );
    assert.equal(driverChunks.length, 1);
  });
});
