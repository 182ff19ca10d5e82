// CLI: `tsx testbed/real-node/main.ts up --image <archive>... --sandbox-image <ref>` | `down [--keep-logs]`.
// The node's root is REAL_NODE_ROOT (default /var/lib/starrocks-cn-real-node). `up` prints shell export lines for
// the tests (KUBECONFIG, CONTROL_PLANE_DIR, KUBECTL, OPERATOR_KUBECONFIG, REAL_NODE_ROOT, REAL_NODE_HOST);
// progress goes to stderr.
import { Command } from 'commander';
import { envLines } from '../control-plane/control-plane.js';
import { realNodeLayout, realNodeRoot, REAL_NODE_NET } from './layout.js';
import { realNodeDown, realNodeUp } from './node.js';

const log = (line: string): void => {
  process.stderr.write(`[real-node ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

const program = new Command('real-node').description('A real kubelet node on a bare test control plane');

program
  .command('up')
  .description('remove what an earlier run left, then start the control plane, containerd and the kubelet')
  .requiredOption('--image <archive...>', 'OCI image archives to import into containerd')
  .requiredOption('--sandbox-image <ref>', 'the pod sandbox image (one of the archives)')
  .action(async (options: { image: string[]; sandboxImage: string }) => {
    const root = realNodeRoot(process.env);
    await realNodeUp({ root, imageArchives: options.image, sandboxImage: options.sandboxImage, log });
    const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;
    const lines = [
      ...(await envLines(realNodeLayout(root).controlPlaneDir)),
      `export REAL_NODE_ROOT=${quote(root)}`,
      `export REAL_NODE_HOST=${quote(REAL_NODE_NET.hostAddress)}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  });

program
  .command('down')
  .description('stop everything by pid and undo every change to the machine (safe to repeat)')
  .option('--keep-logs', 'keep the logs folder of the node and its control plane')
  .action(async (options: { keepLogs?: boolean }) => {
    await realNodeDown({ root: realNodeRoot(process.env), log, keepLogs: options.keepLogs ?? false });
    log('down');
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
}
