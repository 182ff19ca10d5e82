// Builds dist/: the program and its dependencies bundled by esbuild into dist/cli/main.js and one chunk per
// subcommand (the lazy `import()`s of src/cli/program.ts stay lazy, so the register sidecar never loads the manager).
// Why a bundle rather than tsc's one file per module: the manager's memory and start. Loading ~300 separate ES
// modules (ours and zod's, pino's, prom-client's) peaked at 70 MiB resident and settled at 63 MiB in the first idle
// minute; the same code as a few chunks, unused exports dropped and whitespace removed, peaks at 58 MiB and settles
// at 59 MiB, and is ready 300 ms sooner (docs/benchmarks.md). Types are checked by `tsc --noEmit` first; esbuild
// only strips them, which `isolatedModules` and `verbatimModuleSyntax` make exact.
// Usage: tsx hack/bundle.ts [outdir]   (default dist)
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundled CommonJS dependencies (pino, prom-client, mysql2) call `require` for Node's own modules; an ES module has
 * no `require`, so each output file makes one from its own URL.
 */
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** Replaces `outDir` with the bundle; returns esbuild's account of which inputs went into which output. */
export async function bundle(outDir: string): Promise<Metafile> {
  await rm(outDir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: ['src/cli/main.ts'],
    outdir: path.join(outDir, 'cli'),
    // Chunks sit beside main.js: src/cli/program.ts finds package.json two folders up from its own file.
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: REQUIRE_SHIM },
    // Names stay as written, so stack traces and profiles still read; whitespace is most of the saving.
    minifyWhitespace: true,
    minifySyntax: true,
    // For `node --enable-source-maps` when a stack trace must point at src/; not loaded otherwise.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'eof',
    logLevel: 'warning',
    metafile: true,
  });
  return result.metafile;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundle(path.resolve(repoRoot, process.argv[2] ?? 'dist'));
}
