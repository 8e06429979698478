/**
 * Cluster test 8 (design/scale-out.md): duplicated and reordered stream entries, and a client resending
 * everything it has, change neither the state nor the audit log.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connect, groupNames, synced } from '../sync-server/helpers.ts';
import { auditCount, type Cluster, setupWorkspace, startCluster } from './harness.ts';
import { converged, spreadClients, storm } from './storm.ts';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster(3);
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

it('replayed, reordered entries and client resends change neither state nor audit', async () => {
  const token = await setupWorkspace(c, 'dup');
  const clients = await spreadClients(c, 'dup', token, 1);
  const s = storm(clients);
  await new Promise((r) => setTimeout(r, 1_500));
  await s.stop();
  const names = await converged(c, 'dup', token, clients);
  const head = await c.head('dup');
  const audits = await auditCount(c.databaseUrl);
  const vector = Buffer.from(Y.encodeStateVector(await c.storedDoc('dup')));

  // Every entry of the stream again, newest first, as if another instance had sent them.
  const redis = createClient({ url: c.redis.url });
  await redis.connect();
  const keys = (await redis.sendCommand(['KEYS', 'ws:*'])) as string[];
  expect(keys.length).toBe(1);
  const entries = (await redis.sendCommand(['XRANGE', keys[0]!, '-', '+'])) as [string, string[]][];
  expect(entries.length).toBeGreaterThan(5);
  for (const [, fields] of [...entries].reverse()) {
    const f = [...fields];
    f[f.indexOf('i') + 1] = 'replayer';
    await redis.sendCommand(['XADD', keys[0]!, '*', ...f]);
  }
  await redis.quit();
  // And a client that sends everything it holds as its catch-up (a fresh connection with a full doc).
  const resender = connect(c.instances[2]!.server, 'dup', token, clients[0]!.doc);
  await synced(resender, 15_000);
  await new Promise((r) => setTimeout(r, 2_500)); // past a head poll

  expect(await c.head('dup')).toBe(head);
  expect(await auditCount(c.databaseUrl)).toBe(audits);
  expect(Buffer.from(Y.encodeStateVector(await c.storedDoc('dup'))).equals(vector)).toBe(true);
  expect(await converged(c, 'dup', token, clients)).toEqual(names);
  expect(groupNames(resender.doc)).toEqual(names);
  resender.provider.destroy();
  for (const cl of clients) cl.destroy();
}, 90_000);
