/** The document store's contract, run unchanged against every backend (test/storage/backends.ts). */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { AuditEntryInput } from '../../sync-server/storage/audit-store.ts';
import { HeadMovedError } from '../../sync-server/storage/errors.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { storageBackends } from './backends.ts';

/** A doc and a way to make real, distinct Yjs updates on it. */
function editor() {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  return {
    doc,
    edit(key: string, value: string): Uint8Array {
      doc.getMap('m').set(key, value);
      return updates[updates.length - 1]!;
    },
  };
}

const audit = (workspaceId: string, summary: string): AuditEntryInput => ({
  workspaceId,
  at: Date.now(),
  actorId: 'acc-1',
  actorEmail: 'a@x.test',
  actorName: 'A',
  source: 'sync',
  action: 'doc.update',
  entities: [{ collection: 'groups', id: 'g1', name: 'Ops', fields: ['name'] }],
  summary,
});

async function workspace(s: Storage, slug = 'acme') {
  const e = editor();
  const initial = e.edit('name', slug);
  const ws = await s.createWorkspace({ slug, name: slug.toUpperCase(), initialUpdate: initial });
  return { ws, e, initial };
}

/** The doc rebuilt from what the store holds. */
async function rebuilt(s: Storage, workspaceId: string): Promise<Record<string, unknown>> {
  const stored = await s.loadDoc(workspaceId);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u);
  return doc.getMap('m').toJSON();
}

