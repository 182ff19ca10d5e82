// Writes the generated files: from the ComputeNodeGroup schema the CRD (plain and as a Helm chart template) and the
// API reference; from the tables of kinds the operator touches its RBAC rules (deploy/ and the Helm chart).
//   npx tsx hack/generate.ts          write them
//   npx tsx hack/generate.ts --check  exit 1, naming each file, when a committed file differs from what it would write
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../src/api/v1alpha1/generated.js';
import { rbacFiles } from '../src/controllers/computenodegroup/rbac.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function readOrEmpty(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function main(): number {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [relative, content] of [...generatedFiles(), ...rbacFiles()]) {
    const path = join(root, relative);
    if (readOrEmpty(path) === content) continue;
    if (check) {
      console.error(`${relative} is out of date: run npm run generate and commit the result`);
      stale += 1;
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      console.log(`wrote ${relative}`);
    }
  }
  return stale === 0 ? 0 : 1;
}

process.exitCode = main();
