// FE sessions for the reconciler: one FeClient per (FE addresses, user, password), reused across reconciles, and one
// shared SHOW COMPUTE NODES and SHOW RUNNING QUERIES per FE per sync period through the FeSnapshotCache. A rotated
// password gives a new key, so the next reconcile connects with it; clients nobody used for a while are closed.
import { createHash } from 'node:crypto';
import { FeClient, FeSnapshotCache, type FeClientOptions } from '../../fe/index.js';
import type { Logger } from '../../runtime/logging.js';
import type { MayAct } from '../../runtime/write-fence.js';
import type { FeCredentials } from '../../group/config.js';
import type { FePort, FeSession } from './ports.js';

export interface FeSessionPoolOptions {
  /** How long one SHOW COMPUTE NODES answer is shared. */
  syncPeriodMs: number;
  /** Clients unused for this long are closed. */
  idleCloseMs: number;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  logger?: Logger;
  /** The write fence every client asks before a statement that is not a read; default: always. */
  mayAct?: MayAct;
  now?: () => number;
  /** Replaceable in tests. */
  createClient?: (options: FeClientOptions) => FeClient;
}

interface PooledClient {
  client: FeClient;
  lastUsed: number;
}

export class FeSessionPool implements FePort {
  private readonly snapshots: FeSnapshotCache;
  private readonly clients = new Map<string, PooledClient>();
  private readonly now: () => number;

  constructor(private readonly options: FeSessionPoolOptions) {
    this.now = options.now ?? Date.now;
    this.snapshots = new FeSnapshotCache({ periodMs: options.syncPeriodMs, now: this.now });
  }

  session(addresses: readonly string[], credentials: FeCredentials): FeSession {
    const client = this.clientFor(addresses, credentials);
    const snapshots = this.snapshots;
    return {
      async computeNodes(maxAgeMs) {
        const snapshot = await snapshots.get(client, maxAgeMs);
        return {
          nodes: snapshot.nodes,
          queue: snapshot.queue,
          feAddress: client.currentAddress,
          fetchedAt: snapshot.fetchedAt,
        };
      },
      add: (list) => client.addComputeNodes(list),
      drop: (list) => client.dropComputeNodes(list),
      queriesOnHost: (host) => client.queriesOnHost(host),
      killQuery: (queryId) => client.killQuery(queryId),
      aliveBackends: () => client.aliveBackends(),
      idleStatuses: (httpPort) => client.idleStatuses(httpPort),
      invalidate: () => {
        snapshots.invalidate(client.cacheKey);
      },
    };
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map((pooled) => pooled.client.close()));
  }

  private clientFor(addresses: readonly string[], credentials: FeCredentials): FeClient {
    this.closeIdle();
    const key = poolKey(addresses, credentials);
    const pooled = this.clients.get(key);
    if (pooled !== undefined) {
      pooled.lastUsed = this.now();
      return pooled.client;
    }
    const create = this.options.createClient ?? ((options: FeClientOptions) => new FeClient(options));
    const client = create({
      addresses: [...addresses],
      user: credentials.user,
      password: credentials.password,
      ...(this.options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: this.options.connectTimeoutMs }),
      ...(this.options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: this.options.queryTimeoutMs }),
      ...(this.options.logger === undefined ? {} : { logger: this.options.logger }),
      ...(this.options.mayAct === undefined ? {} : { mayAct: this.options.mayAct }),
    });
    this.clients.set(key, { client, lastUsed: this.now() });
    return client;
  }

  private closeIdle(): void {
    const cutoff = this.now() - this.options.idleCloseMs;
    for (const [key, pooled] of this.clients) {
      if (pooled.lastUsed >= cutoff) continue;
      this.clients.delete(key);
      void pooled.client.close().catch(() => undefined);
    }
  }
}

/** The password enters the key only as a hash, so it is never held in a map key or printed with one. */
function poolKey(addresses: readonly string[], credentials: FeCredentials): string {
  const passwordHash = createHash('sha256').update(credentials.password).digest('hex');
  return JSON.stringify([[...addresses].sort(), credentials.user, passwordHash]);
}
