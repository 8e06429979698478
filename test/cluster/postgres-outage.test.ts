/**
 * Cluster test 5 (design/scale-out.md): PostgreSQL is SIGKILLed mid-storm and started again. Meanwhile
 * sync sockets are closed with 1013 (try again later) and nothing is relayed (nothing can be committed);
 * afterwards every edit any client made is stored and everyone converges.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { groupNames } from '../sync-server/helpers.ts';
import { type Cluster, setupWorkspace, startCluster } from './harness.ts';
import { converged, received, spreadClients, storm } from './storm.ts';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster(3);
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

it('closes sockets with 1013 during a PostgreSQL outage, relays nothing, and stores every edit after', async () => {
  if (!c.postgres.owned) return; // DATABASE_URL names a server this test may not kill
  const token = await setupWorkspace(c, 'pgout');
  const clients = await spreadClients(c, 'pgout', token, 2);
  const s = storm(clients);
  await new Promise((r) => setTimeout(r, 800));
  await c.postgres.kill();
  await new Promise((r) => setTimeout(r, 700)); // commits in flight at the kill settle
  const during = received(clients).size;
  await new Promise((r) => setTimeout(r, 2_500));
  expect(received(clients).size).toBe(during);
  expect(clients.some((cl) => cl.closes.some((e) => e.code === 1013))).toBe(true);
  // Reconnects during the outage are refused with 1013 too (not 1011).
  expect(clients.flatMap((cl) => cl.closes).every((e) => e.code === 1013)).toBe(true);
  // The edits made meanwhile stay on the clients; they are resent once PostgreSQL is back. (The storm
  // stops first: a live update sent before the client's catch-up is refused as incomplete, see README.)
  const made = await s.stop();
  await c.postgres.restart();
  const names = await converged(c, 'pgout', token, clients, 40_000);
  expect(names.length).toBe(made);
  expect(groupNames(await c.storedDoc('pgout')).length).toBe(made);
  for (const cl of clients) cl.destroy();
}, 120_000);
