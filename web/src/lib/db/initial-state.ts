/**
 * A first sync stored as one row, without y-dexie encoding it on the way in and reading it back.
 *
 * y-dexie 4.4 keeps a doc as rows `{ i, k, u }` (`u` a V2 update) in `$workspaces.doc_updates`, stores each
 * transaction's V2 update from an `updateV2` listener, and after every write to that table it hears of
 * re-reads the doc's rows after the last one it applied (`lastUpdateId`) — all of them while that is 0.
 * Left alone, the first sync of the 10k-user workspace was encoded for the doc's update listeners (V1 for
 * y-websocket, which drops it; V2 for y-dexie), written, then read back and applied a second time: each
 * ~0.3–0.4 s on the benchmark machine, on top of the one apply that is needed.
 *
 * So a replica with no rows gets one empty placeholder row before y-dexie first reads it (y-dexie applies
 * it: its `lastUpdateId` is that row's key). A first sync runs with the doc's update listeners detached
 * (y-websocket ignores its own updates anyway), then the placeholder is replaced, in place and in plain
 * IndexedDB (Dexie's live queries are not told), by the doc's state encoded once from the doc (~60 ms):
 * y-dexie never reads a row at or before its `lastUpdateId` again, and the next cold start reads it like
 * any other row. test/web/workspace-store.test.ts checks this against y-dexie itself.
 */
import * as Y from 'yjs';
import type { GatehouseDb } from './database.ts';

/** y-dexie's updates table of `workspaces.doc` (`$<table>.<prop>_updates`). */
export const UPDATES_TABLE = '$workspaces.doc_updates';

/** A stored y-dexie row. */
interface UpdateRow {
  /** Auto-incremented key: y-dexie applies rows in this order. */
  i: number;
  /** The `WorkspaceRow.key` of the replica. */
  k: string;
  /** A V2 update. */
  u: Uint8Array;
}

const EMPTY_UPDATE = Y.encodeStateAsUpdateV2(new Y.Doc());
const isEmptyUpdate = (u: Uint8Array) =>
  u.length === EMPTY_UPDATE.length && u.every((b, j) => b === EMPTY_UPDATE[j]);

type Listener = (...args: unknown[]) => void;
/**
 * A first sync is stored in the first idle time after it shows, at the latest this long after: the encode
 * is one long task (~60 ms in Node, several times that in a busy page). Waiting longer leaves a window in
 * which a reload offline finds nothing stored (test/e2e/offline-shell.test.ts). A change to the doc or
 * leaving the page stores it at once.
 */
const STORE_WITHIN_MS = 2_000;
const ENCODING_EVENTS = ['update', 'updateV2'] as const;

export interface InitialStateStore {
  /** The keys of the replica's rows before y-dexie loaded it (all of them applied by that load). */
  readonly rowsBeforeLoad: readonly number[];
  /** Call once y-dexie has loaded the doc: the store stays usable only if the doc is still empty. */
  afterLoad(doc: Y.Doc): Promise<void>;
  /** See `Replica.receiveInitialState`. */
  receive(doc: Y.Doc, apply: () => void): boolean;
}

export async function createInitialStateStore(db: GatehouseDb, key: string): Promise<InitialStateStore> {
  const table = db.table<UpdateRow, number>(UPDATES_TABLE);
  const existing = (await table.where('k').equals(key).primaryKeys()) as number[];
  let slot: number | null =
    existing.length === 0 ? ((await table.add({ k: key, u: EMPTY_UPDATE } as UpdateRow)) as number) : null;

  const write = (u: Uint8Array, i: number) =>
    new Promise<void>((resolve, reject) => {
      const tx = db.backendDB().transaction(UPDATES_TABLE, 'readwrite');
      tx.objectStore(UPDATES_TABLE).put({ i, k: key, u } satisfies UpdateRow);
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error);
    });

  return {
    rowsBeforeLoad: existing,
    async afterLoad(doc) {
      if (Y.encodeStateVector(doc).length > 1) slot = null;
      else if (slot === null && existing.length > 0) {
        // Empty after loading rows: usable only if every row is a placeholder (never drop a pending update).
        const rows = await table.bulkGet(existing);
        if (rows.every((r) => r !== undefined && isEmptyUpdate(r.u))) slot = Math.max(...existing);
      }
    },
    receive(doc, apply) {
      const i = slot;
      if (i === null || Y.encodeStateVector(doc).length > 1) return false;
      slot = null;
      const observers = (doc as unknown as { _observers?: Map<string, Set<Listener>> })._observers;
      const detached = ENCODING_EVENTS.map((name) => [name, [...(observers?.get(name) ?? [])]] as const);
      for (const [name, fs] of detached) for (const f of fs) doc.off(name, f);
      try {
        apply();
      } finally {
        for (const [name, fs] of detached) for (const f of fs) doc.on(name, f);
      }
      // Stored in idle time, or at once when the doc changes again (a later row builds on it) or the page
      // is being left.
      let stored = false;
      const store = () => {
        if (stored) return;
        stored = true;
        doc.off('updateV2', store);
        if (typeof removeEventListener === 'function') removeEventListener('pagehide', store);
        if (doc.isDestroyed) return;
        write(Y.encodeStateAsUpdateV2(doc), i).catch(() => {
          // Not stored: the next start syncs from the server again.
        });
      };
      doc.on('updateV2', store);
      if (typeof addEventListener === 'function') addEventListener('pagehide', store);
      if (typeof requestIdleCallback === 'function') requestIdleCallback(store, { timeout: STORE_WITHIN_MS });
      else setTimeout(store, 0);
      return true;
    },
  };
}
