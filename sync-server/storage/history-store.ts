/**
 * The doc's past (issue 15): every logged update keeps its commit time, and compaction keeps what
 * answering "the workspace as of time T" needs — the update log for the retention period
 * (`HISTORY_RETENTION_DAYS`, default forever) and history snapshots every `snapshotEveryUpdates` updates,
 * each built from the previous one plus the updates it covers (so it holds exactly the updates up to its
 * seq, whatever the live doc held when it compacted).
 *
 * A moment is a seq cut: the state as of T is every update with seq ≤ the last seq committed at or before T.
 */
import * as Y from 'yjs';

/** One logged update with its commit time (epoch ms; 0 for rows logged before times were kept). */
export interface TimedUpdate {
  readonly seq: number;
  readonly at: number;
  readonly update: Uint8Array;
}

/** What rebuilding one moment needs: a kept snapshot (or nothing) and the updates after it, in seq order. */
export interface HistoryDoc {
  /** A V1 update holding every update with seq ≤ baseSeq; null: the updates start from an empty doc. */
  readonly base: Uint8Array | null;
  readonly baseSeq: number;
  readonly updates: readonly TimedUpdate[];
  /** The moment's seq cut (the last update included); the same cut is the same state. */
  readonly uptoSeq: number;
  /** Commit time of the last update included (0 when unknown). */
  readonly uptoAt: number;
}

export interface HistoryOptions {
  /** Updates older than this are dropped at compaction (keeping a snapshot to start from); null: forever. */
  readonly retentionMs: number | null;
  /** A history snapshot is kept after at least this many updates since the previous one. */
  readonly snapshotEveryUpdates: number;
}

export const DEFAULT_HISTORY: HistoryOptions = { retentionMs: null, snapshotEveryUpdates: 1_000 };

export interface HistoryStore {
  /** The doc as of `at` (epoch ms): null when `at` is before the oldest moment kept. */
  docAsOf(workspaceId: string, at: number): Promise<HistoryDoc | null>;
  /**
   * The doc holding exactly the updates with seq ≤ max(`seq`, where the kept history starts) — the history
   * index's starting point (its `uptoSeq` says which seq it holds).
   */
  docUpto(workspaceId: string, seq: number): Promise<HistoryDoc>;
  /** The oldest moment that can be answered (epoch ms; 0: from the workspace's creation). */
  historyStart(workspaceId: string): Promise<number>;
  /** The kept updates with afterSeq < seq ≤ uptoSeq, in seq order, the first `limit` (none: all). */
  historyUpdates(
    workspaceId: string,
    afterSeq: number,
    uptoSeq: number,
    limit?: number,
  ): Promise<TimedUpdate[]>;
  /** The seqs and times of the updates committed in (fromAt, toAt], in seq order (no bytes). */
  updateTimes(workspaceId: string, fromAt: number, toAt: number): Promise<{ seq: number; at: number }[]>;
}

const DAY_MS = 86_400_000;

/** `HISTORY_RETENTION_DAYS` (a positive number of days, empty or `forever` for no limit). */
export function historyOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): HistoryOptions {
  const raw = env.HISTORY_RETENTION_DAYS?.trim() ?? '';
  if (raw === '' || raw.toLowerCase() === 'forever') return DEFAULT_HISTORY;
  const days = Number(raw);
  if (!Number.isFinite(days) || days <= 0)
    throw new Error(`HISTORY_RETENTION_DAYS must be a positive number of days or "forever" (got ${raw})`);
  return { ...DEFAULT_HISTORY, retentionMs: days * DAY_MS };
}

/** The state after `base` and `updates` as one V1 update (a history snapshot). */
export function mergeHistory(base: Uint8Array | null, updates: readonly Uint8Array[]): Uint8Array {
  const doc = new Y.Doc();
  if (base) Y.applyUpdate(doc, base);
  for (const u of updates) Y.applyUpdate(doc, u);
  const merged = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return merged;
}
