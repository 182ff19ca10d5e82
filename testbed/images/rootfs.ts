// The small files every image needs besides its programs: users (so `runAsNonRoot` with 65532 and tools that look
// the user up work), a /tmp, and busybox's applet links.
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const NONROOT_UID = 65532;

/** /etc/passwd: root and nonroot (65532, as distroless names it). No home to write to: the root fs is read-only. */
export const PASSWD = `root:x:0:0:root:/root:/bin/sh\nnonroot:x:${NONROOT_UID}:${NONROOT_UID}:nonroot:/nonexistent:/sbin/nologin\n`;
export const GROUP = `root:x:0:\nnonroot:x:${NONROOT_UID}:\n`;

/**
 * The busybox applets the tests and the operator's hooks use: the preStop hook runs the drain gate (date, sed, sleep, wget, timeout) and then
 * `/bin/sh -c "timeout N /opt/starrocks/cn/bin/stop_cn.sh -g || true"`; the stop script uses cat, kill, sleep and
 * test; the rest help a human with `kubectl exec`.
 */
export const BUSYBOX_APPLETS = [
  '[',
  'cat',
  'date',
  'echo',
  'env',
  'false',
  'grep',
  'id',
  'kill',
  'ls',
  'mkdir',
  'nc',
  'printf',
  'ps',
  'rm',
  'sed',
  'sh',
  'sleep',
  'test',
  'timeout',
  'true',
  'wget',
] as const;

export async function writeUsersAndTmp(rootfs: string): Promise<void> {
  await mkdir(path.join(rootfs, 'etc'), { recursive: true });
  await writeFile(path.join(rootfs, 'etc', 'passwd'), PASSWD, { mode: 0o644 });
  await writeFile(path.join(rootfs, 'etc', 'group'), GROUP, { mode: 0o644 });
  const tmp = path.join(rootfs, 'tmp');
  await mkdir(tmp, { recursive: true });
  await chmod(tmp, 0o1777); // mkdir's mode is masked by the umask; sticky and world-writable like any /tmp
}

/** Links the applets to /bin/busybox (which busybox-static's .deb installs). */
export async function linkBusyboxApplets(rootfs: string): Promise<void> {
  await mkdir(path.join(rootfs, 'bin'), { recursive: true });
  for (const applet of BUSYBOX_APPLETS) await symlink('busybox', path.join(rootfs, 'bin', applet));
}
