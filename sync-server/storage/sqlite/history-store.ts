/**
 * The doc's past in SQLite (storage/history-store.ts): `doc_updates.at` (commit time) and
 * `doc_history_snapshots`. Compaction (document-store.ts) calls `afterCompact` in its transaction: it keeps
 * a history snapshot every `snapshotEveryUpdates` updates and, with a retention, drops the updates and
 * snapshots older than the newest history snapshot before the cutoff. A file from before history existed
 * starts its history at the snapshot it had then (the updates before it were compacted away).
 */
import {
  type HistoryDoc,
  type HistoryOptions,
  type HistoryStore,
  mergeHistory,
  type TimedUpdate,
} from '../history-store.ts';
import { type SqliteHistoryIndex, sqliteHistoryIndex } from './history-index-store.ts';
import type { Db } from './open-database.ts';

const HISTORY_SQL = `
CREATE TABLE IF NOT EXISTS doc_history_snapshots (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  upto_seq INTEGER NOT NULL,            -- holds exactly the updates with seq <= this
  at INTEGER NOT NULL,                  -- commit time of update upto_seq
  starts_history INTEGER NOT NULL DEFAULT 0, -- 1: the updates before it are gone
  data BLOB NOT NULL,
  PRIMARY KEY (workspace_id, upto_seq)
);
CREATE INDEX IF NOT EXISTS doc_updates_ws_at ON doc_updates(workspace_id, at);
`;

/** Adds `doc_updates.at` and the history table; a file that had no history starts it at its snapshots. */
export function ensureSqliteHistory(db: Db): void {
  const columns = db.prepare('PRAGMA table_info(doc_updates)').all() as { name: string }[];
  const fresh = !columns.some((c) => c.name === 'at');
  db.transaction(() => {
    if (fresh) db.exec('ALTER TABLE doc_updates ADD COLUMN at INTEGER');
    db.exec(HISTORY_SQL);
    if (fresh)
      db.prepare(
        `INSERT OR IGNORE INTO doc_history_snapshots (workspace_id, upto_seq, at, starts_history, data)
         SELECT workspace_id, upto_seq, ?, 1, data FROM doc_snapshots`,
      ).run(Date.now());
  })();
}

interface SnapRow {
  upto_seq: number;
  at: number;
  data: Buffer;
}

/** A history snapshot without its bytes. */
type SnapCut = Omit<SnapRow, 'data'>;

interface MomentCut {
  readonly base: SnapCut | undefined;
  readonly uptoSeq: number;
  readonly uptoAt: number;
}

export interface SqliteHistory {
  readonly store: HistoryStore;
  readonly index: SqliteHistoryIndex;
  /** In compaction's transaction, after the snapshot moved to `uptoSeq`. */
  afterCompact(workspaceId: string, uptoSeq: number): void;
}

