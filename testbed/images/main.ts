// CLI: `node --import tsx testbed/images/main.ts build --out <dir> [--dist <dir>] [--cache <dir>]`.
// Prints one JSON line per image ({ref, archive, bytes, layerBytes}) on stdout; progress goes to stderr.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { buildTestImages } from './build.js';

const USAGE = 'usage: main.ts build --out <dir> [--dist <built dist dir>] [--cache <download cache dir>]';

const BuildArgs = z.object({
  command: z.literal('build'),
  out: z.string().min(1),
  dist: z.string().min(1).optional(),
  cache: z.string().min(1).optional(),
});

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { out: { type: 'string' }, dist: { type: 'string' }, cache: { type: 'string' } },
  });
  const parsed = BuildArgs.safeParse({ command: positionals[0], ...values });
  if (!parsed.success || positionals.length !== 1) throw new Error(USAGE);
  const args = parsed.data;
  const started = Date.now();
  const images = await buildTestImages({
    outDir: args.out,
    distDir: args.dist,
    cacheDir: args.cache,
    log: (message) => process.stderr.write(`images: ${message}\n`),
  });
  for (const image of images) {
    const { ref, archive, bytes, layerBytes } = image;
    process.stdout.write(`${JSON.stringify({ ref, archive, bytes, layerBytes })}\n`);
  }
  process.stderr.write(`images: built ${images.length} images in ${Date.now() - started} ms\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
