/**
 * Opening a workspace's local replica: the Y.Doc from IndexedDB (works offline), loaded through
 * DexieYProvider. `resetReplica` throws the local replica away so the next sync rebuilds it from the server.
 */
import { DexieYProvider } from 'y-dexie';
import type * as Y from 'yjs';
import { compactWhenIdle } from './compact-replica.ts';
import type { GatehouseDb, WorkspaceRow } from './database.ts';
import { createInitialStateStore, type InitialStateStore } from './initial-state.ts';

export interface Replica {
  readonly key: string;
  readonly slug: string;
  readonly doc: Y.Doc;
  /**
   * A first sync: runs `apply` (the server's whole state into this still empty doc) without the doc's
   * update listeners, so neither y-dexie nor y-websocket re-encodes the whole state, then stores it as
   * this replica's one row (see initial-state.ts). Returns false, having done nothing, when the doc is not
   * empty or its stored rows are not the empty placeholder: apply it the ordinary way then.
   */
  receiveInitialState(apply: () => void): boolean;
  /** Releases the doc (DexieYProvider ref count). */
  release(): void;
}

async function currentRow(db: GatehouseDb, slug: string): Promise<WorkspaceRow | undefined> {
  const rows = await db.workspaces.where('slug').equals(slug).toArray();
  rows.sort((a, b) => b.generation - a.generation);
  return rows[0];
}

/** Whether this device holds a replica of the workspace (without opening it). */
export async function hasReplica(db: GatehouseDb, slug: string): Promise<boolean> {
  return (await db.workspaces.where('slug').equals(slug).count()) > 0;
}

/** Opens (creating if needed) the local replica of a workspace and waits until its stored state is loaded. */
export async function openReplica(db: GatehouseDb, slug: string, name = slug): Promise<Replica> {
  let row = await currentRow(db, slug);
  if (!row) {
    const key = `${slug}#1`;
    await db.workspaces.add({ key, slug, name, generation: 1 } as WorkspaceRow);
    row = await db.workspaces.get(key);
    if (!row) throw new Error(`replica ${key} vanished`);
  }
  const doc = row.doc;
  // Before y-dexie's first read: a replica with no rows gets an empty placeholder row (initial-state.ts).
  const initial: InitialStateStore | null = doc.isLoaded ? null : await createInitialStateStore(db, row.key);
  await loadQuietly(doc);
  await initial?.afterLoad(doc);
  if (initial) compactWhenIdle(db, row.key, doc, initial.rowsBeforeLoad);
  return {
    key: row.key,
    slug,
    doc,
    receiveInitialState: (apply) => initial?.receive(doc, apply) ?? false,
    release: () => DexieYProvider.release(doc),
  };
}

type Listener = (...args: unknown[]) => void;

/**
 * `DexieYProvider.load`, minus a needless re-encoding of the whole stored state. y-dexie listens to
 * `updateV2` to store local changes and ignores the updates it applies itself (origin = provider), but
 * Yjs encodes an update for every transaction that has an `updateV2` listener: loading a 3.7 MB doc paid
 * ~0.5 s (plus garbage) to encode the loaded state only for y-dexie to drop it. Until the first load is
 * done nobody else holds the doc, so every transaction is y-dexie's own: its listener is detached for that
 * window and put back afterwards. (Reads lib0 Observable's `_observers`; if that ever changes, this
 * falls back to a plain load.)
 */
async function loadQuietly(doc: Y.Doc): Promise<void> {
  const observers = (doc as unknown as { _observers?: Map<string, Set<Listener>> })._observers;
  const before = new Set(observers?.get('updateV2') ?? []);
  const wasLoaded = doc.isLoaded;
  const provider = DexieYProvider.load(doc);
  const added =
    observers && !wasLoaded ? [...(observers.get('updateV2') ?? [])].filter((f) => !before.has(f)) : [];
  for (const f of added) doc.off('updateV2', f);
  try {
    await provider.whenLoaded;
  } finally {
    for (const f of added) doc.on('updateV2', f);
  }
}

/**
 * Drops the local replica and its pending changes and starts a new, empty generation (used after the
 * server refused an update: Yjs cannot drop one update and keep later ones). Release the replica first.
 */
export async function resetReplica(db: GatehouseDb, replica: Replica): Promise<void> {
  const old = await db.workspaces.get(replica.key);
  const generation = (old?.generation ?? 1) + 1;
  await db.transaction('rw', db.workspaces, db.outbox, async () => {
    await db.workspaces.where('slug').equals(replica.slug).delete();
    await db.outbox.where('workspaceKey').equals(replica.key).delete();
    await db.workspaces.add({
      key: `${replica.slug}#${generation}`,
      slug: replica.slug,
      name: old?.name ?? replica.slug,
      generation,
    } as WorkspaceRow);
  });
}

export async function addToOutbox(db: GatehouseDb, workspaceKey: string, summary: string): Promise<void> {
  await db.outbox.add({ workspaceKey, summary, at: Date.now() });
}

export async function outboxEntries(db: GatehouseDb, workspaceKey: string) {
  return db.outbox.where('workspaceKey').equals(workspaceKey).sortBy('id');
}

/** Removes the confirmed entries (every id ≤ `upToId`). */
export async function confirmOutbox(db: GatehouseDb, workspaceKey: string, upToId: number): Promise<void> {
  await db.outbox
    .where('workspaceKey')
    .equals(workspaceKey)
    .and((r) => (r.id ?? 0) <= upToId)
    .delete();
}

export async function getPref<T>(db: GatehouseDb, key: string): Promise<T | undefined> {
  return (await db.prefs.get(key))?.value as T | undefined;
}

export async function setPref(db: GatehouseDb, key: string, value: unknown): Promise<void> {
  await db.prefs.put({ key, value });
}

/** Forgets every local replica and setting (sign out). */
export async function clearAll(db: GatehouseDb): Promise<void> {
  await db.transaction('rw', db.workspaces, db.outbox, db.prefs, async () => {
    await db.workspaces.clear();
    await db.outbox.clear();
    await db.prefs.clear();
  });
}
