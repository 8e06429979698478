/**
 * The doc log in SQLite: `doc_snapshots` (one per workspace) and `doc_updates` (seq = rowid: increasing
 * per workspace but shared by all, so not gap-free per workspace; one process writes the file).
 */
import { createHash } from 'node:crypto';
import type {
  AppendOptions,
  DocumentStore,
  SnapshotInfo,
  StoredDoc,
  UpdateRecord,
} from '../document-store.ts';
import { HeadMovedError } from '../errors.ts';
import { createAuditInsert } from './audit-store.ts';
import type { SqliteHistory } from './history-store.ts';
import type { Db } from './open-database.ts';

interface SnapshotRow {
  data: Buffer;
  upto_seq: number;
  state_vector: Buffer | null;
  admin_emails: string | null;
}

/** `history` keeps the log and history snapshots through compaction (issue 15); without it compaction drops the log. */
export function sqliteDocumentStore(db: Db, history?: SqliteHistory): DocumentStore {
  const q = {
    snapshot: db.prepare(
      'SELECT data, upto_seq, state_vector, admin_emails FROM doc_snapshots WHERE workspace_id = ?',
    ),
    updatesAfter: db.prepare(
      'SELECT seq, data FROM doc_updates WHERE workspace_id = ? AND seq > ? ORDER BY seq',
    ),
    insertUpdate: db.prepare(
      'INSERT INTO doc_updates (workspace_id, data, update_hash, at) VALUES (?, ?, ?, ?)',
    ),
    hasHash: db.prepare('SELECT 1 FROM doc_updates WHERE workspace_id = ? AND update_hash = ?'),
    head: db.prepare(
      'SELECT MAX(COALESCE((SELECT MAX(seq) FROM doc_updates WHERE workspace_id = @ws), 0), ' +
        'COALESCE((SELECT upto_seq FROM doc_snapshots WHERE workspace_id = @ws), 0)) AS head',
    ),
    upsertSnapshot: db.prepare(
      'INSERT INTO doc_snapshots (workspace_id, data, upto_seq, state_vector, admin_emails) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT(workspace_id) DO UPDATE SET data = excluded.data, upto_seq = excluded.upto_seq, ' +
        'state_vector = excluded.state_vector, admin_emails = excluded.admin_emails',
    ),
    workspaceExists: db.prepare('SELECT 1 FROM workspaces WHERE id = ?'),
    deleteUpdatesUpto: db.prepare('DELETE FROM doc_updates WHERE workspace_id = ? AND seq <= ?'),
  };
  const insertAudit = createAuditInsert(db);

  const loadTx = db.transaction((workspaceId: string): StoredDoc => {
    const snap = q.snapshot.get(workspaceId) as SnapshotRow | undefined;
    const rows = q.updatesAfter.all(workspaceId, snap?.upto_seq ?? 0) as { seq: number; data: Buffer }[];
    let bytes = snap?.data.length ?? 0;
    for (const r of rows) bytes += r.data.length;
    return {
      snapshot: snap ? new Uint8Array(snap.data) : null,
      snapshotInfo:
        snap?.state_vector && snap.admin_emails !== null
          ? { stateVector: new Uint8Array(snap.state_vector), adminEmails: JSON.parse(snap.admin_emails) }
          : null,
      updates: rows.map((r) => new Uint8Array(r.data)),
      lastSeq: rows.length > 0 ? rows[rows.length - 1]!.seq : (snap?.upto_seq ?? 0),
      bytes,
    };
  });
  const headOf = (workspaceId: string) => (q.head.get({ ws: workspaceId }) as { head: number }).head;
  const appendTx = db.transaction(
    (workspaceId: string, records: readonly UpdateRecord[], options: AppendOptions) => {
      if (options.expectedHeadSeq !== undefined) {
        const head = headOf(workspaceId);
        if (head !== options.expectedHeadSeq)
          throw new HeadMovedError(workspaceId, options.expectedHeadSeq, head);
      }
      let first = 0;
      let last = 0;
      for (const r of records) {
        const hash = createHash('sha256').update(r.update).digest();
        // Looked up first: an insert that conflicts would still use up an AUTOINCREMENT seq.
        if (q.hasHash.get(workspaceId, hash) !== undefined) continue; // already logged: a resend
        const at = r.audit?.at ?? Date.now();
        last = Number(q.insertUpdate.run(workspaceId, r.update, hash, at).lastInsertRowid);
        first ||= last;
        if (r.audit) insertAudit(r.audit);
      }
      if (last > 0) return { first, head: last };
      const head = headOf(workspaceId);
      return { first: head + 1, head };
    },
  );
  const sinceTx = db.transaction((workspaceId: string, afterSeq: number) => {
    const snap = q.snapshot.get(workspaceId) as SnapshotRow | undefined;
    if (snap && snap.upto_seq > afterSeq) return null;
    const rows = q.updatesAfter.all(workspaceId, afterSeq) as { seq: number; data: Buffer }[];
    return rows.map((r) => ({ seq: r.seq, update: new Uint8Array(r.data) }));
  });
  const compactTx = db.transaction(
    (workspaceId: string, snapshot: Uint8Array, uptoSeq: number, info: SnapshotInfo | undefined) => {
      q.upsertSnapshot.run(
        workspaceId,
        snapshot,
        uptoSeq,
        info ? info.stateVector : null,
        info ? JSON.stringify(info.adminEmails) : null,
      );
      if (history) history.afterCompact(workspaceId, uptoSeq);
      else q.deleteUpdatesUpto.run(workspaceId, uptoSeq);
    },
  );

  return {
    async loadDoc(workspaceId) {
      return loadTx(workspaceId);
    },
    async appendUpdates(workspaceId, records, options = {}) {
      return appendTx(workspaceId, records, options);
    },
    async compact(workspaceId, snapshot, uptoSeq, info) {
      compactTx(workspaceId, snapshot, uptoSeq, info);
    },
    async updatesSince(workspaceId, afterSeq) {
      return sinceTx(workspaceId, afterSeq);
    },
    async headSeqs(workspaceIds) {
      const heads = new Map<string, number>();
      for (const id of workspaceIds) if (q.workspaceExists.get(id) !== undefined) heads.set(id, headOf(id));
      return heads;
    },
  };
}
