// Writes the generated files: from the ComputeNodeGroup schema the CRD (plain and as a Helm chart template) and the
// API reference; from the access tables of the manager, leader election and the custom metrics API every Role,
// ClusterRole and binding of deploy/ and the Helm chart (src/rbac/); the Grafana dashboard (deploy/monitoring/ and the
// chart), the chart's copy of deploy/monitoring/alerts.yaml (Helm reads only files inside the chart), and the tables of
// docs/ that restate the manager's flags and the child kinds (src/docs/).
//   npx tsx hack/generate.ts          write them
//   npx tsx hack/generate.ts --check  exit 1, naming each file, when a committed file differs from what it would write
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../src/api/v1alpha1/generated.js';
import { docsFiles } from '../src/docs/tables.js';
import { rbacFiles } from '../src/rbac/files.js';
import { grafanaDashboard } from '../src/monitoring/dashboard.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function readOrEmpty(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const CHART_FILES = 'charts/starrocks-cn-operator/files';

function monitoringFiles(): [string, string][] {
  const dashboard = `${JSON.stringify(grafanaDashboard(), null, 2)}\n`;
  const alerts = readFileSync(join(root, 'deploy/monitoring/alerts.yaml'), 'utf8');
  return [
    ['deploy/monitoring/grafana-dashboard.json', dashboard],
    [`${CHART_FILES}/grafana-dashboard.json`, dashboard],
    [`${CHART_FILES}/alerts.yaml`, alerts],
  ];
}

function main(): number {
  const check = process.argv.includes('--check');
  let stale = 0;
  const read = (relative: string): string => readFileSync(join(root, relative), 'utf8');
  const files = [...generatedFiles(), ...rbacFiles(), ...monitoringFiles(), ...docsFiles(read)];
  for (const [relative, content] of files) {
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
