/**
 * Cluster test 6 (design/scale-out.md), mid-storm each time: an instance SIGSTOPped for 5 s, Redis
 * SIGSTOPped, and instance 2 cut from Redis for 3 s (it reaches Redis through a TCP proxy,
 * test/support/tcp-proxy.ts, that resets its connections): the instance catches up (stream, gap backfill
 * or head poll) and everything converges; during the cut /healthz says Redis is down and the fan-out runs
 * on the head poll; after it the connections are back and the reader loops run again. Each case storms
 * a workspace of its own, so no doc grows past a few thousand groups.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { groupNames, until } from '../sync-server/helpers.ts';
import { type Cluster, createWorkspace, setupWorkspace, startCluster } from './harness.ts';
import { converged, received, spreadClients, storm } from './storm.ts';

let c: Cluster;
let proxy: TcpProxy;
let token: string;
beforeAll(async () => {
  c = await startCluster(3);
  const redisUrl = new URL(c.redis.url);
  proxy = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port));
  await c.kill(2);
  await c.start(2, { REDIS_URL: `redis://127.0.0.1:${proxy.port}` }); // instance 2 reaches Redis through the proxy
  token = await setupWorkspace(c, 'stall');
}, 60_000);
afterAll(async () => {
  await c?.stop();
  await proxy?.close();
});

interface Health {
  cluster: { redis: string; readerLoop: string; fanout: string };
}
/**
 * An instance's /healthz, or null when the request itself failed (a kept-alive connection the server
 * closed just as it was reused fails one fetch; a dead instance fails every one, and the wait times out
 * with its output).
 */
const health = async (i: number): Promise<Health | null> => {
  try {
    return (await (await fetch(`${c.instances[i]!.url}/healthz`)).json()) as Health;
  } catch {
    return null;
  }
};
const healthIs = (i: number, ok: (h: Health['cluster']) => boolean, ms: number, what: string) =>
  until(
    async () => {
      const h = await health(i);
      return h !== null && ok(h.cluster);
    },
    ms,
    what,
  ).catch((err) => {
    throw new Error(`${(err as Error).message}: ${c.instances[i]!.output.slice(-2000)}`);
  });

async function during(slug: string, fault: () => Promise<void>): Promise<void> {
  await createWorkspace(c, token, slug);
  const clients = await spreadClients(c, slug, token, 2);
  const s = storm(clients, 20);
  await new Promise((r) => setTimeout(r, 500));
  await fault();
  await new Promise((r) => setTimeout(r, 500));
  await s.stop();
  const names = await converged(c, slug, token, clients, 40_000);
  expect(names.length).toBeGreaterThan(0);
  const stored = new Set(groupNames(await c.storedDoc(slug)));
  expect([...received(clients)].filter((n) => !stored.has(n))).toEqual([]);
  for (const i of [0, 1, 2])
    await healthIs(i, (h) => h.readerLoop === 'running', 15_000, 'reader loops running');
  for (const cl of clients) cl.destroy();
}

it('an instance SIGSTOPped for 5 s catches up', async () => {
  await during('stop5', async () => {
    c.instances[1]!.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 5_000));
    c.instances[1]!.child.kill('SIGCONT');
  });
}, 120_000);

it('Redis SIGSTOPped for 4 s: the head poll carries the fan-out, then the stream again', async () => {
  if (!c.redis.owned) return;
  await during('redisstop', async () => {
    c.redis.pause();
    await new Promise((r) => setTimeout(r, 4_000));
    c.redis.resume();
  });
}, 120_000);

it('instance 2 cut from Redis for 3 s: head poll meanwhile, reconnected after, converged', async () => {
  await during('cut', async () => {
    const before = await c.metrics(2);
    await proxy.cut();
    await healthIs(
      2,
      (h) => h.redis === 'down' && h.fanout === 'head-poll',
      5_000,
      'healthz says redis down',
    );
    await new Promise((r) => setTimeout(r, 3_000));
    // What reached instance 2 meanwhile came from PostgreSQL (the head poll and backfills), not the stream.
    expect((await c.metrics(2)).gatehouse_updates_backfilled_total).toBeGreaterThan(
      before.gatehouse_updates_backfilled_total ?? 0,
    );
    await proxy.heal();
    await healthIs(2, (h) => h.redis === 'up' && h.fanout === 'stream', 15_000, 'redis back');
  });
}, 120_000);
