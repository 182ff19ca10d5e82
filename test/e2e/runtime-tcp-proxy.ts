// A loopback TCP proxy in front of the API server for the runtime e2e tests: it can cut every open connection
// (a broken watch), refuse new ones (an unreachable API server) and freeze traffic (a half-open connection), which a
// real control plane cannot be asked to do on cue. TLS passes through untouched.
import net from 'node:net';
import type { KubeConnection } from '../../src/kube/kubeconfig.js';

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private refusing = false;
  private readonly pairs = new Set<{ frozen: boolean }>();
  private server: net.Server | undefined;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, this.targetHost);
      const pair = { frozen: false };
      this.pairs.add(pair);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk: Buffer) => {
        if (!pair.frozen) upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!pair.frozen) client.write(chunk);
      });
      client.on('close', () => {
        this.pairs.delete(pair);
        upstream.destroy();
      });
      // A frozen connection keeps the client side open even when the server closes: a true half-open connection.
      upstream.on('close', () => {
        if (!pair.frozen) client.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    this.server = server;
  }

  /** Resets every open connection. */
  cutAll(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  /** While true, new connections are closed at once. */
  setRefusing(refusing: boolean): void {
    this.refusing = refusing;
  }

  /**
   * Freezes every connection open now: bytes are dropped both ways and a close by the server is not passed on, so
   * the client holds a connection that looks alive and says nothing. New connections work normally.
   */
  freezeExisting(): void {
    for (const pair of this.pairs) pair.frozen = true;
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => {
      if (!this.server) {
        resolve();
        return;
      }
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/** A proxy in front of `connection`'s API server, and a copy of the connection that goes through it. */
export async function proxiedConnection(
  connection: KubeConnection,
): Promise<{ proxy: TcpProxy; connection: KubeConnection }> {
  const server = connection.server;
  if (server.hostname !== '127.0.0.1' && server.hostname !== 'localhost') {
    throw new Error(`refusing to proxy a non-loopback API server ${server.host}`);
  }
  const proxy = new TcpProxy(server.hostname, Number(server.port || 443));
  await proxy.start();
  const proxied = new URL(server);
  proxied.port = String(proxy.port);
  // The certificate names the API server's address, not the proxy's port: only the port changes.
  return { proxy, connection: { ...connection, server: proxied, source: `${connection.source} via a proxy` } };
}
