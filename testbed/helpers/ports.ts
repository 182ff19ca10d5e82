// Free loopback ports for the processes tests start (the kernel's choice, closed again before they are handed out).
import { once } from 'node:events';
import { createServer } from 'node:net';

/** `count` distinct free loopback ports: all held open until each is chosen, so none is handed out twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    for (const server of servers) {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port from the kernel');
      return address.port;
    });
  } finally {
    for (const server of servers) server.close();
  }
}

/** One free loopback port. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no port from the kernel');
  return port;
}
