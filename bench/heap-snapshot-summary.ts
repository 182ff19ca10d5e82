// Summarises a V8 heap snapshot (e.g. from bench/operator-memory.ts --heap-snapshot DIR): the heap's total self size,
// then the node types and the constructors (objects) or string lengths that hold the most bytes, with their counts.
// Self sizes only: what each object occupies itself, not what it keeps alive.
//   node --import tsx bench/heap-snapshot-summary.ts <file.heapsnapshot> [--top 30]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
const file = positionals[0];
if (file === undefined) throw new Error('usage: heap-snapshot-summary.ts <file.heapsnapshot> [--top N]');
const top = Number(values.top);

const Snapshot = z.object({
  snapshot: z.object({
    meta: z.object({
      node_fields: z.array(z.string()),
      node_types: z.array(z.unknown()),
    }),
  }),
  nodes: z.array(z.number()),
  strings: z.array(z.string()),
});
const snapshot = Snapshot.parse(JSON.parse(readFileSync(file, 'utf8')));
const fields = snapshot.snapshot.meta.node_fields;
const typeNames = z.array(z.string()).parse(snapshot.snapshot.meta.node_types[0]);
const at = (name: string): number => {
  const index = fields.indexOf(name);
  if (index < 0) throw new Error(`the snapshot's nodes have no ${name} field`);
  return index;
};
const TYPE = at('type');
const NAME = at('name');
const SELF_SIZE = at('self_size');
const width = fields.length;

interface Tally {
  bytes: number;
  count: number;
}
const add = (map: Map<string, Tally>, key: string, bytes: number): void => {
  const tally = map.get(key) ?? { bytes: 0, count: 0 };
  tally.bytes += bytes;
  tally.count += 1;
  map.set(key, tally);
};

const byType = new Map<string, Tally>();
const byName = new Map<string, Tally>();
let total = 0;
for (let offset = 0; offset < snapshot.nodes.length; offset += width) {
  const type = typeNames[snapshot.nodes[offset + TYPE] ?? -1] ?? 'unknown';
  const bytes = snapshot.nodes[offset + SELF_SIZE] ?? 0;
  total += bytes;
  add(byType, type, bytes);
  if (type === 'object' || type === 'closure' || type === 'array') {
    add(byName, `${type} ${snapshot.strings[snapshot.nodes[offset + NAME] ?? -1] ?? '?'}`, bytes);
  } else if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
    const length = (snapshot.strings[snapshot.nodes[offset + NAME] ?? -1] ?? '').length;
    add(byName, `string of ${length < 64 ? 'under 64' : length < 1024 ? '64 to 1023' : '1024 or more'} chars`, bytes);
  } else {
    add(byName, type, bytes);
  }
}

const MiB = (bytes: number): string => (bytes / 1024 / 1024).toFixed(2).padStart(8);
const table = (title: string, map: Map<string, Tally>): void => {
  console.log(`\n${title}`);
  for (const [key, tally] of [...map].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
    console.log(`${MiB(tally.bytes)} MiB ${String(tally.count).padStart(9)}  ${key}`);
  }
};
console.log(`${file}: ${MiB(total).trim()} MiB of self size in ${snapshot.nodes.length / width} nodes`);
table('by node type', byType);
table(`top ${top} by constructor or kind`, byName);
