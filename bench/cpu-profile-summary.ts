// Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from bench/operator-memory.ts --node-flags="--cpu-prof
// --cpu-prof-dir=DIR"): the sampled CPU time by package or source file, and the functions with the most self time.
//   node --import tsx bench/cpu-profile-summary.ts <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (file === undefined) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [--top N]');
const top = Number(values.top);

const Profile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
const profile = Profile.parse(JSON.parse(readFileSync(file, 'utf8')));

/** Where a frame's code comes from: a package, a file of this project, Node's own code, or V8's pseudo frames. */
function origin(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  const own = /\/dist\/(.+)$/.exec(url);
  return own?.[1] ?? url;
}

const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, index) => {
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});
const total = [...selfMicros.values()].reduce((sum, micros) => sum + micros, 0);

const byOrigin = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const frame = nodeById.get(id)?.callFrame;
  if (frame === undefined) continue;
  const where = origin(frame.url, frame.functionName);
  byOrigin.set(where, (byOrigin.get(where) ?? 0) + micros);
  const name = `${frame.functionName || '(anonymous)'}  ${where}:${frame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
}

function print(title: string, entries: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = ((micros / total) * 100).toFixed(1).padStart(5);
    console.log(`${(micros / 1e6).toFixed(2).padStart(8)} s ${share} %  ${name}`);
  }
}

console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
print('self time by origin', byOrigin);
print('functions with the most self time', byFunction);
