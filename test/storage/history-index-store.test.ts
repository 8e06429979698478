/**
 * The history index store's contract (issue 15) on every backend: rows written idempotently, the head
 * only forward, a moment is the newest checkpoint at or before the history store's cut plus the changes
 * after it (null when the index does not cover it), one user's changes are the shared ones and their own,
 * and a retention prunes old rows while moments inside the window answer the same.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type {
  IndexChange,
  IndexCheckpoint,
  IndexedMoment,
  IndexRun,
} from '../../sync-server/storage/history-index-store.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { storageBackends } from './backends.ts';
import { auditAt, DAY_MS, historyStores } from './history-support.ts';

const withHistory = historyStores();

interface Logged {
  readonly seq: number;
  readonly at: number;
}

/**
 * A workspace and one edit per time; `each` runs after every edit (the seq the store gave it). Returns
 * the workspace, the initial update's seq and every edit's seq and time.
 */
async function edited(
  s: Storage,
  times: readonly number[],
  each?: (wsId: string, u: Logged, doc: Y.Doc) => Promise<void>,
) {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  doc.getMap('m').set('name', 'acme');
  const ws = await s.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: updates[0]! });
  const initialSeq = (await s.headSeqs([ws.id])).get(ws.id)!;
  const log: Logged[] = [];
  for (const [i, at] of times.entries()) {
    doc.getMap('m').set(`k${i % 3}`, `v${i}`);
    const seq = (
      await s.appendUpdates(ws.id, [{ update: updates[updates.length - 1]!, audit: auditAt(ws.id, at) }])
    ).head;
    log.push({ seq, at });
    await each?.(ws.id, { seq, at }, doc);
  }
  return { ws, initialSeq, log };
}

const checkpoint = (seq: number, at: number): IndexCheckpoint => ({
  seq,
  at,
  data: new Uint8Array([seq % 251, 1, 2, 3]),
});

/** What one update did: entities in no particular order (the store orders them). */
const changesOf = (seq: number, at: number): IndexChange[] =>
  ['u:bob', 'g:1', 'u:alice', 'a:1', 'c:9', 'meta'].map((entity) => ({
    seq,
    at,
    entity,
    shared: /^[gad]:|^meta$/.test(entity),
    data: JSON.stringify({ seq, entity }),
  }));

const byKey = (a: IndexChange, b: IndexChange) =>
  a.seq - b.seq || (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0);

const run = (checkpoints: IndexCheckpoint[], changes: IndexChange[], head: Logged, since = 0): IndexRun => ({
  checkpoints,
  changes,
  head: { seq: head.seq, at: head.at, sinceCheckpoint: since },
});

/** What the index must answer for `t`, from every row written (`cut`: the last update at or before t). */
function expectedMoment(
  log: readonly Logged[],
  checkpoints: readonly IndexCheckpoint[],
  changes: readonly IndexChange[],
  t: number,
): IndexedMoment | null {
  const cut = log
    .filter((u) => u.at <= t)
    .reduce<Logged | null>((m, u) => (!m || u.seq > m.seq ? u : m), null);
  if (!cut) return null;
  const cp = checkpoints.filter((c) => c.seq <= cut.seq).sort((a, b) => b.seq - a.seq)[0];
  if (!cp) return null;
  return {
    checkpoint: cp,
    changes: changes.filter((c) => c.seq > cp.seq && c.seq <= cut.seq).sort(byKey),
    uptoSeq: cut.seq,
    uptoAt: cut.at,
  };
}