describe.each(storageBackends())('document store on $name', (backend) => {
  it('creates a workspace with its first update, and loads it back byte for byte', async () => {
    const { storage } = await backend.open();
    const { ws, initial } = await workspace(storage);
    const stored = await storage.loadDoc(ws.id);
    expect(stored.snapshot).toBeNull();
    expect(stored.updates).toHaveLength(1);
    expect(stored.updates[0]).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(stored.updates[0])).toBe(false);
    expect(stored.updates[0]).toEqual(new Uint8Array(initial));
    expect(stored.bytes).toBe(initial.length);
    expect(stored.lastSeq).toBeGreaterThan(0);
    expect((await storage.headSeqs([ws.id])).get(ws.id)).toBe(stored.lastSeq);
  });

  it('appends updates with their audit rows, in order, with increasing consecutive seqs', async () => {
    const { storage } = await backend.open();
    const { ws, e } = await workspace(storage);
    const head0 = (await storage.loadDoc(ws.id)).lastSeq;
    const a = e.edit('a', '1');
    const b = e.edit('b', '2');
    const head1 = (
      await storage.appendUpdates(ws.id, [
        { update: a, audit: audit(ws.id, 'first') },
        { update: b, audit: null },
      ])
    ).head;
    expect(head1).toBe(head0 + 2);
    const c = e.edit('c', '3');
    expect((await storage.appendUpdates(ws.id, [{ update: c, audit: audit(ws.id, 'second') }])).head).toBe(
      head0 + 3,
    );
    const stored = await storage.loadDoc(ws.id);
    expect(stored.updates.slice(1)).toEqual([a, b, c].map((u) => new Uint8Array(u)));
    expect(stored.lastSeq).toBe(head0 + 3);
    expect(await rebuilt(storage, ws.id)).toEqual({ name: 'acme', a: '1', b: '2', c: '3' });
    const entries = await storage.queryAudit({ workspaceId: ws.id, limit: 10 });
    expect(entries.map((x) => x.summary)).toEqual(['second', 'first']);
    expect(entries[1]!.entities).toEqual([{ collection: 'groups', id: 'g1', name: 'Ops', fields: ['name'] }]);
  });

  it('stores a resent update once: same head, no second audit row (also within one batch)', async () => {
    const { storage } = await backend.open();
    const { ws, e } = await workspace(storage);
    const a = e.edit('a', '1');
    const { first: taken, head } = await storage.appendUpdates(ws.id, [
      { update: a, audit: audit(ws.id, 'a') },
    ]);
    expect(taken).toBe(head);
    // Nothing written: no seq reported (first past head), so fan-out announces none.
    expect(await storage.appendUpdates(ws.id, [{ update: a, audit: audit(ws.id, 'a again') }])).toEqual({
      first: head + 1,
      head,
    });
    const b = e.edit('b', '2');
    const c = e.edit('c', '3');
    // A batch with resends in it: the seqs reported are the ones written, not head - records + 1.
    const after = await storage.appendUpdates(ws.id, [
      { update: a, audit: audit(ws.id, 'a third time') },
      { update: b, audit: audit(ws.id, 'b') },
      { update: b, audit: audit(ws.id, 'b again') },
      { update: c, audit: audit(ws.id, 'c') },
    ]);
    expect(after.first).toBeGreaterThan(head);
    expect(after.head).toBeGreaterThan(after.first);
    if (backend.perWorkspaceSeq) expect(after).toEqual({ first: head + 1, head: head + 2 });
    const logged = (await storage.updatesSince(ws.id, head))!;
    expect(logged.map((u) => u.seq)).toEqual([after.first, after.head]);
    expect((await storage.loadDoc(ws.id)).updates).toHaveLength(4);
    const summaries = (await storage.queryAudit({ workspaceId: ws.id, limit: 10 })).map((x) => x.summary);
    expect(summaries).toEqual(['c', 'b', 'a']);
  });

  it('keeps seqs gap-free per workspace while workspaces interleave (where the backend promises it)', async () => {
    const { storage } = await backend.open();
    const one = await workspace(storage, 'one');
    const two = await workspace(storage, 'two');
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      seqs.push(
        (await storage.appendUpdates(one.ws.id, [{ update: one.e.edit('k', String(i)), audit: null }])).head,
      );
      await storage.appendUpdates(two.ws.id, [{ update: two.e.edit('k', String(i)), audit: null }]);
    }
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    if (backend.perWorkspaceSeq) expect(seqs).toEqual([2, 3, 4, 5, 6]);
    const since = await storage.updatesSince(one.ws.id, 0);
    expect(since!.map((u) => u.seq).slice(1)).toEqual(seqs);
  });

  it('serialises concurrent appends to one workspace: every update stored, distinct increasing seqs', async () => {
    const { storage } = await backend.open();
    const { ws, e } = await workspace(storage);
    const updates = Array.from({ length: 20 }, (_, i) => e.edit(`k${i}`, String(i)));
    const heads = await Promise.all(
      updates.map(
        async (u, i) =>
          (await storage.appendUpdates(ws.id, [{ update: u, audit: audit(ws.id, `u${i}`) }])).head,
      ),
    );
    expect(new Set(heads).size).toBe(20);
    const since = (await storage.updatesSince(ws.id, 0))!;
    expect(since).toHaveLength(21);
    for (let i = 1; i < since.length; i++) expect(since[i]!.seq).toBeGreaterThan(since[i - 1]!.seq);
    expect(Object.keys(await rebuilt(storage, ws.id))).toHaveLength(21);
  });

  it('answers updatesSince after a seq, and null once those updates are inside the snapshot', async () => {
    const { storage } = await backend.open();
    const { ws, e } = await workspace(storage);
    const first = (await storage.appendUpdates(ws.id, [{ update: e.edit('a', '1'), audit: null }])).head;
    const b = e.edit('b', '2');
    const second = (await storage.appendUpdates(ws.id, [{ update: b, audit: null }])).head;
    expect(await storage.updatesSince(ws.id, first)).toEqual([{ seq: second, update: new Uint8Array(b) }]);
    expect(await storage.updatesSince(ws.id, second)).toEqual([]);
    await storage.compact(ws.id, Y.encodeStateAsUpdate(e.doc), first);
    expect(await storage.updatesSince(ws.id, first - 1)).toBeNull();
    expect(await storage.updatesSince(ws.id, first)).toEqual([{ seq: second, update: new Uint8Array(b) }]);
  });

  it('reads the head seqs of many workspaces at once (unknown ids left out)', async () => {
    const { storage } = await backend.open();
    const one = await workspace(storage, 'one');
    const two = await workspace(storage, 'two');
    const h1 = (await storage.appendUpdates(one.ws.id, [{ update: one.e.edit('x', '1'), audit: null }])).head;
    const h2 = (await storage.loadDoc(two.ws.id)).lastSeq;
    const heads = await storage.headSeqs([one.ws.id, two.ws.id, 'no-such-workspace']);
    expect([...heads.entries()].sort()).toEqual(
      [
        [one.ws.id, h1],
        [two.ws.id, h2],
      ].sort(),
    );
    expect((await storage.headSeqs([])).size).toBe(0);
    await storage.compact(one.ws.id, Y.encodeStateAsUpdate(one.e.doc), h1);
    expect((await storage.headSeqs([one.ws.id])).get(one.ws.id)).toBe(h1);
  });

  it('fences an append on the head it was decided on: a moved head stores nothing', async () => {
    const { storage } = await backend.open();
    const { ws, e } = await workspace(storage);
    const head = (await storage.loadDoc(ws.id)).lastSeq;
    const ok = (
      await storage.appendUpdates(ws.id, [{ update: e.edit('a', '1'), audit: audit(ws.id, 'a') }], {
        expectedHeadSeq: head,
      })
    ).head;
    expect(ok).toBeGreaterThan(head);
    const stale = storage.appendUpdates(ws.id, [{ update: e.edit('b', '2'), audit: audit(ws.id, 'b') }], {
      expectedHeadSeq: head,
    });
    await expect(stale).rejects.toBeInstanceOf(HeadMovedError);
    await expect(stale).rejects.toMatchObject({ expectedHeadSeq: head, headSeq: ok });
    expect((await storage.loadDoc(ws.id)).updates).toHaveLength(2);
    expect((await storage.queryAudit({ workspaceId: ws.id, limit: 10 })).map((x) => x.summary)).toEqual([
      'a',
    ]);
  });

  it('compacts: the snapshot and its facts replace the updates it covers; later ones stay', async () => {
    const { storage } = await backend.open();
    const { ws, e } = await workspace(storage);
    const upto = (await storage.appendUpdates(ws.id, [{ update: e.edit('a', '1'), audit: null }])).head;
    const snapshot = Y.encodeStateAsUpdate(e.doc);
    const info = { stateVector: Y.encodeStateVector(e.doc), adminEmails: ['a@x.test', 'b@x.test'] };
    const later = e.edit('b', '2');
    const head = (await storage.appendUpdates(ws.id, [{ update: later, audit: null }])).head;
    await storage.compact(ws.id, snapshot, upto, info);
    const stored = await storage.loadDoc(ws.id);
    expect(stored.snapshot).toEqual(new Uint8Array(snapshot));
    expect(stored.snapshotInfo).toEqual({
      stateVector: new Uint8Array(info.stateVector),
      adminEmails: info.adminEmails,
    });
    expect(stored.updates).toEqual([new Uint8Array(later)]);
    expect(stored.lastSeq).toBe(head);
    expect(stored.bytes).toBe(snapshot.length + later.length);
    expect(await rebuilt(storage, ws.id)).toEqual({ name: 'acme', a: '1', b: '2' });
    // A snapshot without facts (written before they existed) loads with snapshotInfo null.
    await storage.compact(ws.id, Y.encodeStateAsUpdate(e.doc), head);
    const bare = await storage.loadDoc(ws.id);
    expect(bare.snapshotInfo).toBeNull();
    expect(bare.updates).toEqual([]);
    expect(bare.lastSeq).toBe(head);
  });

  it('keeps what was committed across a close and a reopen', async () => {
    const opened = await backend.open();
    const { ws, e } = await workspace(opened.storage);
    const head = (
      await opened.storage.appendUpdates(ws.id, [{ update: e.edit('a', '1'), audit: audit(ws.id, 'a') }])
    ).head;
    await opened.storage.compact(ws.id, Y.encodeStateAsUpdate(e.doc), head);
    const tail = (await opened.storage.appendUpdates(ws.id, [{ update: e.edit('b', '2'), audit: null }]))
      .head;
    await opened.storage.close();
    const again = await opened.reopen();
    expect(await rebuilt(again, ws.id)).toEqual({ name: 'acme', a: '1', b: '2' });
    expect((await again.headSeqs([ws.id])).get(ws.id)).toBe(tail);
    expect(await again.queryAudit({ workspaceId: ws.id, limit: 5 })).toHaveLength(1);
    expect(
      (await again.appendUpdates(ws.id, [{ update: e.edit('c', '3'), audit: null }])).head,
    ).toBeGreaterThan(tail);
  });
});
