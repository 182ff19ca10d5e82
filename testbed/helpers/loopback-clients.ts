// Which process opened a loopback TCP connection. /proc/net/tcp lists every IPv4 socket with its local port and
// inode; /proc/<pid>/fd holds a `socket:[inode]` link for each socket a process has open. A server that knows a
// peer's port can so tell which of a test's processes is talking to it (two operator replicas, say). Linux only.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Inodes of the sockets bound to local port `port` in a /proc/net/tcp table (the client's end of a connection). */
export function inodesOfLocalPort(table: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const inode = fields[9];
    if (local === undefined || inode === undefined || inode === '0') continue;
    const hexPort = local.split(':')[1];
    if (hexPort !== undefined && Number.parseInt(hexPort, 16) === port) inodes.push(inode);
  }
  return inodes;
}

/** Which of `candidates` (pids) holds the client end of the loopback connection from `clientPort`; undefined if none. */
export function loopbackClientPid(clientPort: number, candidates: readonly number[]): number | undefined {
  const inodes = new Set(inodesOfLocalPort(readFileSync('/proc/net/tcp', 'utf8'), clientPort));
  if (inodes.size === 0) return undefined;
  for (const pid of candidates) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // exited
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && inodes.has(inode)) return pid;
    }
  }
  return undefined;
}
