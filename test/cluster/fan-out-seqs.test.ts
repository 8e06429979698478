/**
 * Fan-out gap detection trusts the range a stream entry announces, so the range must be what was written.
 * Two instances' stores (A, B) over one real PostgreSQL; instance C's doc feed (doc-feed.ts) reads B's
 * entry through the real encoding (stream-entry.ts). C holds seqs 1–2. A commits y as seq 3, and its
 * entry never reaches C (a crash between COMMIT and XADD). B then commits a batch of a resend of seq 2's
 * update and a new update z: only z takes a seq (4). Announced as "2 records ending at 4" (what counting
 * the batch gave), C would take seqs 3–4 as held and never fetch y (a late entry for seq 3 is dropped, the
 * head poll sees no lag). Announced as written (4 … 4), C sees the hole and backfills y from PostgreSQL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocFeed } from '../../sync-server/cluster/doc-feed.ts';
import { ClusterMetrics } from '../../sync-server/cluster/metrics.ts';
import { parseEntry, xaddArgs } from '../../sync-server/cluster/stream-entry.ts';
import { createLogger } from '../../sync-server/log.ts';
import { openPostgresStorage } from '../../sync-server/storage/postgres-storage.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import type { LiveDoc } from '../../sync-server/sync/live-doc.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { until } from '../sync-server/helpers.ts';

let server: TestPostgres;
let a: Storage;
let b: Storage;
beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase({ migrated: true });
  [a, b] = await Promise.all([openPostgresStorage(url), openPostgresStorage(url)]);
}, 60_000);
afterAll(async () => {
  await Promise.allSettled([a?.close(), b?.close()]);
  await server?.stop();
});

/** Three replicas' edits of one doc, each as the update it produced. */
function edits() {
  const origin = new Y.Doc();
  const initial = Y.encodeStateAsUpdate(origin);
  const edit = (key: string) => {
    const d = new Y.Doc();
    Y.applyUpdate(d, initial);
    d.getMap('m').set(key, key);
    return Y.encodeStateAsUpdate(d, Y.encodeStateVector(origin));
  };
  return { initial, y: edit('y'), z: edit('z'), old: edit('old') };
}

/** C's side: a real DocFeed over a real Y.Doc, the doc's queue reduced to "apply, then mark". */
function instanceC(workspaceId: string, loaded: readonly Uint8Array[], loadedSeq: number) {
  const doc = new Y.Doc();
  for (const u of loaded) Y.applyUpdate(doc, u);
  const live = {
    workspace: { id: workspaceId, slug: 'acme' },
    async applyCommitted(updates: readonly Uint8Array[], _seq: number, accept: () => boolean) {
      if (!accept()) return;
      for (const u of updates) Y.applyUpdate(doc, u);
    },
  } as unknown as LiveDoc;
  const feed = new DocFeed(live, loadedSeq, {
    storage: a,
    metrics: new ClusterMetrics(
      () => 0,
      () => true,
      () => 1,
    ),
    log: createLogger('silent'),
    publish: () => {},
    closed: () => {},
  });
  return { doc, feed };
}

it('an entry announces the seqs written, so a resend in a batch cannot hide a hole', async () => {
  const { initial, y, z, old } = edits();
  const ws = await a.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: initial });
  const logged = await a.appendUpdates(ws.id, [{ update: old, audit: null }]); // seq 2
  const c = instanceC(ws.id, [initial, old], logged.head);

  const byA = await a.appendUpdates(ws.id, [{ update: y, audit: null }]); // seq 3: its entry is lost
  expect(byA).toEqual({ first: 3, head: 3 });
  const byB = await b.appendUpdates(ws.id, [
    { update: old, audit: null }, // a resend: logged already, takes no seq
    { update: z, audit: null },
  ]);
  expect(byB).toEqual({ first: 4, head: 4 });

  const args = xaddArgs(ws.id, {
    seq: byB.head,
    first: byB.first,
    instance: 'B',
    update: Y.mergeUpdates([old, z]),
  });
  const entry = parseEntry(args.slice(6))!;
  expect(entry).toMatchObject({ seq: 4, first: 4, instance: 'B' });
  c.feed.onEntry(entry.first, entry.seq, entry.update);

  await until(() => c.feed.last === 4, 10_000, 'C holds every seq up to 4');
  expect(c.doc.getMap('m').get('y')).toBe('y'); // fetched from PostgreSQL: the hole was seen
  expect(c.doc.getMap('m').get('z')).toBe('z');
  c.feed.close();
});

it('reads an older instance’s entry (no `f`) as seq − n + 1, and refuses a range that makes no sense', () => {
  const fields = (f: Record<string, string>) => Object.entries(f).flat();
  const u = Buffer.from([0, 0]).toString('base64');
  expect(parseEntry(fields({ seq: '9', n: '3', i: 'old', u }))).toMatchObject({ seq: 9, first: 7 });
  expect(parseEntry(fields({ seq: '9', f: '5', n: '5', i: 'new', u }))).toMatchObject({ seq: 9, first: 5 });
  const bad: Record<string, string>[] = [
    { seq: '9', f: '10', i: 'x', u },
    { seq: '9', f: '0', i: 'x', u },
    { seq: '9', n: '10', i: 'x', u },
    { seq: 'x', f: '1', i: 'x', u },
  ];
  for (const b of bad) expect(parseEntry(fields(b))).toBeNull();
});
