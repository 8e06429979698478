/**
 * The doc log in PostgreSQL: `doc_snapshots` (one per workspace) and `doc_updates` keyed by
 * (workspace, seq), where seq comes from `workspaces.head_seq`, bumped in the transaction that inserts
 * the rows: gap-free per workspace (a rollback takes its seqs back), which is what fan-out's gap
 * detection needs. The workspace row is locked first (`FOR UPDATE`), so concurrent appends from other
 * instances queue behind it, and an append fenced by `expectedHeadSeq` sees the head it would build on.
 * A resend (same bytes: same SHA-256) is skipped by the unique (workspace, update_hash), taking no seq
 * and writing no audit row. Within this instance, appends and compactions of one workspace run one at a
 * time (KeyedQueue); compaction is done by whoever wins `pg_try_advisory_xact_lock`, only moves the
 * snapshot forward, and refuses a snapshot that lacks a row it would drop, so concurrent, repeated or
 * stale compactions are harmless.
 */
import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import type { DocumentStore, SnapshotInfo, StoredDoc } from '../document-store.ts';
import { HeadMovedError } from '../errors.ts';
import { insertAudit } from './audit-store.ts';
import { fromBytea, toBytea } from './bytes.ts';
import type { PostgresHistory } from './history-store.ts';
import type { KeyedQueue } from './keyed-queue.ts';
import type { Db } from './pool.ts';

/** The advisory-lock class of compaction (two-key form: class, hashtext(workspace id)). */
const COMPACT_LOCK_CLASS = 0x636f6d70; // "comp"

interface DocRow {
  kind: number;
  seq: number;
  data: Buffer;
  state_vector: Buffer | null;
  admin_emails: string[] | null;
}

