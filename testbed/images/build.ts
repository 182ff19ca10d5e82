// Builds the real-node tests' images as OCI archives: the layers first (each once, shared layers reused by
// digest), then one archive per image. Sequential on purpose: the machines have two cores, and tar of the node
// layer is the slow step.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_ENTRYPOINT } from '../../src/builders/settings.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { APP_DIR_IN_IMAGE, checkDist, layoutApp } from './app.js';
import { writeImageArchive, type ImageSpec } from './archive.js';
import { defaultImageCacheDir } from './cache.js';
import { CN_HOME } from './cn-scripts.js';
import { writeCnEmulatorFiles } from './cn-emulator-files.js';
import { BUSYBOX_PACKAGE, NODE_RUNTIME_PACKAGES, extractDeb, fetchDeb, pruneDocs } from './debs.js';
import { tarLayer, type Layer } from './layer.js';
import { fetchNodeTarball, installNode } from './node-runtime.js';
import { CN_2022_IMAGE_REF, CN_EMULATOR_IMAGE_REF, OPERATOR_IMAGE_REF, PAUSE_IMAGE_REF } from './refs.js';
import { NONROOT_UID, linkBusyboxApplets, writeUsersAndTmp } from './rootfs.js';

export interface BuildOptions {
  outDir: string;
  log?: (message: string) => void;
  /** Default: this repository. */
  repoRoot?: string;
  /** Built output to ship; default <repoRoot>/dist. */
  distDir?: string;
  /** Downloaded .debs and the node tarball; default <cache root of versions.env>/images (defaultImageCacheDir). */
  cacheDir?: string;
}

export interface BuiltImage {
  /** The fully normalized name containerd stores the image under. */
  ref: string;
  /** The OCI archive, for `ctr -n k8s.io images import`. */
  archive: string;
  /** Size of the archive. */
  bytes: number;
  /** Sum of the (uncompressed) layer sizes. */
  layerBytes: number;
  manifestDigest: string;
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The pause stand-in: PID 1 of every pod sandbox. Sleeps until SIGTERM/SIGINT and exits 0 then; `sleep & wait`
 * so the trap runs at once instead of after the sleep.
 */
export const PAUSE_SCRIPT = 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done';

/** `docker.io/library/starrocks-cn-operator:test` -> `starrocks-cn-operator_test.oci.tar`. */
export function archiveFileName(ref: string): string {
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  return `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.oci.tar`;
}

export async function buildTestImages(options: BuildOptions): Promise<BuiltImage[]> {
  const log = options.log ?? (() => undefined);
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  const cacheDir = options.cacheDir ?? defaultImageCacheDir();
  const outDir = path.resolve(options.outDir);
  checkDist(options.distDir ?? path.join(repoRoot, 'dist')); // before any download
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(path.join(outDir, '.work-'));
  try {
    const stage = async (name: string, fill: (rootfs: string) => Promise<void>): Promise<Layer> => {
      const started = Date.now();
      const rootfs = path.join(work, name);
      await mkdir(rootfs, { recursive: true });
      await fill(rootfs);
      const layer = await tarLayer(rootfs, path.join(work, `${name}.tar`));
      await rm(rootfs, { recursive: true, force: true });
      log(`layer ${name}: ${layer.size} bytes, ${layer.digest} (${Date.now() - started} ms)`);
      return layer;
    };

    const nodeBase = await stage('node-base', async (rootfs) => {
      for (const pkg of NODE_RUNTIME_PACKAGES) await extractDeb(await fetchDeb(pkg, cacheDir), rootfs);
      await installNode(await fetchNodeTarball(cacheDir), rootfs);
      await pruneDocs(rootfs);
      await writeUsersAndTmp(rootfs);
    });
    const busybox = await stage('busybox', async (rootfs) => {
      await extractDeb(await fetchDeb(BUSYBOX_PACKAGE, cacheDir), rootfs);
      await pruneDocs(rootfs);
      await linkBusyboxApplets(rootfs);
      await writeUsersAndTmp(rootfs);
    });
    const app = await stage('app', (rootfs) => layoutApp({ repoRoot, distDir: options.distDir }, rootfs, work));
    const cnEmulator = await stage('cn-emulator', (rootfs) => writeCnEmulatorFiles(repoRoot, rootfs));
    const cn2022 = await stage('cn-2022', async (rootfs) => {
      await mkdir(path.join(rootfs, 'opt', 'starrocks'), { recursive: true });
    });

    const specs: ImageSpec[] = [
      {
        ref: OPERATOR_IMAGE_REF,
        layers: [nodeBase, app],
        run: {
          entrypoint: [...IMAGE_ENTRYPOINT],
          cmd: ['manager'],
          user: `${NONROOT_UID}:${NONROOT_UID}`,
          env: [PATH_ENV, 'NODE_ENV=production'],
          workingDir: APP_DIR_IN_IMAGE,
        },
      },
      {
        ref: CN_EMULATOR_IMAGE_REF,
        layers: [nodeBase, busybox, cnEmulator],
        run: {
          entrypoint: [`${CN_HOME}/bin/start_cn.sh`],
          env: [PATH_ENV, `STARROCKS_HOME=${CN_HOME}`],
          workingDir: '/opt/starrocks',
        },
      },
      {
        ref: CN_2022_IMAGE_REF,
        layers: [busybox, cn2022],
        run: { entrypoint: ['/bin/sh'], env: [PATH_ENV], workingDir: '/opt/starrocks' },
      },
      {
        ref: PAUSE_IMAGE_REF,
        layers: [busybox],
        run: { entrypoint: ['/bin/sh', '-c', PAUSE_SCRIPT], env: [PATH_ENV], workingDir: '/' },
      },
    ];
    const built: BuiltImage[] = [];
    for (const spec of specs) {
      const written = await writeImageArchive(spec, path.join(outDir, archiveFileName(spec.ref)));
      log(`image ${spec.ref}: ${written.archive} (${written.bytes} bytes)`);
      built.push({
        ref: spec.ref,
        archive: written.archive,
        bytes: written.bytes,
        layerBytes: written.layerBytes,
        manifestDigest: written.manifestDigest,
      });
    }
    return built;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
