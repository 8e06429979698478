/** SCIM connections, tokens, links and request log in SQLite (tables created at open, idempotently). */
import type { Row } from '../rows.ts';
import {
  linkParams,
  newScimConnection,
  newScimToken,
  scimSchemaSql,
  toScimConnection,
  toScimLink,
  toScimRequest,
  toScimToken,
} from '../scim/scim-rows.ts';
import { SCIM_REQUESTS_KEPT, type ScimStore } from '../scim-store.ts';
import type { Db } from './open-database.ts';

export const SQLITE_SCIM_SQL = scimSchemaSql({
  int: 'INTEGER',
  bool: 'INTEGER',
  serial: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  json: 'TEXT',
});

export function sqliteScimStore(db: Db): ScimStore {
  db.exec(SQLITE_SCIM_SQL);
  const q = {
    insertConnection: db.prepare(
      'INSERT INTO scim_connections (id, workspace_id, name, may_upgrade_roles, created_at) VALUES (?, ?, ?, 0, ?)',
    ),
    connections: db.prepare('SELECT * FROM scim_connections WHERE workspace_id = ? ORDER BY created_at, id'),
    connection: db.prepare('SELECT * FROM scim_connections WHERE workspace_id = ? AND id = ?'),
    rename: db.prepare('UPDATE scim_connections SET name = ? WHERE workspace_id = ? AND id = ?'),
    setUpgrade: db.prepare(
      'UPDATE scim_connections SET may_upgrade_roles = ?, upgrade_confirmed_by = ?, upgrade_confirmed_at = ? WHERE workspace_id = ? AND id = ?',
    ),
    deleteConnection: db.prepare('DELETE FROM scim_connections WHERE workspace_id = ? AND id = ?'),
    insertToken: db.prepare(
      'INSERT INTO scim_tokens (id, connection_id, workspace_id, token_hash, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    tokens: db.prepare(
      'SELECT * FROM scim_tokens WHERE workspace_id = ? AND connection_id = ? ORDER BY created_at, id',
    ),
    tokenByHash: db.prepare('SELECT * FROM scim_tokens WHERE token_hash = ?'),
    touchToken: db.prepare('UPDATE scim_tokens SET last_used_at = ? WHERE id = ?'),
    deleteToken: db.prepare(
      'DELETE FROM scim_tokens WHERE workspace_id = ? AND connection_id = ? AND id = ?',
    ),
    putLink: db.prepare(
      `INSERT INTO scim_links (connection_id, kind, resource_id, external_id, user_name, attributes, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (connection_id, kind, resource_id) DO UPDATE SET external_id = excluded.external_id,
         user_name = excluded.user_name, attributes = excluded.attributes, updated_at = excluded.updated_at`,
    ),
    links: db.prepare('SELECT * FROM scim_links WHERE connection_id = ? AND kind = ?'),
    linksIn: db.prepare(
      'SELECT * FROM scim_links WHERE connection_id = ? AND kind = ? AND resource_id IN (SELECT value FROM json_each(?))',
    ),
    linkByExternal: db.prepare(
      'SELECT * FROM scim_links WHERE connection_id = ? AND kind = ? AND external_id = ?',
    ),
    linkByUserName: db.prepare(
      "SELECT * FROM scim_links WHERE connection_id = ? AND kind = 'user' AND user_name = ?",
    ),
    deleteLink: db.prepare('DELETE FROM scim_links WHERE connection_id = ? AND kind = ? AND resource_id = ?'),
    insertRequest: db.prepare(
      'INSERT INTO scim_requests (connection_id, at, method, path, status, outcome) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    pruneRequests: db.prepare(
      'DELETE FROM scim_requests WHERE connection_id = ? AND id <= (SELECT id FROM scim_requests WHERE connection_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
    ),
    requests: db.prepare('SELECT * FROM scim_requests WHERE connection_id = ? ORDER BY id DESC LIMIT ?'),
  };
  const one = (r: unknown) => (r ? toScimConnection(r as Row) : null);
  const linkOrNull = (r: unknown) => (r ? toScimLink(r as Row) : null);
  const addRequest = db.transaction((e: Parameters<ScimStore['addScimRequest']>[0]) => {
    q.insertRequest.run(e.connectionId, e.at, e.method, e.path, e.status, e.outcome);
    q.pruneRequests.run(e.connectionId, e.connectionId, SCIM_REQUESTS_KEPT);
  });

  return {
    async createScimConnection(input) {
      const c = newScimConnection(input);
      q.insertConnection.run(c.id, c.workspaceId, c.name, c.createdAt);
      return c;
    },
    async listScimConnections(workspaceId) {
      return (q.connections.all(workspaceId) as Row[]).map(toScimConnection);
    },
    async scimConnectionById(workspaceId, id) {
      return one(q.connection.get(workspaceId, id));
    },
    async updateScimConnection(workspaceId, id, patch) {
      db.transaction(() => {
        if (patch.name !== undefined) q.rename.run(patch.name, workspaceId, id);
        const u = patch.mayUpgradeRoles;
        if (u)
          q.setUpgrade.run(u.value ? 1 : 0, u.value ? u.by : null, u.value ? u.at : null, workspaceId, id);
      })();
      return one(q.connection.get(workspaceId, id));
    },
    async deleteScimConnection(workspaceId, id) {
      return q.deleteConnection.run(workspaceId, id).changes === 1;
    },

    async createScimToken(input) {
      const t = newScimToken(input);
      q.insertToken.run(t.id, t.connectionId, t.workspaceId, input.tokenHash, t.createdAt);
      return t;
    },
    async listScimTokens(workspaceId, connectionId) {
      return (q.tokens.all(workspaceId, connectionId) as Row[]).map(toScimToken);
    },
    async scimTokenByHash(tokenHash) {
      const r = q.tokenByHash.get(tokenHash) as Row | undefined;
      return r ? toScimToken(r) : null;
    },
    async touchScimToken(id, at) {
      q.touchToken.run(at, id);
    },
    async deleteScimToken(workspaceId, connectionId, id) {
      return q.deleteToken.run(workspaceId, connectionId, id).changes === 1;
    },

    async putScimLink(l) {
      q.putLink.run(...linkParams(l));
    },
    async scimLinks(connectionId, kind, resourceIds) {
      const rows = resourceIds
        ? (q.linksIn.all(connectionId, kind, JSON.stringify(resourceIds)) as Row[])
        : (q.links.all(connectionId, kind) as Row[]);
      return rows.map(toScimLink);
    },
    async scimLinkByExternalId(connectionId, kind, externalId) {
      return linkOrNull(q.linkByExternal.get(connectionId, kind, externalId));
    },
    async scimLinkByUserName(connectionId, userName) {
      return linkOrNull(q.linkByUserName.get(connectionId, userName));
    },
    async deleteScimLink(connectionId, kind, resourceId) {
      q.deleteLink.run(connectionId, kind, resourceId);
    },

    async addScimRequest(entry) {
      addRequest(entry);
    },
    async recentScimRequests(connectionId, limit) {
      return (q.requests.all(connectionId, limit) as Row[]).map(toScimRequest);
    },
  };
}
