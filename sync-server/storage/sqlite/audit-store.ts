/** The audit log in SQLite. `entity_keys` is ` <collection> <id> …` with spaces around, for `instr`. */
import {
  type AuditEntry,
  type AuditEntryInput,
  type AuditRef,
  type AuditStore,
  entityKeys,
  refColumns,
} from '../audit-store.ts';
import { type Row, toAudit } from '../rows.ts';
import type { Db } from './open-database.ts';

/** Inserts one audit row (inside the caller's transaction, if any): shared with the doc log's appends. */
export function createAuditInsert(db: Db): (e: AuditEntryInput) => void {
  const insert = db.prepare(
    'INSERT INTO audit (workspace_id, at, actor_id, actor_email, actor_name, source, action, entities, entity_keys, summary) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  return (e) => {
    const keys = entityKeys(e.entities);
    insert.run(
      e.workspaceId,
      e.at,
      e.actorId,
      e.actorEmail,
      e.actorName,
      e.source,
      e.action,
      JSON.stringify(e.entities),
      keys,
      e.summary,
    );
  };
}

export function sqliteAuditStore(db: Db): AuditStore {
  const insertAudit = createAuditInsert(db);
  const refs = db.prepare(
    'SELECT id, at, entity_keys AS keys FROM audit WHERE workspace_id = ? AND at >= ? AND at <= ? ORDER BY at DESC, id DESC LIMIT ?',
  );
  const auditTx = db.transaction((entries: readonly AuditEntryInput[]) => {
    for (const e of entries) insertAudit(e);
  });
  return {
    async addAudit(entries) {
      auditTx(entries);
    },
    async queryAudit(query) {
      const where = ['workspace_id = ?'];
      const args: unknown[] = [query.workspaceId];
      if (query.actor) {
        where.push('(actor_id = ? OR actor_email = ?)');
        args.push(query.actor, query.actor.toLowerCase());
      }
      if (query.entity) {
        where.push('instr(entity_keys, ?) > 0');
        args.push(` ${query.entity} `);
      }
      if (query.from !== undefined) {
        where.push('at >= ?');
        args.push(query.from);
      }
      if (query.to !== undefined) {
        where.push('at <= ?');
        args.push(query.to);
      }
      if (query.before !== undefined) {
        where.push('id < ?');
        args.push(query.before);
      }
      args.push(query.limit);
      const sql = `SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`;
      return (db.prepare(sql).all(...args) as Row[]).map(toAudit);
    },
    async auditRefs(workspaceId, from, to, limit) {
      return refColumns(refs.raw(true).all(workspaceId, from, to, limit) as [number, number, string][]);
    },
    async auditRefsAt(workspaceId, times) {
      const out: AuditRef[] = [];
      for (let i = 0; i < times.length; i += 10_000) {
        const part = times.slice(i, i + 10_000);
        const sql = `SELECT id, at, entity_keys AS keys FROM audit WHERE workspace_id = ? AND at IN (${part.map(() => '?').join(',')})`;
        out.push(...(db.prepare(sql).all(workspaceId, ...part) as AuditRef[]));
      }
      return out;
    },
    async auditEntriesByIds(workspaceId, ids) {
      const out: AuditEntry[] = [];
      // SQLite binds at most 32,766 parameters per statement.
      for (let i = 0; i < ids.length; i += 10_000) {
        const part = ids.slice(i, i + 10_000);
        const sql = `SELECT * FROM audit WHERE workspace_id = ? AND id IN (${part.map(() => '?').join(',')})`;
        out.push(...(db.prepare(sql).all(workspaceId, ...part) as Row[]).map(toAudit));
      }
      return out;
    },
    async recentAuditFor(workspaceId, entityIds, sinceMs, limit) {
      if (entityIds.length === 0) return [];
      const ors = entityIds.map(() => 'instr(entity_keys, ?) > 0').join(' OR ');
      const sql = `SELECT * FROM audit WHERE workspace_id = ? AND at >= ? AND source != 'server' AND (${ors}) ORDER BY id DESC LIMIT ?`;
      const args = [workspaceId, sinceMs, ...entityIds.map((id) => ` ${id} `), limit];
      return (db.prepare(sql).all(...args) as Row[]).map(toAudit);
    },
  };
}
