/** Workspaces, the memberships projection and the `joined` facts in PostgreSQL. */
import { createHash } from 'node:crypto';
import { newRowId } from '../row-id.ts';
import { toMembership, toWorkspace } from '../rows.ts';
import type { Workspace, WorkspaceStores } from '../workspace-store.ts';
import { toBytea } from './bytes.ts';
import type { Db } from './pool.ts';

export function postgresWorkspaceStore(db: Db): WorkspaceStores {
  return {
    async createWorkspace({ slug, name, initialUpdate }) {
      const ws: Workspace = { id: newRowId(), slug, name, createdAt: Date.now() };
      const hash = createHash('sha256').update(initialUpdate).digest();
      await db.tx(async (c) => {
        await c.query(
          'INSERT INTO workspaces (id, slug, name, created_at, head_seq) VALUES ($1, $2, $3, $4, 1)',
          [ws.id, slug, name, ws.createdAt],
        );
        await c.query(
          'INSERT INTO doc_updates (workspace_id, seq, update_hash, data, at) VALUES ($1, 1, $2, $3, $4)',
          [ws.id, hash, toBytea(initialUpdate), ws.createdAt],
        );
      });
      return ws;
    },
    async workspaceBySlug(slug) {
      const { rows } = await db.query('SELECT * FROM workspaces WHERE slug = $1', [slug]);
      return rows[0] ? toWorkspace(rows[0]) : null;
    },
    async workspaceById(id) {
      const { rows } = await db.query('SELECT * FROM workspaces WHERE id = $1', [id]);
      return rows[0] ? toWorkspace(rows[0]) : null;
    },
    async listWorkspaces() {
      return (await db.query('SELECT * FROM workspaces ORDER BY created_at, id')).rows.map(toWorkspace);
    },
    async renameWorkspace(id, name) {
      await db.query('UPDATE workspaces SET name = $1 WHERE id = $2', [name, id]);
    },

    async setMemberships(workspaceId, given, removed) {
      // One row per user (the last given wins, as the SQLite store's upserts in order do).
      const rows = [...new Map(given.map((r) => [r.userId, r])).values()];
      await db.tx(async (c) => {
        if (rows.length > 0)
          await c.query(
            `INSERT INTO memberships (workspace_id, user_id, email, role, status)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
             ON CONFLICT (workspace_id, user_id) DO UPDATE
               SET email = excluded.email, role = excluded.role, status = excluded.status`,
            [
              workspaceId,
              rows.map((r) => r.userId),
              rows.map((r) => r.email),
              rows.map((r) => r.role),
              rows.map((r) => r.status),
            ],
          );
        if (removed.length > 0)
          await c.query('DELETE FROM memberships WHERE workspace_id = $1 AND user_id = ANY($2::text[])', [
            workspaceId,
            removed,
          ]);
      });
    },
    async membershipsOfEmail(email) {
      const { rows } = await db.query('SELECT * FROM memberships WHERE email = $1', [email.toLowerCase()]);
      return rows.map(toMembership);
    },
    async recordJoined({ workspaceId, accountId, userId, at }) {
      await db.query(
        'INSERT INTO joined (workspace_id, account_id, user_id, joined_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [workspaceId, accountId, userId, at],
      );
    },
    async hasJoined(workspaceId, accountId, userId) {
      const { rows } = await db.query(
        'SELECT 1 FROM joined WHERE workspace_id = $1 AND account_id = $2 AND user_id = $3',
        [workspaceId, accountId, userId],
      );
      return rows.length > 0;
    },
  };
}
