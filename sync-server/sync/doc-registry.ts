/**
 * Keeps live workspace docs in memory while someone uses them. Stored state is fully loaded before a doc
 * is handed out (so no client syncs against an empty doc); a doc leaves memory `graceMs` after its last
 * user releases it.
 */
import type { Workspace } from '../storage/storage.ts';
import { LiveDoc, type LiveDocOptions } from './live-doc.ts';

interface Entry {
  refs: number;
  loading: Promise<LiveDoc>;
  live: LiveDoc | null;
  timer: NodeJS.Timeout | null;
}

export class DocRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: LiveDocOptions,
    private readonly graceMs: number,
  ) {}

  async acquire(workspace: Workspace): Promise<LiveDoc> {
    let entry = this.entries.get(workspace.id);
    if (!entry) {
      const created: Entry = { refs: 0, live: null, timer: null, loading: Promise.resolve(null as never) };
      created.loading = this.options.storage.loadDoc(workspace.id).then((stored) => {
        const live = new LiveDoc(workspace, stored, this.options);
        created.live = live;
        return live;
      });
      created.loading.catch(() => this.entries.delete(workspace.id));
      this.entries.set(workspace.id, created);
      entry = created;
    }
    entry.refs++;
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = null;
    }
    try {
      return await entry.loading;
    } catch (err) {
      entry.refs--;
      throw err;
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
