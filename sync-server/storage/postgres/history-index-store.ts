/**
 * The history index in PostgreSQL (storage/history-index-store.ts), the same tables and contract as
 * SQLite's (sqlite/history-index-store.ts): checkpoints, per-entity changes and the head per workspace.
 * The tables are created at open under a transaction-scoped advisory lock (as history-store.ts creates
 * its own); a moment's cut is the history store's (`doc_updates` by commit time), read in the same
 * REPEATABLE READ transaction as the index rows so the two agree.
 */
import type {
  HistoryIndexStore,
  IndexChange,
  IndexCheckpoint,
  IndexedMoment,
  IndexHead,
} from '../history-index-store.ts';
import { fromBytea, toBytea } from './bytes.ts';
import type { Db, Queryable } from './pool.ts';

const INDEX_LOCK_KEY = 0x68696478; // "hidx"
/** Changes per INSERT (each column is one array parameter, so this bounds the statement, not a limit). */
const CHANGES_PER_INSERT = 5_000;

export async function ensurePostgresHistoryIndex(db: Db): Promise<void> {
  await db.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [INDEX_LOCK_KEY]);
    const exists = await c.query("SELECT to_regclass('history_changes') IS NOT NULL AS yes");
    if (exists.rows[0]!.yes) return;
    await c.query(`
      CREATE TABLE history_index_heads (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
        head_seq BIGINT NOT NULL,
        head_at BIGINT NOT NULL,
        since_checkpoint BIGINT NOT NULL
      );
      CREATE TABLE history_checkpoints (
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        upto_seq BIGINT NOT NULL,
        at BIGINT NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (workspace_id, upto_seq)
      );
      CREATE TABLE history_changes (
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        seq BIGINT NOT NULL,
        entity TEXT NOT NULL,
        shared BOOLEAN NOT NULL,
        at BIGINT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (workspace_id, seq, entity)
      );
      CREATE INDEX history_changes_entity ON history_changes(workspace_id, entity, seq);
      CREATE INDEX history_changes_shared ON history_changes(workspace_id, shared, seq);`);
  });
}

interface ChangeRow {
  seq: number;
  at: number;
  entity: string;
  shared: boolean;
  data: string;
}

const change = (r: ChangeRow): IndexChange => ({
  seq: r.seq,
  at: r.at,
  entity: r.entity,
  shared: r.shared,
  data: r.data,
});

const CHANGE_COLUMNS = 'seq, at, entity, shared, data';

export interface PostgresHistoryIndex {
  readonly store: HistoryIndexStore;
  /** In compaction's transaction, after retention moved the history's start to `startSeq`. */
  prune(c: Queryable, workspaceId: string, startSeq: number): Promise<void>;
}

/**
 * `cutAt(c, ws, at)`: the moment's seq cut and that update's commit time, as the history store's docAsOf
 * has it (null: `at` is before the kept history), read in the index's transaction.
 */
export function postgresHistoryIndex(
  db: Db,
  cutAt: (c: Queryable, ws: string, at: number) => Promise<{ seq: number; at: number } | null>,
): PostgresHistoryIndex {
  async function headOf(c: Queryable, ws: string): Promise<IndexHead | null> {
    const r = await c.query<{ seq: number; at: number; since: number }>(
      'SELECT head_seq AS seq, head_at AS at, since_checkpoint AS since FROM history_index_heads WHERE workspace_id = $1',
      [ws],
    );
    const row = r.rows[0];
    return row ? { seq: row.seq, at: row.at, sinceCheckpoint: row.since } : null;
  }

  return {
    async prune(c, ws, startSeq) {
      const keep = (
        await c.query<{ seq: number | null }>(
          'SELECT MAX(upto_seq) AS seq FROM history_checkpoints WHERE workspace_id = $1 AND upto_seq <= $2',
          [ws, startSeq],
        )
      ).rows[0]!.seq;
      if (keep === null) return;
      await c.query('DELETE FROM history_checkpoints WHERE workspace_id = $1 AND upto_seq < $2', [ws, keep]);
      await c.query('DELETE FROM history_changes WHERE workspace_id = $1 AND seq <= $2', [ws, keep]);
    },
    store: {
      indexHead(ws) {
        return db.tx((c) => headOf(c, ws));
      },
      indexedMoment(ws, at) {
        return db.tx(async (c): Promise<IndexedMoment | null> => {
          await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
          const cut = await cutAt(c, ws, at);
          if (!cut) return null;
          const head = await headOf(c, ws);
          const uptoSeq = cut.seq;
          if (!head || head.seq < uptoSeq) return null;
          const cp = (
            await c.query<{ seq: number; at: number; data: Buffer }>(
              `SELECT upto_seq AS seq, at, data FROM history_checkpoints
                WHERE workspace_id = $1 AND upto_seq <= $2 ORDER BY upto_seq DESC LIMIT 1`,
              [ws, uptoSeq],
            )
          ).rows[0];
          if (!cp) return null;
          const checkpoint: IndexCheckpoint = { seq: cp.seq, at: cp.at, data: fromBytea(cp.data) };
          const rows = await c.query<ChangeRow>(
            `SELECT ${CHANGE_COLUMNS} FROM history_changes
              WHERE workspace_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq, entity`,
            [ws, cp.seq, uptoSeq],
          );
          return { checkpoint, changes: rows.rows.map(change), uptoSeq, uptoAt: cut.at };
        });
      },
      async indexChangesFor(ws, afterSeq, uptoSeq, userId, limit) {
        const r = await db.query<ChangeRow>(
          `SELECT ${CHANGE_COLUMNS} FROM (
             SELECT ${CHANGE_COLUMNS} FROM history_changes
              WHERE workspace_id = $1 AND shared AND seq > $2 AND seq <= $3
             UNION ALL
             SELECT ${CHANGE_COLUMNS} FROM history_changes
              WHERE workspace_id = $1 AND entity = $4 AND seq > $2 AND seq <= $3) t
           ORDER BY seq, entity LIMIT $5`,
          [ws, afterSeq, uptoSeq, `u:${userId}`, limit],
        );
        return r.rows.map(change);
      },
      async writeIndex(ws, run) {
        await db.tx(async (c) => {
          for (const cp of run.checkpoints)
            await c.query(
              `INSERT INTO history_checkpoints (workspace_id, upto_seq, at, data) VALUES ($1, $2, $3, $4)
               ON CONFLICT DO NOTHING`,
              [ws, cp.seq, cp.at, toBytea(cp.data)],
            );
          for (let i = 0; i < run.changes.length; i += CHANGES_PER_INSERT) {
            const chunk = run.changes.slice(i, i + CHANGES_PER_INSERT);
            await c.query(
              `INSERT INTO history_changes (workspace_id, seq, entity, shared, at, data)
               SELECT $1::text, * FROM unnest($2::bigint[], $3::text[], $4::boolean[], $5::bigint[], $6::text[])
               ON CONFLICT DO NOTHING`,
              [
                ws,
                chunk.map((x) => x.seq),
                chunk.map((x) => x.entity),
                chunk.map((x) => x.shared),
                chunk.map((x) => x.at),
                chunk.map((x) => x.data),
              ],
            );
          }
          await c.query(
            `INSERT INTO history_index_heads (workspace_id, head_seq, head_at, since_checkpoint)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (workspace_id) DO UPDATE SET head_seq = excluded.head_seq, head_at = excluded.head_at,
               since_checkpoint = excluded.since_checkpoint WHERE excluded.head_seq > history_index_heads.head_seq`,
            [ws, run.head.seq, run.head.at, run.head.sinceCheckpoint],
          );
        });
      },
    },
  };
}
