/**
 * Cluster tests 1, 2 and 10 (design/scale-out.md): three instances over one PostgreSQL and one Redis,
 * two clients on each, a write storm: every client, every instance's doc and the doc rebuilt from
 * PostgreSQL end equal; everything any client received from another is stored; a client that joins
 * during the storm ends identical to the others.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, groupNames, synced } from '../sync-server/helpers.ts';
import { type Cluster, setupWorkspace, startCluster } from './harness.ts';
import { converged, received, spreadClients, storm } from './storm.ts';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster(3);
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

it('converges across three instances, relays only what is stored, and a client joining mid-storm ends identical', async () => {
  const token = await setupWorkspace(c, 'conv');
  const clients = await spreadClients(c, 'conv', token, 2);
  const s = storm(clients);
  await new Promise((r) => setTimeout(r, 1_000));
  const late = connect(c.instances[1]!.server, 'conv', token);
  await synced(late, 15_000);
  await new Promise((r) => setTimeout(r, 1_000));
  const made = await s.stop();
  const all = [...clients, late];
  const names = await converged(c, 'conv', token, all);
  expect(names.length).toBe(made);
  // 2. nothing relayed before it was durable: what clients got from others is in PostgreSQL.
  const stored = new Set(groupNames(await c.storedDoc('conv')));
  expect([...received(clients)].filter((n) => !stored.has(n))).toEqual([]);
  expect(groupNames(late.doc)).toEqual(names);
  const m = await Promise.all([0, 1, 2].map((i) => c.metrics(i)));
  expect(m.every((x) => (x.gatehouse_updates_relayed_total ?? 0) > 0)).toBe(true);
  for (const cl of all) cl.destroy();
}, 90_000);