describe.each(storageBackends())('history index store on $name', (backend) => {
  it('starts empty; writeIndex moves the head, idempotently and only forward', async () => {
    const s = (await backend.open()).storage;
    const t0 = Date.now() + 60_000;
    const { ws, log } = await edited(
      s,
      Array.from({ length: 4 }, (_, i) => t0 + i * 10),
    );
    expect(await s.indexHead(ws.id)).toBeNull();
    expect(await s.indexedMoment(ws.id, t0 + 1_000)).toBeNull();
    expect(await s.indexChangesFor(ws.id, 0, log[3]!.seq, 'alice', 1e9)).toEqual([]);

    const first = run(
      [checkpoint(log[0]!.seq, log[0]!.at)],
      log.slice(0, 2).flatMap((u) => changesOf(u.seq, u.at)),
      log[1]!,
      1,
    );
    await s.writeIndex(ws.id, first);
    expect(await s.indexHead(ws.id)).toEqual({ seq: log[1]!.seq, at: log[1]!.at, sinceCheckpoint: 1 });
    const answers = async () => [
      await s.indexHead(ws.id),
      await s.indexedMoment(ws.id, log[1]!.at),
      await s.indexChangesFor(ws.id, 0, log[3]!.seq, 'alice', 1e9),
    ];
    const once = await answers();
    expect(once[1]).not.toBeNull();
    // The same rows again: no error, the same answers; a row already there keeps its data.
    await s.writeIndex(ws.id, first);
    expect(await answers()).toEqual(once);
    const altered = run(
      [{ ...checkpoint(log[0]!.seq, log[0]!.at), data: new Uint8Array([9, 9]) }],
      changesOf(log[1]!.seq, log[1]!.at).map((c) => ({ ...c, data: '"other"' })),
      log[1]!,
      1,
    );
    await s.writeIndex(ws.id, altered);
    expect(await answers()).toEqual(once);

    // Forward: the head moves; an older run's head does not move it back (its rows are still written).
    await s.writeIndex(ws.id, run([], changesOf(log[3]!.seq, log[3]!.at), log[3]!, 3));
    expect(await s.indexHead(ws.id)).toEqual({ seq: log[3]!.seq, at: log[3]!.at, sinceCheckpoint: 3 });
    await s.writeIndex(ws.id, run([], changesOf(log[2]!.seq, log[2]!.at), log[2]!, 2));
    expect(await s.indexHead(ws.id)).toEqual({ seq: log[3]!.seq, at: log[3]!.at, sinceCheckpoint: 3 });
    const all = log.flatMap((u) => changesOf(u.seq, u.at));
    expect(await s.indexChangesFor(ws.id, 0, log[3]!.seq, 'alice', 1e9)).toEqual(
      all.filter((c) => c.shared || c.entity === 'u:alice').sort(byKey),
    );
  });

  it('writes a large run in one go (more changes than one insert holds)', async () => {
    const s = (await backend.open()).storage;
    const { ws, log } = await edited(s, [Date.now() + 60_000]);
    const u = log[0]!;
    const changes = Array.from({ length: 12_001 }, (_, i) => ({
      seq: u.seq,
      at: u.at,
      entity: `u:user-${String(i).padStart(5, '0')}`,
      shared: false,
      data: `{"i":${i}}`,
    }));
    await s.writeIndex(ws.id, run([], changes, u));
    await s.writeIndex(ws.id, run([], changes, u));
    expect(await s.indexChangesFor(ws.id, 0, u.seq, 'user-12000', 10)).toEqual([changes[12_000]]);
    expect(await s.indexChangesFor(ws.id, 0, u.seq, 'user-00000', 10)).toEqual([changes[0]]);
  });

  it('answers a moment from the newest checkpoint at or before its cut, when the index covers it', async () => {
    const s = (await backend.open()).storage;
    const t0 = Date.now() + 60_000;
    const { ws, initialSeq, log } = await edited(
      s,
      Array.from({ length: 6 }, (_, i) => t0 + i * 10),
    );
    const changes = log.flatMap((u) => changesOf(u.seq, u.at));
    // Only the first three updates indexed, no checkpoint yet: nothing answers.
    await s.writeIndex(
      ws.id,
      run(
        [],
        changes.filter((c) => c.seq <= log[2]!.seq),
        log[2]!,
        3,
      ),
    );
    expect(await s.indexedMoment(ws.id, log[1]!.at)).toBeNull();
    // A checkpoint at the second update: moments before it have none at or before their cut.
    const checkpoints = [checkpoint(log[1]!.seq, log[1]!.at)];
    await s.writeIndex(ws.id, run(checkpoints, [], log[2]!, 1));
    expect(await s.indexedMoment(ws.id, log[0]!.at + 5)).toBeNull();
    const atSecond = expectedMoment(log, checkpoints, changes, log[2]!.at + 5);
    expect(atSecond?.changes.length).toBe(6);
    expect(await s.indexedMoment(ws.id, log[2]!.at + 5)).toEqual(atSecond);
    // The head below the cut: not covered.
    expect(await s.indexedMoment(ws.id, log[3]!.at)).toBeNull();
    expect(await s.indexedMoment(ws.id, t0 + 1_000)).toBeNull();

    // Everything indexed, checkpoints at the second and the fourth update.
    checkpoints.push(checkpoint(log[3]!.seq, log[3]!.at));
    await s.writeIndex(ws.id, run(checkpoints, changes, log[5]!, 2));
    for (let t = t0; t <= t0 + 70; t += 5) {
      const want = expectedMoment(log, checkpoints, changes, t);
      expect(await s.indexedMoment(ws.id, t), `at ${t - t0}`).toEqual(want);
    }
    const late = await s.indexedMoment(ws.id, log[4]!.at + 3);
    expect(late?.checkpoint.seq).toBe(log[3]!.seq);
    expect(late?.changes.map((c) => [c.seq, c.entity])).toEqual(
      ['a:1', 'c:9', 'g:1', 'meta', 'u:alice', 'u:bob'].map((e) => [log[4]!.seq, e]),
    );
    expect(late?.uptoSeq).toBe(log[4]!.seq);
    expect(late?.uptoAt).toBe(log[4]!.at);

    // Before the history (the workspace did not exist yet), even with a checkpoint at its start.
    await s.writeIndex(ws.id, run([checkpoint(0, 0), checkpoint(initialSeq, 0)], [], log[5]!, 2));
    expect(await s.indexedMoment(ws.id, ws.createdAt - 60_000)).toBeNull();
  });

  it("reads one user's changes: the shared ones and their own, in the seq range", async () => {
    const s = (await backend.open()).storage;
    const t0 = Date.now() + 60_000;
    const { ws, log } = await edited(
      s,
      Array.from({ length: 5 }, (_, i) => t0 + i * 10),
    );
    const changes = log.flatMap((u) => changesOf(u.seq, u.at));
    await s.writeIndex(ws.id, run([checkpoint(log[0]!.seq, log[0]!.at)], changes, log[4]!));
    const got = await s.indexChangesFor(ws.id, log[1]!.seq, log[3]!.seq, 'alice', 1e9);
    const want = changes
      .filter((c) => c.seq > log[1]!.seq && c.seq <= log[3]!.seq && (c.shared || c.entity === 'u:alice'))
      .sort(byKey);
    expect(want.map((c) => c.entity)).toEqual([
      'a:1',
      'g:1',
      'meta',
      'u:alice',
      'a:1',
      'g:1',
      'meta',
      'u:alice',
    ]);
    expect(got).toEqual(want);
    // The first `limit` of them, in order (a timeline reads one more than its cap).
    expect(await s.indexChangesFor(ws.id, log[1]!.seq, log[3]!.seq, 'alice', 3)).toEqual(want.slice(0, 3));
    expect((await s.indexChangesFor(ws.id, 0, log[4]!.seq, 'bob', 1e9)).filter((c) => !c.shared)).toEqual(
      changes.filter((c) => c.entity === 'u:bob'),
    );
    expect(await s.indexChangesFor(ws.id, log[4]!.seq, log[4]!.seq + 10, 'alice', 1e9)).toEqual([]);
  });

  it('with a retention, compaction prunes old index rows and moments inside the window answer the same', async () => {
    const s = await withHistory(backend, { retentionMs: 5 * DAY_MS, snapshotEveryUpdates: 2 });
    const t0 = Date.now() - 10 * DAY_MS;
    const times = Array.from({ length: 10 }, (_, i) => t0 + i * DAY_MS);
    const checkpoints: IndexCheckpoint[] = [];
    const changes: IndexChange[] = [];
    let n = 0;
    // As the indexer would: each update indexed (a checkpoint every third), then the doc compacted.
    const { ws, log } = await edited(s, times, async (wsId, u, doc) => {
      const cps = ++n % 3 === 1 ? [checkpoint(u.seq, u.at)] : [];
      checkpoints.push(...cps);
      changes.push(...changesOf(u.seq, u.at));
      await s.writeIndex(wsId, run(cps, changesOf(u.seq, u.at), u, (n - 1) % 3));
      await s.compact(wsId, Y.encodeStateAsUpdate(doc), u.seq);
    });
    const head = log[log.length - 1]!.seq;
    const startSeq = (await s.docUpto(ws.id, 0)).baseSeq;
    const keep = Math.max(...checkpoints.filter((c) => c.seq <= startSeq).map((c) => c.seq));
    expect(keep).toBeGreaterThan(log[0]!.seq);
    // The changes up to the kept checkpoint are gone, the later ones kept.
    expect(await s.indexChangesFor(ws.id, 0, head, 'alice', 1e9)).toEqual(
      changes.filter((c) => c.seq > keep && (c.shared || c.entity === 'u:alice')).sort(byKey),
    );
    expect(await s.indexedMoment(ws.id, log[0]!.at)).toBeNull();
    // Inside the window (from the first update the log still holds), every moment answers as before.
    const kept = await s.updateTimes(ws.id, 0, Date.now() + DAY_MS);
    const from = Math.max(Date.now() - 5 * DAY_MS, kept[0]!.at);
    let answered = 0;
    for (let t = t0; t < Date.now(); t += DAY_MS / 4) {
      if (t < from) continue;
      const want = expectedMoment(log, checkpoints, changes, t);
      expect(want).not.toBeNull();
      expect(await s.indexedMoment(ws.id, t), `at ${(t - t0) / DAY_MS} days`).toEqual(want);
      answered++;
    }
    expect(answered).toBeGreaterThan(10);
    // Every moment the history answers, the index answers at the same cut — also between the history's
    // start (its snapshot) and the first update kept after it; before the start, neither does.
    let gap = 0;
    for (let t = t0; t < Date.now(); t += DAY_MS / 8) {
      const doc = await s.docAsOf(ws.id, t);
      const ix = await s.indexedMoment(ws.id, t);
      if (!doc) {
        expect(ix).toBeNull();
        continue;
      }
      expect(ix, `at ${(t - t0) / DAY_MS} days`).not.toBeNull();
      expect(ix!.uptoSeq).toBe(doc.uptoSeq);
      if (t < kept[0]!.at) gap++;
    }
    expect(gap).toBeGreaterThan(0);
    expect(await s.indexHead(ws.id)).toEqual({ seq: head, at: log[log.length - 1]!.at, sinceCheckpoint: 0 });
  });
});
