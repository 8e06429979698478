/**
 * The history index (issue 15): a model-level copy of the update log, derived from it in seq order by the
 * history worker's `index` job (history/history-index.ts) and rebuildable from it at any time, so that
 * "the workspace at T" and "one user's timeline" read plain JSON instead of replaying Yjs updates.
 *
 * - A **checkpoint** is the whole model after the update `seq` (core/history/model-index.ts `encodeModel`,
 *   gzipped JSON): written once 5,000 changes have gathered since the last one.
 * - A **change** is what one update did to one entity: `entity` is `u:<userId>` (the user and their
 *   memberships in every group), `g:<groupId>` (a group's own fields and grants), `a:<id>`, `d:<id>`,
 *   `c:<id>` (conflicts) or `meta`; `shared` is true for the entities every user's access reads (groups,
 *   apps, data sources, meta), so one user's timeline reads the shared changes plus their own.
 * - The **head** is the last seq indexed. Rows are written idempotently and the head only moves forward:
 *   two instances indexing the same workspace write the same rows.
 *
 * A moment is the same seq cut as the history store's (`docAsOf`): every update committed at or before T.
 */

/** What one update did to one entity (JSON text; core/history/model-index.ts reads it). */
export interface IndexChange {
  readonly seq: number;
  readonly at: number;
  readonly entity: string;
  readonly shared: boolean;
  readonly data: string;
}

/** The whole model after update `seq` (gzipped JSON). */
export interface IndexCheckpoint {
  readonly seq: number;
  readonly at: number;
  readonly data: Uint8Array;
}

export interface IndexHead {
  /** The last update indexed, and its commit time. */
  readonly seq: number;
  readonly at: number;
  /** Changes indexed since the newest checkpoint. */
  readonly sinceCheckpoint: number;
}

/** What the index holds for one moment: the newest checkpoint at or before its cut, and the changes after it. */
export interface IndexedMoment {
  readonly checkpoint: IndexCheckpoint;
  /** The changes with checkpoint.seq < seq ≤ uptoSeq, in (seq, entity) order. */
  readonly changes: readonly IndexChange[];
  /** The moment's seq cut, and the commit time of that update (0 when unknown). */
  readonly uptoSeq: number;
  readonly uptoAt: number;
}

export interface IndexRun {
  readonly checkpoints: readonly IndexCheckpoint[];
  readonly changes: readonly IndexChange[];
  readonly head: IndexHead;
}

export interface HistoryIndexStore {
  /** How far the index goes (null: nothing indexed yet). */
  indexHead(workspaceId: string): Promise<IndexHead | null>;
  /**
   * The index rows for the moment `at` (epoch ms): null when the index does not cover its cut yet (head
   * below it), holds no checkpoint at or before it, or `at` is before the kept history.
   */
  indexedMoment(workspaceId: string, at: number): Promise<IndexedMoment | null>;
  /**
   * The changes with afterSeq < seq ≤ uptoSeq that one user's access reads: the shared ones and
   * `u:<userId>`, the first `limit` in (seq, entity) order.
   */
  indexChangesFor(
    workspaceId: string,
    afterSeq: number,
    uptoSeq: number,
    userId: string,
    limit: number,
  ): Promise<IndexChange[]>;
  /** Writes one indexer run in one transaction (rows already there are kept); the head moves only forward. */
  writeIndex(workspaceId: string, run: IndexRun): Promise<void>;
}
