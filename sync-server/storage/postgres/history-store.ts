/**
 * The doc's past in PostgreSQL (storage/history-store.ts): `doc_updates.at` (already kept) and
 * `doc_history_snapshots`, the same contract as SQLite's (sqlite/history-store.ts). The table is created
 * at open under a transaction-scoped advisory lock, so instances starting together create it once; a
 * database whose log was compacted away before history existed starts its history at its snapshots.
 * Compaction (document-store.ts) calls `afterCompact` in its transaction, under its own advisory lock;
 * with a retention it prunes the history index too (history-index-store.ts, which reads moments by the
 * same cut and the same "before the kept history" rule as `docAsOf`).
 */
import {
  type HistoryDoc,
  type HistoryOptions,
  type HistoryStore,
  mergeHistory,
  type TimedUpdate,
} from '../history-store.ts';
import { fromBytea, toBytea } from './bytes.ts';
import { type PostgresHistoryIndex, postgresHistoryIndex } from './history-index-store.ts';
import type { Db, Queryable } from './pool.ts';

const HISTORY_LOCK_KEY = 0x68697374; // "hist"

export async function ensurePostgresHistory(db: Db): Promise<void> {
  await db.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [HISTORY_LOCK_KEY]);
    const exists = await c.query("SELECT to_regclass('doc_history_snapshots') IS NOT NULL AS yes");
    if (exists.rows[0]!.yes) return;
    await c.query(`
      CREATE TABLE doc_history_snapshots (
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        upto_seq BIGINT NOT NULL,               -- holds exactly the updates with seq <= this
        at BIGINT NOT NULL,                     -- commit time of update upto_seq
        starts_history BOOLEAN NOT NULL DEFAULT FALSE, -- the updates before it are gone
        data BYTEA NOT NULL,
        PRIMARY KEY (workspace_id, upto_seq)
      );
      CREATE INDEX doc_updates_ws_at ON doc_updates(workspace_id, at);`);
    await c.query(
      `INSERT INTO doc_history_snapshots (workspace_id, upto_seq, at, starts_history, data)
       SELECT workspace_id, upto_seq, $1, TRUE, data FROM doc_snapshots`,
      [Date.now()],
    );
  });
}

interface SnapRow {
  upto_seq: number;
  at: number;
  data: Buffer;
}

const SNAP = 'SELECT upto_seq, at, data FROM doc_history_snapshots WHERE workspace_id = $1';

export interface PostgresHistory {
  readonly store: HistoryStore;
  readonly index: PostgresHistoryIndex;
  /** In compaction's transaction, after the snapshot moved to `uptoSeq`. */
  afterCompact(c: Queryable, workspaceId: string, uptoSeq: number): Promise<void>;
}

/**
 * When history starts: the marked snapshot's time, or — when the log no longer begins at seq 1 (a copy by
 * migrate-data holds only the snapshot's tail) — the first kept update's; null: from the beginning.
 */
async function startOf(c: Queryable, ws: string): Promise<number | null> {
  const r = await c.query<{ at: number | null; first: number | null; first_at: number | null }>(
    `SELECT (SELECT MIN(at) FROM doc_history_snapshots WHERE workspace_id = $1 AND starts_history) AS at,
            f.seq AS first, f.at AS first_at
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT seq, at FROM doc_updates WHERE workspace_id = $1 ORDER BY seq LIMIT 1) f ON TRUE`,
    [ws],
  );
  const row = r.rows[0]!;
  if (row.at !== null) return row.at;
  return row.first !== null && row.first > 1 ? row.first_at : null;
}

async function updatesBetween(
  c: Queryable,
  ws: string,
  after: number,
  upto: number,
  limit: number | null = null,
): Promise<TimedUpdate[]> {
  // LIMIT NULL: all of them.
  const r = await c.query<{ seq: number; at: number; data: Buffer }>(
    'SELECT seq, at, data FROM doc_updates WHERE workspace_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
    [ws, after, upto, limit],
  );
  return r.rows.map((x) => ({ seq: x.seq, at: x.at, update: fromBytea(x.data) }));
}

