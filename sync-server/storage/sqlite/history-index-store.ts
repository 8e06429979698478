/**
 * The history index in SQLite (storage/history-index-store.ts): checkpoints, per-entity changes and the
 * head per workspace. A moment's cut is the history store's (`doc_updates` by commit time).
 */
import type {
  HistoryIndexStore,
  IndexChange,
  IndexCheckpoint,
  IndexedMoment,
  IndexHead,
} from '../history-index-store.ts';
import type { Db } from './open-database.ts';

const INDEX_SQL = `
CREATE TABLE IF NOT EXISTS history_index_heads (
  workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
  head_seq INTEGER NOT NULL,
  head_at INTEGER NOT NULL,
  since_checkpoint INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS history_checkpoints (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  upto_seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (workspace_id, upto_seq)
);
CREATE TABLE IF NOT EXISTS history_changes (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  seq INTEGER NOT NULL,
  entity TEXT NOT NULL,
  shared INTEGER NOT NULL,
  at INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (workspace_id, seq, entity)
);
CREATE INDEX IF NOT EXISTS history_changes_entity ON history_changes(workspace_id, entity, seq);
CREATE INDEX IF NOT EXISTS history_changes_shared ON history_changes(workspace_id, shared, seq);
`;

interface ChangeRow {
  seq: number;
  at: number;
  entity: string;
  shared: number;
  data: string;
}

const change = (r: ChangeRow): IndexChange => ({
  seq: r.seq,
  at: r.at,
  entity: r.entity,
  shared: r.shared === 1,
  data: r.data,
});

export interface SqliteHistoryIndex {
  readonly store: HistoryIndexStore;
  /** In compaction's transaction, after retention moved the history's start to `startSeq`. */
  prune(workspaceId: string, startSeq: number): void;
}

/**
 * `cutAt(ws, at)`: the moment's seq cut and that update's commit time, as the history store's docAsOf
 * has it; null when `at` is before the kept history.
 */
export function sqliteHistoryIndex(
  db: Db,
  cutAt: (ws: string, at: number) => { seq: number; at: number } | null,
): SqliteHistoryIndex {
  db.exec(INDEX_SQL);
  const q = {
    head: db.prepare(
      'SELECT head_seq AS seq, head_at AS at, since_checkpoint AS sinceCheckpoint FROM history_index_heads WHERE workspace_id = ?',
    ),
    checkpoint: db.prepare(
      'SELECT upto_seq AS seq, at, data FROM history_checkpoints WHERE workspace_id = ? AND upto_seq <= ? ORDER BY upto_seq DESC LIMIT 1',
    ),
    changes: db.prepare(
      'SELECT seq, at, entity, shared, data FROM history_changes WHERE workspace_id = ? AND seq > ? AND seq <= ? ORDER BY seq, entity',
    ),
    forUser: db.prepare(
      `SELECT seq, at, entity, shared, data FROM (
         SELECT seq, at, entity, shared, data FROM history_changes
          WHERE workspace_id = @ws AND shared = 1 AND seq > @after AND seq <= @upto
         UNION ALL
         SELECT seq, at, entity, shared, data FROM history_changes
          WHERE workspace_id = @ws AND entity = @entity AND seq > @after AND seq <= @upto)
       ORDER BY seq, entity LIMIT @limit`,
    ),
    insertCheckpoint: db.prepare(
      'INSERT OR IGNORE INTO history_checkpoints (workspace_id, upto_seq, at, data) VALUES (?, ?, ?, ?)',
    ),
    insertChange: db.prepare(
      'INSERT OR IGNORE INTO history_changes (workspace_id, seq, entity, shared, at, data) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    upsertHead: db.prepare(
      `INSERT INTO history_index_heads (workspace_id, head_seq, head_at, since_checkpoint) VALUES (?, ?, ?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET head_seq = excluded.head_seq, head_at = excluded.head_at,
         since_checkpoint = excluded.since_checkpoint WHERE excluded.head_seq > history_index_heads.head_seq`,
    ),
    newestUpTo: db.prepare(
      'SELECT MAX(upto_seq) AS seq FROM history_checkpoints WHERE workspace_id = ? AND upto_seq <= ?',
    ),
    dropCheckpoints: db.prepare('DELETE FROM history_checkpoints WHERE workspace_id = ? AND upto_seq < ?'),
    dropChanges: db.prepare('DELETE FROM history_changes WHERE workspace_id = ? AND seq <= ?'),
  };
  const headOf = (ws: string) => (q.head.get(ws) as IndexHead | undefined) ?? null;

  const momentTx = db.transaction((ws: string, at: number): IndexedMoment | null => {
    const cut = cutAt(ws, at);
    if (!cut) return null;
    const head = headOf(ws);
    const uptoSeq = cut.seq;
    if (!head || head.seq < uptoSeq) return null;
    const cp = q.checkpoint.get(ws, uptoSeq) as { seq: number; at: number; data: Buffer } | undefined;
    if (!cp) return null;
    const checkpoint: IndexCheckpoint = { seq: cp.seq, at: cp.at, data: new Uint8Array(cp.data) };
    const changes = (q.changes.all(ws, cp.seq, uptoSeq) as ChangeRow[]).map(change);
    return { checkpoint, changes, uptoSeq, uptoAt: cut.at };
  });

  const writeTx = db.transaction((ws: string, run: Parameters<HistoryIndexStore['writeIndex']>[1]) => {
    for (const c of run.checkpoints) q.insertCheckpoint.run(ws, c.seq, c.at, c.data);
    for (const c of run.changes) q.insertChange.run(ws, c.seq, c.entity, c.shared ? 1 : 0, c.at, c.data);
    q.upsertHead.run(ws, run.head.seq, run.head.at, run.head.sinceCheckpoint);
  });

  return {
    prune(ws, startSeq) {
      const keep = (q.newestUpTo.get(ws, startSeq) as { seq: number | null }).seq;
      if (keep === null) return;
      q.dropCheckpoints.run(ws, keep);
      q.dropChanges.run(ws, keep);
    },
    store: {
      async indexHead(ws) {
        return headOf(ws);
      },
      async indexedMoment(ws, at) {
        return momentTx(ws, at);
      },
      async indexChangesFor(ws, afterSeq, uptoSeq, userId, limit) {
        const rows = q.forUser.all({
          ws,
          after: afterSeq,
          upto: uptoSeq,
          entity: `u:${userId}`,
          limit,
        }) as ChangeRow[];
        return rows.map(change);
      },
      async writeIndex(ws, run) {
        writeTx(ws, run);
      },
    },
  };
}
