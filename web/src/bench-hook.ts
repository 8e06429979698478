/**
 * Loaded only with `?gatehouse-bench` in the URL (bench/web.ts, test/e2e): stores a workspace doc in the
 * local replica so the benchmark can measure a cold start from IndexedDB with a large workspace, measures
 * the floors of a cold start and of a first sync in the page, and lets an e2e test commit raw ops the way
 * the app does (to play a client whose change the server refuses).
 */
import * as Y from 'yjs';
import { type Op, readState } from '../../core/index.ts';
import { database, openReplica, UPDATES_TABLE } from './lib/db/index.ts';
import { workspace } from './lib/state/workspace.svelte.ts';

/** Milliseconds of each step done alone, and the bytes involved. */
export interface BenchFloors {
  readonly bytes: number;
  /** Reading the stored rows (plain IndexedDB, no Dexie), for a cold start. */
  readonly idbReadMs?: number;
  /** Applying the bytes to a fresh Y.Doc (no listeners), in one transaction. */
  readonly applyMs: number;
  /** core's readState of that doc. */
  readonly readStateMs: number;
}

declare global {
  interface Window {
    gatehouseBenchImport?: (slug: string, base64: string) => Promise<number>;
    /** The floors of a cold start: the replica's stored rows read, applied and read alone. */
    gatehouseBenchColdFloors?: (slug: string) => Promise<BenchFloors>;
    /** The floors of a first sync: the server's state (V1 update, as on the wire) applied and read alone. */
    gatehouseBenchSyncFloors?: (base64: string) => BenchFloors;
    /** Commits `ops` to the open workspace as one local change named `summary` (queued for the server). */
    gatehouseTestCommit?: (ops: Op[], summary: string) => Promise<void>;
  }
}

const fromBase64 = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

window.gatehouseBenchImport = async (slug, base64) => {
  const bytes = fromBase64(base64);
  const replica = await openReplica(database(), slug);
  Y.applyUpdate(replica.doc, bytes);
  // y-dexie writes updates asynchronously: wait until they are stored.
  await new Promise((r) => setTimeout(r, 1500));
  replica.release();
  return bytes.length;
};

function applyAndRead(apply: (doc: Y.Doc) => void): { applyMs: number; readStateMs: number } {
  const doc = new Y.Doc();
  const t0 = performance.now();
  Y.transact(doc, () => apply(doc));
  const t1 = performance.now();
  readState(doc);
  const t2 = performance.now();
  doc.destroy();
  return { applyMs: t1 - t0, readStateMs: t2 - t1 };
}

window.gatehouseBenchColdFloors = async (slug) => {
  const db = database();
  await db.open();
  const row = await db.workspaces.where('slug').equals(slug).last();
  if (!row) throw new Error(`no replica of ${slug}`);
  const t0 = performance.now();
  const rows = await new Promise<{ u: Uint8Array }[]>((resolve, reject) => {
    const req = db
      .backendDB()
      .transaction(UPDATES_TABLE, 'readonly')
      .objectStore(UPDATES_TABLE)
      .index('k')
      .getAll(IDBKeyRange.only(row.key));
    req.onsuccess = () => resolve(req.result as { u: Uint8Array }[]);
    req.onerror = () => reject(req.error);
  });
  const idbReadMs = performance.now() - t0;
  const bytes = rows.reduce((n, r) => n + r.u.length, 0);
  return {
    bytes,
    idbReadMs,
    ...applyAndRead((doc) => {
      for (const r of rows) Y.applyUpdateV2(doc, r.u);
    }),
  };
};

window.gatehouseBenchSyncFloors = (base64) => {
  const bytes = fromBase64(base64);
  return { bytes: bytes.length, ...applyAndRead((doc) => Y.applyUpdate(doc, bytes)) };
};

window.gatehouseTestCommit = async (ops, summary) => {
  await workspace.commit({ ops }, summary);
};
