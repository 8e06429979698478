/**
 * Compacting a replica's stored rows into one, from the doc that is already loaded.
 *
 * y-dexie's own GC (turned off in database.ts) compacts a doc by applying all its rows to a fresh Y.Doc and
 * encoding that: for the 10k-user workspace ~0.5 s of main thread plus its garbage, 10 s after start and
 * every 5 minutes after. The open doc already holds those rows, and encoding it costs ~60 ms; a cold start
 * then applies one row instead of one per change since.
 *
 * Only rows stored before y-dexie loaded the doc are replaced: y-dexie applied each of them, so the doc's
 * state contains them (rows written since stay, for the next start). The snapshot takes the key of the
 * last of them, at or before y-dexie's `lastUpdateId`, so y-dexie does not read it back (initial-state.ts).
 */
import * as Y from 'yjs';
import type { GatehouseDb } from './database.ts';
import { UPDATES_TABLE } from './initial-state.ts';

/** Compact only when a start had to apply more rows than this. */
export const COMPACT_ABOVE_ROWS = 1;
/** Left alone until the workspace has been on screen this long (then in idle time). */
const COMPACT_AFTER_MS = 3_000;

/** Replaces the rows `loadedIds` of replica `key` by one row holding `doc`'s state. */
export async function compactRows(
  db: GatehouseDb,
  key: string,
  doc: Y.Doc,
  loadedIds: readonly number[],
): Promise<void> {
  if (loadedIds.length <= COMPACT_ABOVE_ROWS || doc.isDestroyed) return;
  const last = Math.max(...loadedIds);
  const snapshot = Y.encodeStateAsUpdateV2(doc);
  const table = db.table(UPDATES_TABLE);
  await db.transaction('rw', table, async () => {
    await table.put({ i: last, k: key, u: snapshot });
    await table.bulkDelete(loadedIds.filter((i) => i !== last));
  });
}

/** `compactRows` once the page has been idle a while after the start (a failure keeps the rows). */
export function compactWhenIdle(
  db: GatehouseDb,
  key: string,
  doc: Y.Doc,
  loadedIds: readonly number[],
): void {
  if (loadedIds.length <= COMPACT_ABOVE_ROWS) return;
  const run = () => void compactRows(db, key, doc, loadedIds).catch(() => {});
  setTimeout(() => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: COMPACT_AFTER_MS });
    else run();
  }, COMPACT_AFTER_MS);
}
