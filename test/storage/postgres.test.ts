/**
 * What only PostgreSQL has to prove: several instances on one database (gap-free seqs, fences,
 * compaction by one winner), migrations (idempotent, racing, a newer schema refused) and outages (a
 * killed server rejects appends with StorageUnavailableError, stores nothing half, and recovers alone).
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SchemaTooNewError, StorageUnavailableError } from '../../sync-server/storage/errors.ts';
import { SCHEMA_VERSION } from '../../sync-server/storage/postgres/migrations.ts';
import { openPostgresStorage } from '../../sync-server/storage/postgres-storage.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';

let server: TestPostgres;
let opened: Storage[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server.stop());
afterEach(async () => {
  for (const s of opened) await s.close().catch(() => {});
  opened = [];
});
const open = async (url: string, options = {}) => {
  const s = await openPostgresStorage(url, options);
  opened.push(s);
  return s;
};
const sql = async (url: string, text: string, args: unknown[] = []) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, args)).rows;
  } finally {
    await c.end();
  }
};

function updates(n: number, key = 'k'): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  for (let i = 0; i < n; i++) doc.getMap('m').set(`${key}${i}`, i);
  return out;
}

describe('PostgreSQL storage with several instances', () => {
  it('keeps seqs gap-free and unique when two instances append to one workspace at once', async () => {
    const url = await server.createDatabase();
    const a = await open(url);
    const b = await open(url);
    const ws = await a.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: updates(1, 'init')[0]! });
    const ua = updates(30, 'a');
    const ub = updates(30, 'b');
    await Promise.all([
      ...ua.map((u) => a.appendUpdates(ws.id, [{ update: u, audit: null }], { instance: 'A' })),
      ...ub.map((u) => b.appendUpdates(ws.id, [{ update: u, audit: null }], { instance: 'B' })),
    ]);
    const logged = (await b.updatesSince(ws.id, 0))!;
    expect(logged.map((u) => u.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
    expect((await a.headSeqs([ws.id])).get(ws.id)).toBe(61);
    const rows = await sql(
      url,
      'SELECT instance, count(*)::int AS n FROM doc_updates GROUP BY instance ORDER BY 1',
    );
    expect(rows).toEqual([
      { instance: 'A', n: 30 },
      { instance: 'B', n: 30 },
      { instance: null, n: 1 },
    ]);
  });

  it('lets only one of two fenced appends decided on the same head commit', async () => {
    const url = await server.createDatabase();
    const a = await open(url);
    const b = await open(url);
    const ws = await a.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: updates(1, 'init')[0]! });
    const [ra, rb] = await Promise.allSettled([
      a.appendUpdates(ws.id, [{ update: updates(1, 'ra')[0]!, audit: null }], { expectedHeadSeq: 1 }),
      b.appendUpdates(ws.id, [{ update: updates(1, 'rb')[0]!, audit: null }], { expectedHeadSeq: 1 }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual(['fulfilled', 'rejected']);
    expect((await a.headSeqs([ws.id])).get(ws.id)).toBe(2);
  });

  it('compacts once when instances race, and never moves a snapshot back', async () => {
    const url = await server.createDatabase();
    const a = await open(url);
    const b = await open(url);
    const doc = new Y.Doc();
    const log: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => log.push(u));
    doc.getMap('m').set('x', 0);
    const ws = await a.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: log[0]! });
    for (let i = 1; i <= 5; i++) {
      doc.getMap('m').set('x', i);
      await a.appendUpdates(ws.id, [{ update: log[i]!, audit: null }]);
    }
    const state = Y.encodeStateAsUpdate(doc);
    await Promise.all([a.compact(ws.id, state, 6), b.compact(ws.id, state, 6), a.compact(ws.id, state, 6)]);
    expect(await sql(url, 'SELECT upto_seq FROM doc_snapshots')).toEqual([{ upto_seq: '6' }]);
    await b.compact(ws.id, Y.encodeStateAsUpdate(new Y.Doc()), 3); // stale: ignored
    const stored = await b.loadDoc(ws.id);
    const rebuilt = new Y.Doc();
    Y.applyUpdate(rebuilt, stored.snapshot!);
    expect(rebuilt.getMap('m').get('x')).toBe(5);
    expect(stored.lastSeq).toBe(6);
  });
});

describe('PostgreSQL compaction with a lagging instance', () => {
  it('refuses a snapshot that lacks an update it would drop, keeping every row', async () => {
    const url = await server.createDatabase();
    const a = await open(url);
    const b = await open(url);
    const docA = new Y.Doc();
    const logA: Uint8Array[] = [];
    docA.on('update', (u: Uint8Array) => logA.push(u));
    docA.getMap('m').set('x', 'init');
    const ws = await a.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: logA[0]! });
    // B commits seq 2 that A has not received; A commits seq 3 and compacts up to its own last seq.
    const fromB = updates(1, 'b')[0]!;
    expect((await b.appendUpdates(ws.id, [{ update: fromB, audit: null }])).head).toBe(2);
    docA.getMap('m').set('y', 'a');
    expect((await a.appendUpdates(ws.id, [{ update: logA[1]!, audit: null }])).head).toBe(3);
    await expect(a.compact(ws.id, Y.encodeStateAsUpdate(docA), 3)).rejects.toThrow(/lacks update 2/);
    const stored = await a.loadDoc(ws.id);
    expect(stored.snapshot).toBeNull();
    expect(stored.updates).toHaveLength(3);
    // Once A has it, the same compaction goes through.
    Y.applyUpdate(docA, fromB);
    await a.compact(ws.id, Y.encodeStateAsUpdate(docA), 3);
    expect((await a.loadDoc(ws.id)).updates).toHaveLength(0);
  });
});

describe('PostgreSQL migrations', () => {
  it('run once, record the version, and are a no-op the second time (also when racing)', async () => {
    const url = await server.createDatabase();
    await Promise.all([open(url), open(url), open(url)]);
    await open(url);
    const rows = await sql(url, 'SELECT version FROM schema_version ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('refuse a database migrated by a newer Gatehouse, changing nothing', async () => {
    const url = await server.createDatabase();
    await (await open(url)).close();
    await sql(url, "INSERT INTO schema_version VALUES ($1, 'from the future', 0)", [SCHEMA_VERSION + 1]);
    const refused = openPostgresStorage(url);
    await expect(refused).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(refused).rejects.toThrow(/newer than this Gatehouse knows/);
  });

  it('say the server is not reachable when it is not', async () => {
    const url = await server.createDatabase();
    const port = new URL(url).port;
    const dead = url.replace(`:${port}/`, ':1/');
    await expect(openPostgresStorage(dead, { connectTimeoutMs: 500 })).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
  });
});

describe('PostgreSQL outages', () => {
  it('rejects appends while the server is down, stores nothing half, and works again after', async () => {
    if (!server.owned) return; // DATABASE_URL's server is not ours to kill
    const url = await server.createDatabase();
    const s = await open(url, { connectTimeoutMs: 500 });
    let outages = 0;
    s.onUnavailable?.(() => outages++);
    const ws = await s.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: updates(1, 'init')[0]! });
    const before = updates(1, 'before')[0]!;
    await s.appendUpdates(ws.id, [{ update: before, audit: null }]);

    await server.kill();
    const during = updates(3, 'during');
    const failed = s.appendUpdates(
      ws.id,
      during.map((u) => ({ update: u, audit: null })),
    );
    await expect(failed).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(s.loadDoc(ws.id)).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(outages).toBe(1);

    await server.restart();
    const stored = await s.loadDoc(ws.id); // the pool reconnects on its own
    expect(stored.updates).toHaveLength(2);
    expect(stored.lastSeq).toBe(2);
    expect((await s.appendUpdates(ws.id, [{ update: during[0]!, audit: null }])).head).toBe(3);
  });

  it('keeps every append whole or absent when the server dies in the middle of many', async () => {
    if (!server.owned) return;
    const url = await server.createDatabase();
    const s = await open(url, { connectTimeoutMs: 500 });
    const ws = await s.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: updates(1, 'init')[0]! });
    const batches = Array.from({ length: 40 }, (_, i) => updates(5, `b${i}-`));
    const results = batches.map((batch) =>
      s.appendUpdates(
        ws.id,
        batch.map((u) => ({ update: u, audit: null })),
      ),
    );
    await new Promise((r) => setTimeout(r, 15));
    await server.kill();
    const settled = await Promise.allSettled(results);
    await server.restart();
    const logged = new Set(
      (await s.updatesSince(ws.id, 1))!.map((u) => Buffer.from(u.update).toString('base64')),
    );
    const has = (u: Uint8Array) => logged.has(Buffer.from(u).toString('base64'));
    let resolved = 0;
    for (const [i, batch] of batches.entries()) {
      const stored = batch.filter(has).length;
      expect([0, 5], `batch ${i}`).toContain(stored); // one transaction: all or nothing
      if (settled[i]!.status === 'fulfilled') {
        resolved++;
        expect(stored, `resolved batch ${i} is durable`).toBe(5);
      } else expect(settled[i]).toMatchObject({ reason: expect.any(StorageUnavailableError) });
    }
    expect(resolved).toBeLessThan(batches.length); // the kill did land mid-way
    const seqs = (await s.updatesSince(ws.id, 0))!.map((u) => u.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1)); // still gap-free
  });
});
