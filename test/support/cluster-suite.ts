/**
 * The 2-instance run of the existing suites: with `GATEHOUSE_TEST_CLUSTER=2`, a test's server is N
 * Gatehouse instances (in this process, each with its own context, PostgreSQL pool and Redis links) over
 * a throwaway PostgreSQL (one per test file, a migrated database per data dir) and a fresh Redis per data
 * dir (its pub/sub channels — revocations, login counters — are global, so two clusters of one file must
 * not share one), behind a round-robin TCP front on one port: each new connection goes to the next
 * instance, so a browser's socket and a REST call land on different instances and everything between
 * them goes through PostgreSQL and Redis. `server` is the first instance (tests read its setup token and
 * context); every instance is given the same setup token, so first-run setup works through the front.
 */
import net from 'node:net';
import { afterAll } from 'vitest';
import type { ServerConfig } from '../../sync-server/config.ts';
import { createGatehouseServer, type GatehouseServer } from '../../sync-server/server.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';
import { startRedis, type TestRedis } from './redis.ts';

/** Instances per test server: 0 (unset) runs the suites on one in-process server as before. */
export const TEST_CLUSTER_SIZE = Number(process.env.GATEHOUSE_TEST_CLUSTER ?? 0);
export const onTestCluster = TEST_CLUSTER_SIZE >= 2;

export interface ClusterInstance {
  readonly server: GatehouseServer;
  readonly url: string;
}

export interface ServedCluster {
  /** The first instance. */
  readonly server: GatehouseServer;
  readonly instances: readonly ClusterInstance[];
  /** The front's URL (`http://127.0.0.1:<port>`). */
  readonly url: string;
  close(): Promise<void>;
}

interface Front {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A TCP front on a free loopback port: connection k goes to `ports[k % n]`, bytes piped both ways, from
 * the client's address (a test of per-IP limits binds 127.0.0.2).
 */
export function roundRobinFront(ports: readonly number[], listenPort = 0): Promise<Front> {
  const open = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    // From the client's own loopback address (any 127.x is local), so an instance sees the client's IP.
    const from = client.remoteAddress?.replace(/^::ffff:/, '');
    const upstream = net.connect({
      port: ports[next++ % ports.length]!,
      host: '127.0.0.1',
      ...(from?.startsWith('127.') ? { localAddress: from } : {}),
    });
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of open) s.destroy();
            open.clear();
            server.close(() => done());
          }),
      });
    });
  });
}

let postgres: Promise<TestPostgres> | null = null;
/** Per data dir: its database and its Redis, so a restart on the same dir finds its data again. */
const backends = new Map<string, Promise<{ databaseUrl: string; redis: TestRedis }>>();
if (onTestCluster)
  afterAll(async () => {
    for (const b of backends.values()) await (await b.catch(() => null))?.redis.stop();
    backends.clear();
    if (postgres) await (await postgres).stop();
    postgres = null;
  });

function backendsFor(dataDir: string): Promise<{ databaseUrl: string; redis: TestRedis }> {
  let b = backends.get(dataDir);
  if (!b) {
    postgres ??= startPostgres();
    const pg = postgres;
    b = (async () => {
      const [databaseUrl, redis] = await Promise.all([
        pg.then((p) => p.createDatabase({ migrated: true })),
        startRedis(),
      ]);
      return { databaseUrl, redis };
    })();
    backends.set(dataDir, b);
  }
  return b;
}

/**
 * Starts TEST_CLUSTER_SIZE instances with `config` (a full test config: port 0, loopback, its data dir)
 * over the data dir's PostgreSQL database and Redis, and the front over them.
 */
export async function startServedCluster(
  config: Partial<ServerConfig> & { readonly dataDir: string },
  size = TEST_CLUSTER_SIZE,
): Promise<ServedCluster> {
  const { databaseUrl, redis } = await backendsFor(config.dataDir);
  const instances: ClusterInstance[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const server = await createGatehouseServer({
        clusterHeadPollMs: 1000,
        ...config,
        port: 0, // the front takes the test's port (a restart on the same port)
        databaseUrl,
        redisUrl: redis.url,
      });
      const { port } = await server.listen();
      instances.push({ server, url: `http://127.0.0.1:${port}` });
    }
  } catch (err) {
    for (const inst of instances) await inst.server.close().catch(() => {});
    throw err;
  }
  const first = instances[0]!.server;
  // Each instance makes its own first-run token; the operator opens any one, so tests use the first's.
  for (const inst of instances) inst.server.ctx.setupToken = first.ctx.setupToken;
  const ports = instances.map((inst) => Number(new URL(inst.url).port));
  const front = await roundRobinFront(ports, config.port ?? 0).catch(async (err: unknown) => {
    for (const inst of instances) await inst.server.close().catch(() => {});
    throw err;
  });
  return {
    server: first,
    instances,
    url: `http://127.0.0.1:${front.port}`,
    async close() {
      await front.close();
      for (const inst of instances) await inst.server.close();
    },
  };
}

/**
 * One server (`config.dataDir` on SQLite, as before) or, with GATEHOUSE_TEST_CLUSTER=2, the cluster behind
 * its front: the same shape either way, for harnesses that start servers themselves (test/e2e).
 */
export async function serve(
  config: Partial<ServerConfig> & { readonly dataDir: string },
): Promise<ServedCluster> {
  if (onTestCluster) return startServedCluster(config);
  const server = await createGatehouseServer(config);
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  return { server, instances: [{ server, url }], url, close: () => server.close() };
}
