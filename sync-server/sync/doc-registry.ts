/**
 * Keeps live workspace docs in memory while someone uses them. Stored state is fully loaded before a doc
 * is handed out (so no client syncs against an empty doc); a doc leaves memory `graceMs` after its last
 * user releases it.
 *
 * Loading is two steps: read the stored bytes, then build the doc (the slow part for a big workspace).
 * Between them, `onStored` callbacks see the stored bytes and may hold the build back briefly (a new
 * client answered from a snapshot, see sync-connection.ts) — nothing can change the doc meanwhile, since
 * every change goes through the doc.
 */
import type { StoredDoc } from '../storage/document-store.ts';
import type { Workspace } from '../storage/workspace-store.ts';
import { type ClusterFeed, LiveDoc, type LiveDocOptions } from './live-doc.ts';
import { migrateLoadedDoc } from './migrate-doc.ts';

/** Sees the stored state before the doc is built; `hold` delays the build until the promise settles. */
export type OnStored = (stored: StoredDoc, hold: (until: Promise<unknown>) => void) => void;

interface Entry {
  refs: number;
  /** The stored state while the doc is not built yet. */
  stored: StoredDoc | null;
  waiting: OnStored[];
  holds: Promise<unknown>[];
  loading: Promise<LiveDoc>;
  live: LiveDoc | null;
  timer: NodeJS.Timeout | null;
}

/** How long a request waits for its doc to catch up before it is served as it is (PostgreSQL slow or down). */
const CATCH_UP_WAIT_MS = 2_000;

function caughtUp(feed: ClusterFeed): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((r) => {
    timer = setTimeout(r, CATCH_UP_WAIT_MS);
  });
  // A failed head read leaves the doc as it is: the fan-out and the head poll still bring it up to date.
  return Promise.race([feed.catchUp().catch(() => {}), waited]).finally(() => clearTimeout(timer));
}

export class DocRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: LiveDocOptions,
    private readonly graceMs: number,
  ) {}

  async acquire(workspace: Workspace, onStored?: OnStored): Promise<LiveDoc> {
    let entry = this.entries.get(workspace.id);
    if (!entry) {
      const created: Entry = {
        refs: 0,
        stored: null,
        waiting: [],
        holds: [],
        live: null,
        timer: null,
        loading: Promise.resolve(null as never),
      };
      created.loading = this.options.storage.loadDoc(workspace.id).then(async (stored) => {
        created.stored = stored;
        for (const cb of created.waiting.splice(0)) this.callOnStored(created, cb);
        // Let the callers of this turn (sockets whose credentials were just checked) see the bytes too.
        await new Promise((r) => setImmediate(r));
        while (created.holds.length > 0) await Promise.allSettled(created.holds.splice(0));
        created.stored = null;
        const live = new LiveDoc(workspace, stored, this.options);
        await migrateLoadedDoc(live, this.options.log);
        created.live = live;
        return live;
      });
      created.loading.catch(() => this.entries.delete(workspace.id));
      this.entries.set(workspace.id, created);
      entry = created;
    }
    if (onStored && !entry.live) {
      if (entry.stored) this.callOnStored(entry, onStored);
      else entry.waiting.push(onStored);
    }
    entry.refs++;
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = null;
    }
    // A doc loaded just now is as new as PostgreSQL; one that stayed in memory may lag another instance.
    const loadedBefore = entry.live !== null;
    let live: LiveDoc;
    try {
      live = await entry.loading;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    if (loadedBefore && live.feed) await caughtUp(live.feed);
    return live;
  }

  private callOnStored(entry: Entry, cb: OnStored): void {
    try {
      cb(entry.stored!, (until) => entry.holds.push(until));
    } catch {
      // The callback's own business; the doc loads regardless.
    }
  }

  release(live: LiveDoc): void {
    const entry = this.entries.get(live.workspace.id);
    if (!entry || entry.live !== live) return;
    entry.refs = Math.max(0, entry.refs - 1);
    if (entry.refs > 0 || entry.timer) return;
    entry.timer = setTimeout(() => {
      if (entry.refs > 0) return;
      this.entries.delete(live.workspace.id);
      void live.destroy();
    }, this.graceMs);
    entry.timer.unref();
  }

  /** Runs `fn` with the doc held, releasing it afterwards. */
  async with<T>(workspace: Workspace, fn: (live: LiveDoc) => Promise<T> | T): Promise<T> {
    const live = await this.acquire(workspace);
    try {
      return await fn(live);
    } finally {
      this.release(live);
    }
  }

  /** The live doc if it is in memory now (no loading). */
  peek(workspaceId: string): LiveDoc | null {
    return this.entries.get(workspaceId)?.live ?? null;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Finishes pending changes and frees every doc (shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      all.map(async (e) => {
        if (e.timer) clearTimeout(e.timer);
        const live = await e.loading.catch(() => null);
        await live?.destroy();
      }),
    );
  }
}
