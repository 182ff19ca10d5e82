// Memory of real containers on the real node: the operator (in-cluster, from its image) and the CN pods' `register`
// sidecars, sampled from the kubelet's stats summary (through the API server) while a group of CNs runs idle. Starts
// and removes the real node itself (root; the images and dist/ are built first, as hack/real-node.sh does).
//   npm run build && node --import tsx bench/real-pod-memory.ts [--cns 3] [--minutes 5] [--every 15]
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import path from 'node:path';
import os from 'node:os';
import { REPO_ROOT, waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { buildTestImages, defaultImageCacheDir, PAUSE_IMAGE_REF } from '@starrocks-cn-operator/testbed/images';
import { realNodeDown, realNodeLayout, realNodeRoot, realNodeUp } from '@starrocks-cn-operator/testbed/real-node';

const { values } = parseArgs({
  options: {
    cns: { type: 'string', default: '3' },
    minutes: { type: 'string', default: '5' },
    every: { type: 'string', default: '15' },
  },
});
const cns = Number(values.cns);
const minutes = Number(values.minutes);
const everySeconds = Number(values.every);
const log = (line: string): void => {
  process.stderr.write(`[real-pod-memory] ${line}\n`);
};

const summarySchema = z.object({
  pods: z.array(
    z.object({
      podRef: z.object({ name: z.string(), namespace: z.string() }),
      containers: z
        .array(z.object({ name: z.string(), memory: z.object({ workingSetBytes: z.number().optional() }).optional() }))
        .optional(),
    }),
  ),
});

const root = realNodeRoot(process.env);
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

const images = await buildTestImages({
  outDir: path.join(defaultImageCacheDir(process.env, os.homedir()), 'out'),
  log,
  repoRoot: REPO_ROOT,
});
await realNodeUp({
  root,
  imageArchives: images.map((image) => image.archive),
  sandboxImage: PAUSE_IMAGE_REF,
  log,
});
try {
  // The testbed's control plane client reads these, as under hack/real-node.sh.
  const controlPlane = realNodeLayout(root).controlPlaneDir;
  process.env['KUBECONFIG'] = path.join(controlPlane, 'admin.kubeconfig');
  process.env['CONTROL_PLANE_DIR'] = controlPlane;
  process.env['REAL_NODE_HOST'] = '10.88.0.1';
  const { kubectl } = await import('@starrocks-cn-operator/testbed/control-plane');
  const { applyObjects, groupObjects, startBridgeFe, waitForReadyPods } =
    await import('../test/support/real-node/fixtures.js');
  const { installOperator } = await import('../test/support/real-node/operator.js');
  const { labelSelectorString } = await import('../src/builders/names.js');

  await installOperator();
  const fe = await startBridgeFe();
  const namespace = 'bench';
  await kubectl(['create', 'namespace', namespace]);
  await waitFor(async () => (await kubectl(['get', 'sa', 'default', '-n', namespace])).code === 0, {
    description: 'default ServiceAccount',
    timeoutMs: 30_000,
  });
  await applyObjects(groupObjects({ namespace, name: 'idle', fe, replicas: cns }));
  await waitForReadyPods(namespace, labelSelectorString({ metadata: { name: 'idle', namespace } }), cns, 240_000);
  log(`${cns} CN pods Ready; sampling every ${everySeconds} s for ${minutes} min`);

  const samples = new Map<string, number[]>();
  const deadline = Date.now() + minutes * 60_000;
  while (Date.now() < deadline) {
    const raw = await kubectl(['get', '--raw', '/api/v1/nodes/real-node-0/proxy/stats/summary']);
    const summary = summarySchema.parse(JSON.parse(raw.stdout));
    for (const pod of summary.pods) {
      for (const container of pod.containers ?? []) {
        const bytes = container.memory?.workingSetBytes;
        if (bytes === undefined) continue;
        const key =
          pod.podRef.namespace === namespace ? `cn pod ${container.name}` : `${pod.podRef.namespace} ${container.name}`;
        samples.set(key, [...(samples.get(key) ?? []), bytes]);
      }
    }
    await sleep(everySeconds * 1000);
  }
  for (const [key, values] of [...samples.entries()].sort()) {
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    console.log(
      `${key}: working set median ${mib(median)} MiB, max ${mib(sorted.at(-1) ?? 0)} MiB (${values.length} samples)`,
    );
  }
  await fe.stop();
} finally {
  await realNodeDown({ root, log });
}
