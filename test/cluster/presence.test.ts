/**
 * Cluster test 9 (design/scale-out.md): presence set by a client on one instance is seen by a client on
 * another, and is gone within 30 s (y-protocols' timeout) after the first instance is SIGKILLed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, synced, until } from '../sync-server/helpers.ts';
import { type Cluster, setupWorkspace, startCluster } from './harness.ts';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster(2);
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

it('presence crosses instances and vanishes within 30 s of an instance kill', async () => {
  const token = await setupWorkspace(c, 'pres');
  const a = connect(c.instances[0]!.server, 'pres', token);
  const b = connect(c.instances[1]!.server, 'pres', token);
  await Promise.all([synced(a, 15_000), synced(b, 15_000)]);
  a.provider.awareness.setLocalStateField('page', 'groups');
  const aId = a.doc.clientID;
  const seen = () =>
    b.provider.awareness.getStates().get(aId) as { page?: string; user?: { email?: string } } | undefined;
  await until(() => seen()?.page === 'groups', 10_000, 'presence on the other instance');
  expect(seen()?.user?.email).toBe('admin@pres.test'); // the server's identity, not the client's claim
  await c.kill(0);
  const killedAt = Date.now();
  a.provider.disconnect();
  await until(() => seen() === undefined, 35_000, 'presence gone after the kill');
  expect(Date.now() - killedAt).toBeLessThan(34_000);
  a.destroy();
  b.destroy();
}, 90_000);
