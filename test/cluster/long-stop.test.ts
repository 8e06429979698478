/**
 * Cluster test 6, the long case (design/scale-out.md): an instance SIGSTOPped for 40 s mid-storm (longer
 * than the clients' 30 s message timeout and the 30 s presence timeout) catches up after SIGCONT, and
 * every client, instance and PostgreSQL converge.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { groupNames } from '../sync-server/helpers.ts';
import { type Cluster, setupWorkspace, startCluster } from './harness.ts';
import { converged, received, spreadClients, storm } from './storm.ts';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster(2);
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

it('an instance SIGSTOPped for 40 s catches up', async () => {
  const token = await setupWorkspace(c, 'long');
  const clients = await spreadClients(c, 'long', token, 2);
  const s = storm(clients, 50);
  await new Promise((r) => setTimeout(r, 500));
  c.instances[1]!.child.kill('SIGSTOP');
  await new Promise((r) => setTimeout(r, 40_000));
  // Edits stop before SIGCONT: a live update sent during a reconnect, before the client's catch-up, is
  // refused as incomplete (4422) and ends that client (README, known limits) — not what this test is about.
  await s.stop();
  c.instances[1]!.child.kill('SIGCONT');
  const names = await converged(c, 'long', token, clients, 45_000);
  expect(names.length).toBeGreaterThan(0);
  const stored = new Set(groupNames(await c.storedDoc('long')));
  expect([...received(clients)].filter((n) => !stored.has(n))).toEqual([]);
  for (const cl of clients) cl.destroy();
}, 150_000);