/** The moment's seq cut: the last update committed at or before `at` (null: none kept). */
async function cutOf(c: Queryable, ws: string, at: number): Promise<number | null> {
  const r = await c.query<{ seq: number | null }>(
    'SELECT MAX(seq) AS seq FROM doc_updates WHERE workspace_id = $1 AND at <= $2',
    [ws, at],
  );
  return r.rows[0]!.seq;
}

/** A history snapshot without its bytes. */
type SnapCut = Omit<SnapRow, 'data'>;

interface MomentCut {
  readonly base: SnapCut | undefined;
  readonly uptoSeq: number;
  readonly uptoAt: number;
}

const SNAP_CUT = 'SELECT upto_seq, at FROM doc_history_snapshots WHERE workspace_id = $1';

/**
 * What a moment is, for docAsOf and the history index alike: null before the kept history (no history
 * snapshot under its cut, and the log does not start there); else the history snapshot it builds on, and
 * its cut — the last update committed by then, or that snapshot when it is later (a moment after the
 * history start, before the first update kept after it) — with that update's commit time.
 */
async function momentAt(c: Queryable, ws: string, at: number): Promise<MomentCut | null> {
  const cut = await cutOf(c, ws, at);
  const base = (
    cut === null
      ? await c.query<SnapCut>(`${SNAP_CUT} AND at <= $2 ORDER BY upto_seq DESC LIMIT 1`, [ws, at])
      : await c.query<SnapCut>(`${SNAP_CUT} AND upto_seq <= $2 ORDER BY upto_seq DESC LIMIT 1`, [ws, cut])
  ).rows[0];
  if (!base && (cut === null || (await startOf(c, ws)) !== null)) return null;
  if (cut === null || (base && base.upto_seq >= cut))
    return { base, uptoSeq: base!.upto_seq, uptoAt: base!.at };
  const r = await c.query<{ at: number }>('SELECT at FROM doc_updates WHERE workspace_id = $1 AND seq = $2', [
    ws,
    cut,
  ]);
  return { base, uptoSeq: cut, uptoAt: r.rows[0]!.at };
}

