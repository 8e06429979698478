/**
 * The admin app's local database (ARCHITECTURE.md "Admin app"). The only module that imports Dexie.
 *
 * `workspaces` rows carry each workspace's Y.Doc (y-dexie stores its updates in a side table); the other
 * tables are local-only and never replicated.
 */
import { Dexie, type EntityTable } from 'dexie';
import yDexie from 'y-dexie';
import type * as Y from 'yjs';

/** One locally stored workspace replica. */
export interface WorkspaceRow {
  /** `<slug>#<generation>`: a rebuild from the server's state starts a new generation. */
  key: string;
  slug: string;
  name: string;
  /** Bumped when the local replica is thrown away and rebuilt from the server. */
  generation: number;
  /** The workspace's replicated state (y-dexie property). */
  doc: Y.Doc;
}

/** A local change not yet confirmed by the server (the "N changes waiting" count). */
export interface OutboxRow {
  id?: number;
  /** `WorkspaceRow.key` of the replica the change was made in. */
  workspaceKey: string;
  /** What the change did, in words (shown when the server refuses it). */
  summary: string;
  /** Epoch ms. */
  at: number;
}

/** Small local-only key/value settings (theme, last workspace, cached `me`). */
export interface PrefRow {
  key: string;
  value: unknown;
}

export type GatehouseDb = Dexie & {
  workspaces: EntityTable<WorkspaceRow, 'key'>;
  outbox: EntityTable<OutboxRow, 'id'>;
  prefs: EntityTable<PrefRow, 'key'>;
};

export const DB_NAME = 'gatehouse';

/**
 * Dexie's query cache is off: a first sync's row is written behind Dexie's back (initial-state.ts), and a
 * cached answer would hide it from the next read. Nothing here runs live queries but y-dexie's. y-dexie's
 * periodic GC is off too: the replica compacts its rows from the loaded doc instead (compact-replica.ts).
 */
export function createDatabase(name = DB_NAME): GatehouseDb {
  const addon = yDexie({ gc: false }) as (db: Dexie) => void;
  const db = new Dexie(name, { addons: [addon], cache: 'disabled' }) as GatehouseDb;
  db.version(1).stores({
    workspaces: 'key, slug, doc: Y.Doc',
    outbox: '++id, workspaceKey',
    prefs: 'key',
  });
  return db;
}

let shared: GatehouseDb | undefined;

/** The app's database (one per page). */
export function database(): GatehouseDb {
  shared ??= createDatabase();
  return shared;
}