export function sqliteHistory(db: Db, options: HistoryOptions): SqliteHistory {
  const q = {
    // A row without a time is the workspace's first update (written by createWorkspace): its creation time.
    // Two index range reads (workspace_id, at), not a scan with COALESCE.
    cut: db.prepare(
      `SELECT MAX(seq) AS seq FROM (
         SELECT MAX(seq) AS seq FROM doc_updates WHERE workspace_id = @ws AND at <= @at
         UNION ALL
         SELECT MAX(seq) FROM doc_updates WHERE workspace_id = @ws AND at IS NULL
           AND (SELECT created_at FROM workspaces WHERE id = @ws) <= @at)`,
    ),
    baseUpto: db.prepare(
      'SELECT upto_seq, at, data FROM doc_history_snapshots WHERE workspace_id = ? AND upto_seq <= ? ORDER BY upto_seq DESC LIMIT 1',
    ),
    baseAt: db.prepare(
      'SELECT upto_seq, at, data FROM doc_history_snapshots WHERE workspace_id = ? AND at <= ? ORDER BY upto_seq DESC LIMIT 1',
    ),
    oldestStart: db.prepare(
      'SELECT upto_seq, at, data FROM doc_history_snapshots WHERE workspace_id = ? AND starts_history = 1 ORDER BY upto_seq LIMIT 1',
    ),
    newest: db.prepare(
      'SELECT upto_seq, at, data FROM doc_history_snapshots WHERE workspace_id = ? ORDER BY upto_seq DESC LIMIT 1',
    ),
    start: db.prepare(
      'SELECT MIN(at) AS at FROM doc_history_snapshots WHERE workspace_id = ? AND starts_history = 1',
    ),
    // LIMIT -1: all of them.
    between: db.prepare(
      'SELECT seq, COALESCE(at, 0) AS at, data FROM doc_updates WHERE workspace_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
    ),
    count: db.prepare(
      'SELECT COUNT(*) AS n, MAX(COALESCE(at, 0)) AS at FROM doc_updates WHERE workspace_id = ? AND seq > ? AND seq <= ?',
    ),
    times: db.prepare(
      'SELECT seq, at FROM doc_updates WHERE workspace_id = ? AND at > ? AND at <= ? ORDER BY seq',
    ),
    insert: db.prepare(
      'INSERT OR IGNORE INTO doc_history_snapshots (workspace_id, upto_seq, at, starts_history, data) VALUES (?, ?, ?, 0, ?)',
    ),
    dropUpdates: db.prepare('DELETE FROM doc_updates WHERE workspace_id = ? AND seq <= ?'),
    dropSnapshots: db.prepare('DELETE FROM doc_history_snapshots WHERE workspace_id = ? AND upto_seq < ?'),
    markStart: db.prepare(
      'UPDATE doc_history_snapshots SET starts_history = 1 WHERE workspace_id = ? AND upto_seq = ?',
    ),
  };
  const startOf = (ws: string): number | null => (q.start.get(ws) as { at: number | null }).at;
  const updatesBetween = (ws: string, after: number, upto: number, limit = -1) =>
    (q.between.all(ws, after, upto, limit) as { seq: number; at: number; data: Buffer }[]).map(
      (r): TimedUpdate => ({ seq: r.seq, at: r.at, update: new Uint8Array(r.data) }),
    );

  const cutTime = db.prepare(
    'SELECT COALESCE(at, 0) AS at FROM doc_updates WHERE workspace_id = ? AND seq = ?',
  );
  const baseUptoCut = db.prepare(
    'SELECT upto_seq, at FROM doc_history_snapshots WHERE workspace_id = ? AND upto_seq <= ? ORDER BY upto_seq DESC LIMIT 1',
  );
  const baseAtCut = db.prepare(
    'SELECT upto_seq, at FROM doc_history_snapshots WHERE workspace_id = ? AND at <= ? ORDER BY upto_seq DESC LIMIT 1',
  );
  const snapshotAt = db.prepare(
    'SELECT upto_seq, at, data FROM doc_history_snapshots WHERE workspace_id = ? AND upto_seq = ?',
  );

  /**
   * What a moment is, for docAsOf and the history index alike: null before the kept history (no history
   * snapshot under its cut, and the log does not start there); else the history snapshot it builds on,
   * and its cut — the last update committed by then, or that snapshot when it is later (a moment after
   * the history start, before the first update kept after it) — with that update's commit time.
   */
  const momentAt = (ws: string, at: number): MomentCut | null => {
    const cut = (q.cut.get({ ws, at }) as { seq: number | null }).seq;
    const base = (cut === null ? baseAtCut.get(ws, at) : baseUptoCut.get(ws, cut)) as SnapCut | undefined;
    if (!base && (startOf(ws) !== null || cut === null)) return null;
    if (cut === null || (base && base.upto_seq >= cut))
      return { base, uptoSeq: base!.upto_seq, uptoAt: base!.at };
    return { base, uptoSeq: cut, uptoAt: (cutTime.get(ws, cut) as { at: number }).at };
  };

  const index = sqliteHistoryIndex(db, (ws, at) => {
    const m = momentAt(ws, at);
    return m && { seq: m.uptoSeq, at: m.uptoAt };
  });

  const asOfTx = db.transaction((ws: string, at: number): HistoryDoc | null => {
    const m = momentAt(ws, at);
    if (!m) return null; // before the kept history
    const base = m.base && (snapshotAt.get(ws, m.base.upto_seq) as SnapRow);
    const baseSeq = base?.upto_seq ?? 0;
    return {
      base: base ? new Uint8Array(base.data) : null,
      baseSeq,
      updates: updatesBetween(ws, baseSeq, m.uptoSeq),
      uptoSeq: m.uptoSeq,
      uptoAt: m.uptoAt,
    };
  });

  const uptoTx = db.transaction((ws: string, seq: number): HistoryDoc => {
    const start = q.oldestStart.get(ws) as SnapRow | undefined;
    const upto = Math.max(seq, start?.upto_seq ?? 0);
    const base = q.baseUpto.get(ws, upto) as SnapRow | undefined;
    const baseSeq = base?.upto_seq ?? 0;
    const updates = updatesBetween(ws, baseSeq, upto);
    return {
      base: base ? new Uint8Array(base.data) : null,
      baseSeq,
      updates,
      uptoSeq: Math.max(baseSeq, updates.length > 0 ? updates[updates.length - 1]!.seq : baseSeq),
      uptoAt: updates.length > 0 ? updates[updates.length - 1]!.at : (base?.at ?? 0),
    };
  });

  function keepSnapshot(ws: string, uptoSeq: number): void {
    const last = q.newest.get(ws) as SnapRow | undefined;
    if (!last && startOf(ws) !== null) return;
    const from = last?.upto_seq ?? 0;
    const { n, at } = q.count.get(ws, from, uptoSeq) as { n: number; at: number | null };
    if (n < options.snapshotEveryUpdates) return;
    const updates = updatesBetween(ws, from, uptoSeq);
    const merged = mergeHistory(
      last ? new Uint8Array(last.data) : null,
      updates.map((u) => u.update),
    );
    q.insert.run(ws, uptoSeq, at ?? 0, merged);
  }

  function prune(ws: string, uptoSeq: number): void {
    if (options.retentionMs === null) return;
    const base = q.baseAt.get(ws, Date.now() - options.retentionMs) as SnapRow | undefined;
    if (!base) return;
    q.dropUpdates.run(ws, Math.min(base.upto_seq, uptoSeq));
    q.dropSnapshots.run(ws, base.upto_seq);
    q.markStart.run(ws, base.upto_seq);
    index.prune(ws, base.upto_seq);
  }

  return {
    index,
    afterCompact(ws, uptoSeq) {
      keepSnapshot(ws, uptoSeq);
      prune(ws, uptoSeq);
    },
    store: {
      async docAsOf(ws, at) {
        return asOfTx(ws, at);
      },
      async docUpto(ws, seq) {
        return uptoTx(ws, seq);
      },
      async historyUpdates(ws, afterSeq, uptoSeq, limit) {
        return updatesBetween(ws, afterSeq, uptoSeq, limit);
      },
      async historyStart(ws) {
        return startOf(ws) ?? 0;
      },
      async updateTimes(ws, fromAt, toAt) {
        return q.times.all(ws, fromAt, toAt) as { seq: number; at: number }[];
      },
    },
  };
}