export function postgresHistory(db: Db, options: HistoryOptions): PostgresHistory {
  const index = postgresHistoryIndex(db, async (c, ws, at) => {
    const m = await momentAt(c, ws, at);
    return m && { seq: m.uptoSeq, at: m.uptoAt };
  });

  async function keepSnapshot(c: Queryable, ws: string, uptoSeq: number): Promise<void> {
    const last = (await c.query<SnapRow>(`${SNAP} ORDER BY upto_seq DESC LIMIT 1`, [ws])).rows[0];
    if (!last && (await startOf(c, ws)) !== null) {
      // A log that lost its beginning (copied by migrate-data): history starts at this compaction.
      await c.query(
        `INSERT INTO doc_history_snapshots (workspace_id, upto_seq, at, starts_history, data)
         SELECT workspace_id, upto_seq,
                COALESCE((SELECT at FROM doc_updates WHERE workspace_id = $1 AND seq = upto_seq), $2), TRUE, data
           FROM doc_snapshots WHERE workspace_id = $1
         ON CONFLICT DO NOTHING`,
        [ws, Date.now()],
      );
      return;
    }
    const from = last?.upto_seq ?? 0;
    const count = await c.query<{ n: number }>(
      'SELECT COUNT(*)::int AS n FROM doc_updates WHERE workspace_id = $1 AND seq > $2 AND seq <= $3',
      [ws, from, uptoSeq],
    );
    if (count.rows[0]!.n < options.snapshotEveryUpdates) return;
    const updates = await updatesBetween(c, ws, from, uptoSeq);
    const at = updates.reduce((m, u) => Math.max(m, u.at), 0);
    const merged = mergeHistory(
      last ? fromBytea(last.data) : null,
      updates.map((u) => u.update),
    );
    await c.query(
      `INSERT INTO doc_history_snapshots (workspace_id, upto_seq, at, data) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [ws, uptoSeq, at, toBytea(merged)],
    );
  }

  async function prune(c: Queryable, ws: string, uptoSeq: number): Promise<void> {
    if (options.retentionMs === null) return;
    const base = (
      await c.query<SnapRow>(`${SNAP} AND at <= $2 ORDER BY upto_seq DESC LIMIT 1`, [
        ws,
        Date.now() - options.retentionMs,
      ])
    ).rows[0];
    if (!base) return;
    await c.query('DELETE FROM doc_updates WHERE workspace_id = $1 AND seq <= $2', [
      ws,
      Math.min(base.upto_seq, uptoSeq),
    ]);
    await c.query('DELETE FROM doc_history_snapshots WHERE workspace_id = $1 AND upto_seq < $2', [
      ws,
      base.upto_seq,
    ]);
    await c.query(
      'UPDATE doc_history_snapshots SET starts_history = TRUE WHERE workspace_id = $1 AND upto_seq = $2',
      [ws, base.upto_seq],
    );
    await index.prune(c, ws, base.upto_seq);
  }

  const store: HistoryStore = {
    docAsOf(ws, at) {
      return db.tx(async (c): Promise<HistoryDoc | null> => {
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const m = await momentAt(c, ws, at);
        if (!m) return null; // before the kept history
        const base = m.base
          ? (await c.query<SnapRow>(`${SNAP} AND upto_seq = $2`, [ws, m.base.upto_seq])).rows[0]!
          : undefined;
        const baseSeq = base?.upto_seq ?? 0;
        return {
          base: base ? fromBytea(base.data) : null,
          baseSeq,
          updates: await updatesBetween(c, ws, baseSeq, m.uptoSeq),
          uptoSeq: m.uptoSeq,
          uptoAt: m.uptoAt,
        };
      });
    },
    docUpto(ws, seq) {
      return db.tx(async (c): Promise<HistoryDoc> => {
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const start = await c.query<{ upto_seq: number }>(
          'SELECT upto_seq FROM doc_history_snapshots WHERE workspace_id = $1 AND starts_history ORDER BY upto_seq LIMIT 1',
          [ws],
        );
        const upto = Math.max(seq, start.rows[0]?.upto_seq ?? 0);
        const base = (
          await c.query<SnapRow>(`${SNAP} AND upto_seq <= $2 ORDER BY upto_seq DESC LIMIT 1`, [ws, upto])
        ).rows[0];
        const baseSeq = base?.upto_seq ?? 0;
        const updates = await updatesBetween(c, ws, baseSeq, upto);
        const last = updates[updates.length - 1];
        return {
          base: base ? fromBytea(base.data) : null,
          baseSeq,
          updates,
          uptoSeq: last?.seq ?? baseSeq,
          uptoAt: last?.at ?? base?.at ?? 0,
        };
      });
    },
    historyUpdates(ws, afterSeq, uptoSeq, limit) {
      return db.tx((c) => updatesBetween(c, ws, afterSeq, uptoSeq, limit ?? null));
    },
    async historyStart(ws) {
      return (await db.tx((c) => startOf(c, ws))) ?? 0;
    },
    async updateTimes(ws, fromAt, toAt) {
      const r = await db.query<{ seq: number; at: number }>(
        'SELECT seq, at FROM doc_updates WHERE workspace_id = $1 AND at > $2 AND at <= $3 ORDER BY seq',
        [ws, fromAt, toAt],
      );
      return r.rows;
    },
  };

  return {
    store,
    index,
    async afterCompact(c, ws, uptoSeq) {
      await keepSnapshot(c, ws, uptoSeq);
      await prune(c, ws, uptoSeq);
    },
  };
}
