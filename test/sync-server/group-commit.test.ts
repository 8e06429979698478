/**
 * Group commit (live-doc.ts): client updates that arrive together are validated one by one, committed in
 * one transaction before any is relayed, and relayed as one merged update; a rejected one in the middle
 * is never stored or relayed, and the others still are.
 */
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeMessage } from '../../core/index.ts';
import { createLogger } from '../../sync-server/log.ts';
import type { StoredDoc } from '../../sync-server/storage/document-store.ts';
import { openSqliteStorage } from '../../sync-server/storage/sqlite-storage.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { type Actor, type DocPeer, LiveDoc } from '../../sync-server/sync/live-doc.ts';
import { groupNames, run, tempDir, workspaceDocWithAdmin } from './helpers.ts';

const actor: Actor = { accountId: 'a1', email: 'admin@acme.test', name: 'Admin' };
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

async function setupDoc() {
  const storage = openSqliteStorage(tempDir());
  const initial = workspaceDocWithAdmin(actor.email!);
  const ws = await storage.createWorkspace({
    slug: 'acme',
    name: 'Acme',
    initialUpdate: Y.encodeStateAsUpdate(initial),
  });
  const live = new LiveDoc(ws, await storage.loadDoc(ws.id), {
    storage,
    log: createLogger('silent'),
    maxDocBytes: 10 * 1024 * 1024,
    compactAfterUpdates: 10_000,
  });
  cleanup.push(async () => {
    await live.destroy();
    await storage.close();
  });
  /** A client replica: its updates, one per command, collected for submitting by hand. */
  const client = () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(initial));
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    return { doc, updates };
  };
  /** A peer that records what it is sent and what storage held at that moment. */
  const observer = () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(initial));
    const sent: Uint8Array[] = [];
    const storedAtSend: Promise<StoredDoc>[] = [];
    const peer: DocPeer = {
      send(message) {
        sent.push(message);
        // The SQLite storage reads synchronously: this is what was committed when the relay happened.
        storedAtSend.push(storage.loadDoc(ws.id));
        const m = decodeMessage(message);
        if (m?.kind === 'update') Y.applyUpdate(doc, m.update);
      },
      recheck() {},
    };
    live.peers.add(peer);
    return { doc, sent, storedAtSend, peer };
  };
  return { storage: storage as Storage, ws, live, client, observer };
}

it('commits updates that arrive together in one go, each validated and audited, before relaying one message', async () => {
  const { storage, ws, live, client, observer } = await setupDoc();
  const a = client();
  const o = observer();
  for (const name of ['One', 'Two', 'Three']) run(a.doc, { type: 'group.create', name });
  expect(a.updates).toHaveLength(3);
  const results = await Promise.all(
    a.updates.map((u) => live.submit({ kind: 'update', update: u }, actor, 'sync')),
  );
  expect(results.every((r) => r.ok && r.committed)).toBe(true);
  expect(o.sent).toHaveLength(1); // one merged relay
  const atSend = await o.storedAtSend[0]!;
  expect(atSend.updates).toHaveLength(1 + 3); // all three were committed before the relay
  expect(groupNames(o.doc)).toEqual(['One', 'Three', 'Two']);
  const audit = await storage.queryAudit({ workspaceId: ws.id, limit: 10 });
  expect(audit.filter((e) => e.action === 'doc.update')).toHaveLength(3);
});

it('a rejected update in the middle is never stored or relayed; the ones around it are', async () => {
  const { storage, ws, live, client, observer } = await setupDoc();
  const a = client();
  const b = client();
  const o = observer();
  run(a.doc, { type: 'group.create', name: 'Before' });
  b.doc.getMap('groups').set('junkjunkjunk', 42 as never);
  run(a.doc, { type: 'group.create', name: 'After' });
  const [r1, r2, r3] = await Promise.all([
    live.submit({ kind: 'update', update: a.updates[0]! }, actor, 'sync'),
    live.submit({ kind: 'update', update: b.updates[0]! }, actor, 'sync'),
    live.submit({ kind: 'update', update: a.updates[1]! }, actor, 'sync'),
  ]);
  expect(r1).toMatchObject({ ok: true, committed: true });
  expect(r2).toMatchObject({ ok: false, error: { code: 'invalid-update' } });
  expect(r3).toMatchObject({ ok: true, committed: true });
  expect(groupNames(o.doc)).toEqual(['After', 'Before']);
  expect(o.doc.getMap('groups').get('junkjunkjunk')).toBeUndefined();
  const stored = await storage.loadDoc(ws.id);
  const replay = new Y.Doc();
  for (const u of stored.updates) Y.applyUpdate(replay, u);
  expect(replay.getMap('groups').get('junkjunkjunk')).toBeUndefined();
  expect(groupNames(replay)).toEqual(['After', 'Before']);
  expect(live.doc.getMap('groups').get('junkjunkjunk')).toBeUndefined();
});

it('an empty update (a client with nothing new) is answered at once and costs no commit', async () => {
  const { storage, ws, live } = await setupDoc();
  const r = await live.submit({ kind: 'update', update: new Uint8Array([0, 0]) }, actor, 'sync');
  expect(r).toMatchObject({ ok: true, committed: false });
  expect((await storage.loadDoc(ws.id)).updates).toHaveLength(1);
});
