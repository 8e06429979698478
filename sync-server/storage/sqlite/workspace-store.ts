/** Workspaces, the memberships projection and the `joined` facts in SQLite. */
import { newRowId } from '../row-id.ts';
import { type Row, toMembership, toWorkspace } from '../rows.ts';
import type { Membership, Workspace, WorkspaceStores } from '../workspace-store.ts';
import type { Db } from './open-database.ts';
import { ReadCache } from './read-cache.ts';

export function sqliteWorkspaceStore(db: Db): WorkspaceStores {
  const q = {
    insertWorkspace: db.prepare('INSERT INTO workspaces (id, slug, name, created_at) VALUES (?, ?, ?, ?)'),
    insertUpdate: db.prepare('INSERT INTO doc_updates (workspace_id, data) VALUES (?, ?)'),
    workspaceBySlug: db.prepare('SELECT * FROM workspaces WHERE slug = ?'),
    workspaceById: db.prepare('SELECT * FROM workspaces WHERE id = ?'),
    listWorkspaces: db.prepare('SELECT * FROM workspaces ORDER BY created_at, id'),
    renameWorkspace: db.prepare('UPDATE workspaces SET name = ? WHERE id = ?'),
    upsertMembership: db.prepare(
      'INSERT INTO memberships (workspace_id, user_id, email, role, status) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT(workspace_id, user_id) DO UPDATE SET email = excluded.email, role = excluded.role, status = excluded.status',
    ),
    deleteMembership: db.prepare('DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?'),
    membershipsOfEmail: db.prepare('SELECT * FROM memberships WHERE email = ?'),
    insertJoined: db.prepare(
      'INSERT OR IGNORE INTO joined (workspace_id, account_id, user_id, joined_at) VALUES (?, ?, ?, ?)',
    ),
    hasJoined: db.prepare('SELECT 1 FROM joined WHERE workspace_id = ? AND account_id = ? AND user_id = ?'),
  };
  const createWorkspaceTx = db.transaction((ws: Workspace, initialUpdate: Uint8Array) => {
    q.insertWorkspace.run(ws.id, ws.slug, ws.name, ws.createdAt);
    q.insertUpdate.run(ws.id, initialUpdate);
  });
  const membershipsTx = db.transaction(
    (workspaceId: string, rows: readonly Membership[], removed: readonly string[]) => {
      for (const r of rows) q.upsertMembership.run(workspaceId, r.userId, r.email, r.role, r.status);
      for (const id of removed) q.deleteMembership.run(workspaceId, id);
    },
  );
  const workspaces = new ReadCache<Workspace>();

  return {
    async createWorkspace({ slug, name, initialUpdate }) {
      const ws: Workspace = { id: newRowId(), slug, name, createdAt: Date.now() };
      createWorkspaceTx(ws, initialUpdate);
      return ws;
    },
    async workspaceBySlug(slug) {
      const now = Date.now();
      const hit = workspaces.get(slug, now);
      if (hit) return hit;
      const r = q.workspaceBySlug.get(slug) as Row | undefined;
      const ws = r ? toWorkspace(r) : null;
      if (ws) workspaces.set(slug, ws, now);
      return ws;
    },
    async workspaceById(id) {
      const r = q.workspaceById.get(id) as Row | undefined;
      return r ? toWorkspace(r) : null;
    },
    async listWorkspaces() {
      return (q.listWorkspaces.all() as Row[]).map(toWorkspace);
    },
    async renameWorkspace(id, name) {
      q.renameWorkspace.run(name, id);
      workspaces.clear();
    },

    async setMemberships(workspaceId, rows, removed) {
      membershipsTx(workspaceId, rows, removed);
    },
    async membershipsOfEmail(email) {
      return (q.membershipsOfEmail.all(email.toLowerCase()) as Row[]).map(toMembership);
    },
    async recordJoined({ workspaceId, accountId, userId, at }) {
      q.insertJoined.run(workspaceId, accountId, userId, at);
    },
    async hasJoined(workspaceId, accountId, userId) {
      return q.hasJoined.get(workspaceId, accountId, userId) !== undefined;
    },
  };
}