/** `history` keeps the log and history snapshots through compaction (issue 15); without it compaction drops the log. */
export function postgresDocumentStore(db: Db, queue: KeyedQueue, history?: PostgresHistory): DocumentStore {
  return {
    async loadDoc(workspaceId) {
      // One statement: one consistent snapshot of the snapshot row and the updates after it.
      const { rows } = await db.query<DocRow>(
        `SELECT 0 AS kind, upto_seq AS seq, data, state_vector, admin_emails
           FROM doc_snapshots WHERE workspace_id = $1
         UNION ALL
         SELECT 1, u.seq, u.data, NULL, NULL FROM doc_updates u
          WHERE u.workspace_id = $1
            AND u.seq > COALESCE((SELECT upto_seq FROM doc_snapshots WHERE workspace_id = $1), 0)
         ORDER BY kind, seq`,
        [workspaceId],
      );
      const snap = rows[0]?.kind === 0 ? rows[0] : null;
      const updates = snap ? rows.slice(1) : rows;
      let bytes = snap?.data.length ?? 0;
      for (const r of updates) bytes += r.data.length;
      const doc: StoredDoc = {
        snapshot: snap ? fromBytea(snap.data) : null,
        snapshotInfo:
          snap?.state_vector && snap.admin_emails !== null
            ? { stateVector: fromBytea(snap.state_vector), adminEmails: snap.admin_emails }
            : null,
        updates: updates.map((r) => fromBytea(r.data)),
        lastSeq: updates.length > 0 ? updates[updates.length - 1]!.seq : (snap?.seq ?? 0),
        bytes,
      };
      return doc;
    },

    appendUpdates(workspaceId, records, options = {}) {
      return queue.run(workspaceId, () =>
        db.tx(async (c) => {
          const head = await c.query<{ head_seq: number }>(
            'SELECT head_seq FROM workspaces WHERE id = $1 FOR UPDATE',
            [workspaceId],
          );
          if (head.rows.length === 0) throw new Error(`no workspace ${workspaceId}`);
          const headSeq = head.rows[0]!.head_seq;
          if (options.expectedHeadSeq !== undefined && headSeq !== options.expectedHeadSeq)
            throw new HeadMovedError(workspaceId, options.expectedHeadSeq, headSeq);
          const none = { first: headSeq + 1, head: headSeq };
          if (records.length === 0) return none;
          const hashes = records.map((r) => createHash('sha256').update(r.update).digest());
          const now = Date.now();
          // Numbered after the head in arrival order, skipping what is logged already (and repeats within
          // the batch): the rows taken get head+1 … head+k, and head_seq moves by k in the same statement
          // (the row is locked above, so the NOT EXISTS below sees every committed row).
          const result = await c.query<{ head_seq: number; inserted: Buffer[] }>(
            `WITH input AS (
               SELECT hash, data, ord FROM unnest($2::bytea[], $3::bytea[]) WITH ORDINALITY AS t(hash, data, ord)
             ), fresh AS (
               SELECT DISTINCT ON (hash) hash, data, ord FROM input i
                WHERE NOT EXISTS (SELECT 1 FROM doc_updates d WHERE d.workspace_id = $1 AND d.update_hash = i.hash)
                ORDER BY hash, ord
             ), numbered AS (
               SELECT hash, data, ord, $4::bigint + row_number() OVER (ORDER BY ord) AS seq FROM fresh
             ), ins AS (
               INSERT INTO doc_updates (workspace_id, seq, update_hash, data, author, instance, at)
               SELECT $1, n.seq, n.hash, n.data, (($6::text[])[n.ord]), $5, (($7::bigint[])[n.ord]) FROM numbered n
               RETURNING update_hash
             )
             UPDATE workspaces SET head_seq = $4::bigint + (SELECT count(*) FROM ins) WHERE id = $1
             RETURNING head_seq, ARRAY(SELECT update_hash FROM ins) AS inserted`,
            [
              workspaceId,
              hashes,
              records.map((r) => toBytea(r.update)),
              headSeq,
              options.instance ?? null,
              records.map((r) => r.audit?.actorId ?? null),
              // The change's time as its audit row has it (history reads moments by it), else now.
              records.map((r) => r.audit?.at ?? now),
            ],
          );
          const { head_seq: newHead, inserted } = result.rows[0]!;
          if (inserted.length === 0) return none;
          // The audit row of each record logged now (the first of repeats within the batch).
          const taken = new Set(inserted.map((h) => h.toString('hex')));
          const audit = records.flatMap((r, i) => {
            const hex = hashes[i]!.toString('hex');
            if (!taken.delete(hex) || !r.audit) return [];
            return [r.audit];
          });
          await insertAudit(c, audit);
          return { first: headSeq + 1, head: newHead };
        }),
      );
    },

    compact(workspaceId, snapshot, uptoSeq, info?: SnapshotInfo) {
      return queue.run(workspaceId, () =>
        db.tx(async (c) => {
          const lock = await c.query<{ won: boolean }>(
            'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS won',
            [COMPACT_LOCK_CLASS, workspaceId],
          );
          if (!lock.rows[0]!.won) return; // another instance is compacting this workspace right now
          // With several instances a doc may lack a committed update another instance has not relayed to
          // it yet: dropping that row would lose it. Refuse a snapshot that does not hold every row it
          // would replace (the caller logs it; the next compaction tries again).
          const covered = await c.query<{ seq: number; data: Buffer }>(
            `SELECT seq, data FROM doc_updates WHERE workspace_id = $1 AND seq <= $2
               AND seq > COALESCE((SELECT upto_seq FROM doc_snapshots WHERE workspace_id = $1), 0)`,
            [workspaceId, uptoSeq],
          );
          const missing = firstNotIn(snapshot, covered.rows);
          if (missing !== null)
            throw new Error(
              `workspace ${workspaceId}: the snapshot up to ${uptoSeq} lacks update ${missing}`,
            );
          const moved = await c.query(
            `INSERT INTO doc_snapshots (workspace_id, data, upto_seq, state_vector, admin_emails)
             VALUES ($1, $2, $3, $4, $5::jsonb)
             ON CONFLICT (workspace_id) DO UPDATE SET data = excluded.data, upto_seq = excluded.upto_seq,
               state_vector = excluded.state_vector, admin_emails = excluded.admin_emails
             WHERE doc_snapshots.upto_seq <= excluded.upto_seq`,
            [
              workspaceId,
              toBytea(snapshot),
              uptoSeq,
              info ? toBytea(info.stateVector) : null,
              info ? JSON.stringify(info.adminEmails) : null,
            ],
          );
          if (moved.rowCount === 0) return; // a newer snapshot is there already
          if (history) await history.afterCompact(c, workspaceId, uptoSeq);
          else
            await c.query('DELETE FROM doc_updates WHERE workspace_id = $1 AND seq <= $2', [
              workspaceId,
              uptoSeq,
            ]);
        }),
      );
    },

    async updatesSince(workspaceId, afterSeq) {
      const { rows } = await db.query<{ kind: number; seq: number; data: Buffer | null }>(
        `SELECT 0 AS kind, upto_seq AS seq, NULL::bytea AS data FROM doc_snapshots
          WHERE workspace_id = $1 AND upto_seq > $2
         UNION ALL
         SELECT 1, seq, data FROM doc_updates WHERE workspace_id = $1 AND seq > $2
         ORDER BY kind, seq`,
        [workspaceId, afterSeq],
      );
      if (rows[0]?.kind === 0) return null;
      return rows.map((r) => ({ seq: r.seq, update: fromBytea(r.data!) }));
    },

    async headSeqs(workspaceIds) {
      const { rows } = await db.query<{ id: string; head_seq: number }>(
        'SELECT id, head_seq FROM workspaces WHERE id = ANY($1::text[])',
        [workspaceIds],
      );
      return new Map(rows.map((r) => [r.id, r.head_seq]));
    },
  };
}

/** The seq of the first update that would change the state `snapshot` holds, or null. */
function firstNotIn(snapshot: Uint8Array, rows: readonly { seq: number; data: Buffer }[]): number | null {
  if (rows.length === 0) return null;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, snapshot);
  const before = Y.snapshot(doc);
  for (const r of [...rows].sort((a, b) => a.seq - b.seq)) {
    Y.applyUpdate(doc, r.data);
    if (!Y.equalSnapshots(before, Y.snapshot(doc))) {
      doc.destroy();
      return r.seq;
    }
  }
  doc.destroy();
  return null;
}
