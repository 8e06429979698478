/**
 * The workspace as of a past moment, for the server: the storage's history read (storage/history-store.ts)
 * rebuilt by core (`history.stateAt`). A few recent states are kept per storage by (workspace, seq cut,
 * time — memberships expire by the clock, so the same cut at another time can differ): the pages of an
 * as-of view, a diff and its CSV ask for the same moments again.
 */
import { history, type WorkspaceState } from '../../core/index.ts';
import type { HistoryStore } from '../storage/history-store.ts';

/** A state at a moment, and which moment it is. */
export interface Moment {
  readonly state: WorkspaceState;
  /** The time asked for (epoch ms). */
  readonly at: number;
  /** The last update included, and when it was committed (0 when unknown). */
  readonly uptoSeq: number;
  readonly uptoAt: number;
}

const CACHED_STATES = 4;
const caches = new WeakMap<HistoryStore, Map<string, WorkspaceState>>();

/** The workspace as of `at` (epoch ms), or null when `at` is before the kept history. */
export async function momentAt(store: HistoryStore, workspaceId: string, at: number): Promise<Moment | null> {
  const source = await store.docAsOf(workspaceId, at);
  if (!source) return null;
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new Map()));
  const key = `${workspaceId}:${source.uptoSeq}:${at}`;
  let state = cache.get(key);
  if (state) cache.delete(key);
  else state = history.stateAt(source, at);
  cache.set(key, state); // most recent last
  while (cache.size > CACHED_STATES) cache.delete(cache.keys().next().value as string);
  return { state, at, uptoSeq: source.uptoSeq, uptoAt: source.uptoAt };
}
