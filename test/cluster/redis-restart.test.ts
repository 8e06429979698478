/**
 * Cluster test 4 (design/scale-out.md): Redis is SIGKILLed mid-storm and started again (empty, as it
 * runs without persistence). Instances keep serving meanwhile (the head poll carries the fan-out), then
 * everything converges, updates were backfilled from PostgreSQL and every reader loop runs again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { groupNames, until } from '../sync-server/helpers.ts';
import { type Cluster, setupWorkspace, startCluster } from './harness.ts';
import { converged, received, spreadClients, storm } from './storm.ts';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster(3);
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

const health = async (i: number) =>
  (await (await fetch(`${c.instances[i]!.url}/healthz`)).json()) as {
    cluster: { redis: string; readerLoop: string; fanout: string };
  };

it('keeps serving through a Redis SIGKILL and restart, backfills, and the reader loops come back', async () => {
  if (!c.redis.owned) return; // REDIS_URL names a server this test may not kill
  const token = await setupWorkspace(c, 'redis');
  const clients = await spreadClients(c, 'redis', token, 2);
  const s = storm(clients);
  await new Promise((r) => setTimeout(r, 700));
  await c.redis.kill('SIGKILL');
  await until(async () => (await health(0)).cluster.redis === 'down', 5_000, 'healthz says redis down');
  expect((await health(0)).cluster.fanout).toBe('head-poll');
  await new Promise((r) => setTimeout(r, 2_500));
  await c.redis.restart();
  await new Promise((r) => setTimeout(r, 1_000));
  await s.stop();
  const names = await converged(c, 'redis', token, clients, 30_000);
  expect(names.length).toBeGreaterThan(0);
  const stored = new Set(groupNames(await c.storedDoc('redis')));
  expect([...received(clients)].filter((n) => !stored.has(n))).toEqual([]);
  const m = await Promise.all([0, 1, 2].map((i) => c.metrics(i)));
  expect(m.reduce((n, x) => n + (x.gatehouse_updates_backfilled_total ?? 0), 0)).toBeGreaterThan(0);
  await until(
    async () =>
      (await Promise.all([0, 1, 2].map(health))).every(
        (h) => h.cluster.readerLoop === 'running' && h.cluster.redis === 'up',
      ),
    15_000,
    'reader loops running again',
  );
  for (const cl of clients) cl.destroy();
}, 120_000);
