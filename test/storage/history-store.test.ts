/**
 * The history store's contract (issue 15) on every backend: the doc as of any moment is every update
 * committed by then; compaction keeps answers identical (history snapshots every N updates, the log kept);
 * with a retention, moments inside the window still answer the same and older ones answer null.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { HistoryDoc } from '../../sync-server/storage/history-store.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { storageBackends } from './backends.ts';
import { auditAt, DAY_MS, historyStores } from './history-support.ts';

const withHistory = historyStores();

/** A workspace and `n` edits, the i-th committed at `times[i]`; returns the doc and the key → time map. */
async function edited(s: Storage, times: readonly number[], compactEvery = 0) {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  doc.getMap('m').set('name', 'acme');
  const ws = await s.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: updates[0]! });
  for (const [i, at] of times.entries()) {
    doc.getMap('m').set(`k${i % 3}`, `v${i}`);
    const head = (
      await s.appendUpdates(ws.id, [{ update: updates[updates.length - 1]!, audit: auditAt(ws.id, at) }])
    ).head;
    if (compactEvery > 0 && (i + 1) % compactEvery === 0)
      await s.compact(ws.id, Y.encodeStateAsUpdate(doc), head);
  }
  return { ws, doc };
}

/** The map as the edits committed at or before t left it. */
function expectedAt(times: readonly number[], t: number): Record<string, string> {
  const out: Record<string, string> = { name: 'acme' };
  for (const [i, at] of times.entries()) if (at <= t) out[`k${i % 3}`] = `v${i}`;
  return out;
}

function rebuilt(h: HistoryDoc | null): Record<string, unknown> | null {
  if (!h) return null;
  const doc = new Y.Doc();
  if (h.base) Y.applyUpdate(doc, h.base);
  for (const u of h.updates) Y.applyUpdate(doc, u.update);
  const json = doc.getMap('m').toJSON();
  doc.destroy();
  return json;
}

describe.each(storageBackends())('history store on $name', (backend) => {
  it('answers the doc as of every moment; compaction keeps every answer identical', async () => {
    const s = await withHistory(backend, { retentionMs: null, snapshotEveryUpdates: 4 });
    const t0 = Date.now() + 60_000;
    const times = Array.from({ length: 14 }, (_, i) => t0 + Math.floor(i / 2) * 10); // pairs share a time
    const { ws, doc } = await edited(s, times);
    const moments = Array.from({ length: 30 }, (_, i) => t0 - 5 + i * 3);
    const before = await Promise.all(moments.map((t) => s.docAsOf(ws.id, t).then(rebuilt)));
    for (const [i, t] of moments.entries()) expect(before[i], `at ${t}`).toEqual(expectedAt(times, t));
    // Compaction now, and again after more edits: history snapshots are kept, the log too.
    const head = (await s.headSeqs([ws.id])).get(ws.id)!;
    await s.compact(ws.id, Y.encodeStateAsUpdate(doc), head);
    const late = await s.docAsOf(ws.id, t0 + 1_000);
    expect(late?.base).not.toBeNull();
    expect(late?.updates.length).toBeLessThan(4);
    expect(late?.uptoSeq).toBe(head);
    expect(late?.uptoAt).toBe(times[times.length - 1]);
    const after = await Promise.all(moments.map((t) => s.docAsOf(ws.id, t).then(rebuilt)));
    expect(after).toEqual(before);
    expect(await s.historyStart(ws.id)).toBe(0);
    expect((await s.updateTimes(ws.id, t0, t0 + 20)).map((u) => u.at)).toEqual([
      t0 + 10,
      t0 + 10,
      t0 + 20,
      t0 + 20,
    ]);
    // The kept updates by seq, all of them or the first few.
    const all = await s.historyUpdates(ws.id, 0, Number.MAX_SAFE_INTEGER);
    expect(all.map((u) => u.at).slice(-times.length)).toEqual(times);
    expect(await s.historyUpdates(ws.id, 0, Number.MAX_SAFE_INTEGER, 3)).toEqual(all.slice(0, 3));
    expect(await s.historyUpdates(ws.id, all[2]!.seq, all[5]!.seq, 2)).toEqual(all.slice(3, 5));
    // The live doc still loads from the compacted snapshot alone.
    const stored = await s.loadDoc(ws.id);
    expect(stored.updates).toEqual([]);
    expect(stored.lastSeq).toBe(head);
  });

  it('compacts as edits come, and answers the same as without compaction', async () => {
    const plain = await withHistory(backend, { retentionMs: null, snapshotEveryUpdates: 1_000 });
    const compacted = await withHistory(backend, { retentionMs: null, snapshotEveryUpdates: 3 });
    const t0 = Date.now() + 60_000;
    const times = Array.from({ length: 20 }, (_, i) => t0 + i * 7);
    const a = await edited(plain, times);
    const b = await edited(compacted, times, 2);
    for (let t = t0 - 3; t < t0 + 150; t += 4) {
      const x = rebuilt(await plain.docAsOf(a.ws.id, t));
      expect(x, `at ${t}`).toEqual(expectedAt(times, t));
      expect(rebuilt(await compacted.docAsOf(b.ws.id, t)), `at ${t}`).toEqual(x);
    }
  });

  it('with a retention, keeps every moment inside the window and drops older ones', async () => {
    const s = await withHistory(backend, { retentionMs: 5 * DAY_MS, snapshotEveryUpdates: 2 });
    const t0 = Date.now() - 10 * DAY_MS;
    const times = Array.from({ length: 10 }, (_, i) => t0 + i * DAY_MS);
    const { ws } = await edited(s, times, 1);
    const cutoff = Date.now() - 5 * DAY_MS;
    for (let t = t0; t < Date.now(); t += DAY_MS / 2) {
      const got = rebuilt(await s.docAsOf(ws.id, t));
      if (t >= cutoff) expect(got, `inside the window: ${t - t0}`).toEqual(expectedAt(times, t));
      else if (got !== null) expect(got, `kept though older: ${t - t0}`).toEqual(expectedAt(times, t));
    }
    expect(await s.docAsOf(ws.id, t0 - 1)).toBeNull();
    const start = await s.historyStart(ws.id);
    expect(start).toBeGreaterThan(t0);
    expect(start).toBeLessThanOrEqual(cutoff);
    expect(await s.docAsOf(ws.id, start - 1)).toBeNull();
    expect(rebuilt(await s.docAsOf(ws.id, start))).toEqual(expectedAt(times, start));
  });
});
