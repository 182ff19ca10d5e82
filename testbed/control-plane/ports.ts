// Loopback ports for one control plane. The kernel hands out free ephemeral ports; the well-known ports of the
// database and broker services the project's examples use are never taken, so a developer's local services and
// the tests do not collide.
import net from 'node:net';

export interface Ports {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiServer: number;
  readonly controllerManager: number;
  readonly scheduler: number;
  readonly kwok: number;
  readonly metricsApi: number;
}

export const PORT_NAMES = [
  'etcdClient',
  'etcdPeer',
  'apiServer',
  'controllerManager',
  'scheduler',
  'kwok',
  'metricsApi',
] as const satisfies readonly (keyof Ports)[];

/** Ports that belong to services a developer may run locally (PostgreSQL, MySQL, Redis, AMQP, MQTT, NATS). */
export const AVOIDED_PORTS: ReadonlySet<number> = new Set([5432, 3306, 6379, 5672, 1883, 4222]);

/** Whether a set of ports is usable: distinct, in range, none of the avoided ones. Returns the problems found. */
export function checkPorts(ports: Ports): string[] {
  const problems: string[] = [];
  const seen = new Map<number, string>();
  for (const name of PORT_NAMES) {
    const port = ports[name];
    if (!Number.isInteger(port) || port < 1024 || port > 65535)
      problems.push(`${name}: ${port} is not a port in 1024-65535`);
    if (AVOIDED_PORTS.has(port)) problems.push(`${name}: ${port} is reserved for local services`);
    const other = seen.get(port);
    if (other !== undefined) problems.push(`${name}: ${port} is already used by ${other}`);
    seen.set(port, name);
  }
  return problems;
}

/** Asks the kernel for a free port on 127.0.0.1 (bind to port 0, read it, close). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the kernel assigned'));
      });
    });
  });
}

/** Picks one free loopback port per component, distinct and away from the avoided ports (bounded attempts). */
export async function pickPorts(maxAttempts = 50): Promise<Ports> {
  const chosen: number[] = [];
  for (let attempt = 0; attempt < maxAttempts && chosen.length < PORT_NAMES.length; attempt++) {
    const port = await freeLoopbackPort();
    if (!AVOIDED_PORTS.has(port) && !chosen.includes(port)) chosen.push(port);
  }
  if (chosen.length < PORT_NAMES.length) {
    throw new Error(`could not find ${PORT_NAMES.length} free loopback ports in ${maxAttempts} attempts`);
  }
  const next = (): number => {
    const port = chosen.shift();
    if (port === undefined) throw new Error('internal: ran out of chosen ports');
    return port;
  };
  return {
    etcdClient: next(),
    etcdPeer: next(),
    apiServer: next(),
    controllerManager: next(),
    scheduler: next(),
    kwok: next(),
    metricsApi: next(),
  };
}
