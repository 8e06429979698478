/** The audit log in PostgreSQL. `entity_keys` is ` <collection> <id> …` with spaces around, for strpos. */
import {
  type AuditEntryInput,
  type AuditRef,
  type AuditStore,
  entityKeys,
  refColumns,
} from '../audit-store.ts';
import { toAudit } from '../rows.ts';
import type { Db, Queryable } from './pool.ts';

/** Inserts audit rows in one statement (inside the caller's transaction): shared with the doc log. */
export async function insertAudit(c: Queryable, entries: readonly AuditEntryInput[]): Promise<void> {
  if (entries.length === 0) return;
  const cols = {
    ws: [] as string[],
    at: [] as number[],
    actorId: [] as (string | null)[],
    actorEmail: [] as (string | null)[],
    actorName: [] as (string | null)[],
    source: [] as string[],
    action: [] as string[],
    entities: [] as string[],
    keys: [] as string[],
    summary: [] as string[],
  };
  for (const e of entries) {
    cols.ws.push(e.workspaceId);
    cols.at.push(e.at);
    cols.actorId.push(e.actorId);
    cols.actorEmail.push(e.actorEmail);
    cols.actorName.push(e.actorName);
    cols.source.push(e.source);
    cols.action.push(e.action);
    cols.entities.push(JSON.stringify(e.entities));
    cols.keys.push(entityKeys(e.entities));
    cols.summary.push(e.summary);
  }
  await c.query(
    `INSERT INTO audit (workspace_id, at, actor_id, actor_email, actor_name, source, action, entities, entity_keys, summary)
     SELECT ws, at, actor_id, actor_email, actor_name, source, action, entities::jsonb, keys, summary
     FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
       WITH ORDINALITY AS t(ws, at, actor_id, actor_email, actor_name, source, action, entities, keys, summary, ord)
     ORDER BY ord`,
    Object.values(cols),
  );
}

export function postgresAuditStore(db: Db): AuditStore {
  return {
    async addAudit(entries) {
      await db.tx((c) => insertAudit(c, entries));
    },
    async queryAudit(query) {
      const where = ['workspace_id = $1'];
      const args: unknown[] = [query.workspaceId];
      const arg = (v: unknown) => `$${args.push(v)}`;
      if (query.actor)
        where.push(`(actor_id = ${arg(query.actor)} OR actor_email = ${arg(query.actor.toLowerCase())})`);
      if (query.entity) where.push(`strpos(entity_keys, ${arg(` ${query.entity} `)}) > 0`);
      if (query.from !== undefined) where.push(`at >= ${arg(query.from)}`);
      if (query.to !== undefined) where.push(`at <= ${arg(query.to)}`);
      if (query.before !== undefined) where.push(`id < ${arg(query.before)}`);
      const sql = `SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${arg(query.limit)}`;
      return (await db.query(sql, args)).rows.map(toAudit);
    },
    async auditRefs(workspaceId, from, to, limit) {
      const r = await db.query<AuditRef>(
        'SELECT id, at, entity_keys AS keys FROM audit WHERE workspace_id = $1 AND at >= $2 AND at <= $3 ORDER BY at DESC, id DESC LIMIT $4',
        [workspaceId, from, to, limit],
      );
      return refColumns(r.rows);
    },
    async auditRefsAt(workspaceId, times) {
      if (times.length === 0) return [];
      const r = await db.query<AuditRef>(
        'SELECT id, at, entity_keys AS keys FROM audit WHERE workspace_id = $1 AND at = ANY($2::bigint[])',
        [workspaceId, times],
      );
      return r.rows;
    },
    async auditEntriesByIds(workspaceId, ids) {
      if (ids.length === 0) return [];
      const sql = 'SELECT * FROM audit WHERE workspace_id = $1 AND id = ANY($2::bigint[])';
      return (await db.query(sql, [workspaceId, ids])).rows.map(toAudit);
    },
    async recentAuditFor(workspaceId, entityIds, sinceMs, limit) {
      if (entityIds.length === 0) return [];
      const sql =
        "SELECT * FROM audit WHERE workspace_id = $1 AND at >= $2 AND source != 'server' " +
        'AND EXISTS (SELECT 1 FROM unnest($3::text[]) k WHERE strpos(entity_keys, k) > 0) ORDER BY id DESC LIMIT $4';
      const keys = entityIds.map((id) => ` ${id} `);
      return (await db.query(sql, [workspaceId, sinceMs, keys, limit])).rows.map(toAudit);
    },
  };
}
