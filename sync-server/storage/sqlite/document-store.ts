/** The doc log in SQLite: `doc_snapshots` (one per workspace) and `doc_updates` (seq = rowid). */
import type { DocumentStore, SnapshotInfo, StoredDoc, UpdateRecord } from '../document-store.ts';
import { createAuditInsert } from './audit-store.ts';
import type { Db } from './open-database.ts';

interface SnapshotRow {
  data: Buffer;
  upto_seq: number;
  state_vector: Buffer | null;
  admin_emails: string | null;
}

export function sqliteDocumentStore(db: Db): DocumentStore {
  const q = {
    snapshot: db.prepare(
      'SELECT data, upto_seq, state_vector, admin_emails FROM doc_snapshots WHERE workspace_id = ?',
    ),
    updatesAfter: db.prepare(
      'SELECT seq, data FROM doc_updates WHERE workspace_id = ? AND seq > ? ORDER BY seq',
    ),
    insertUpdate: db.prepare('INSERT INTO doc_updates (workspace_id, data) VALUES (?, ?)'),
    upsertSnapshot: db.prepare(
      'INSERT INTO doc_snapshots (workspace_id, data, upto_seq, state_vector, admin_emails) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT(workspace_id) DO UPDATE SET data = excluded.data, upto_seq = excluded.upto_seq, ' +
        'state_vector = excluded.state_vector, admin_emails = excluded.admin_emails',
    ),
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
  const appendTx = db.transaction((workspaceId: string, records: readonly UpdateRecord[]) => {
    let last = 0;
    for (const r of records) {
      last = Number(q.insertUpdate.run(workspaceId, r.update).lastInsertRowid);
      if (r.audit) insertAudit(r.audit);
    }
    return last;
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
      q.deleteUpdatesUpto.run(workspaceId, uptoSeq);
    },
  );

  return {
    async loadDoc(workspaceId) {
      return loadTx(workspaceId);
    },
    async appendUpdates(workspaceId, records) {
      return appendTx(workspaceId, records);
    },
    async compact(workspaceId, snapshot, uptoSeq, info) {
      compactTx(workspaceId, snapshot, uptoSeq, info);
    },
  };
}
