/** SCIM connections, tokens, links and request log in PostgreSQL (tables: migration "scim provisioning"). */

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
import type { Db } from './pool.ts';

export const POSTGRES_SCIM_SQL = scimSchemaSql({
  int: 'BIGINT',
  bool: 'BOOLEAN',
  serial: 'BIGSERIAL PRIMARY KEY',
  json: 'JSONB',
});

export function postgresScimStore(db: Db): ScimStore {
  const changed = async (sql: string, args: unknown[]) => ((await db.query(sql, args)).rowCount ?? 0) === 1;
  const connection = async (workspaceId: string, id: string) => {
    const { rows } = await db.query('SELECT * FROM scim_connections WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      id,
    ]);
    return rows[0] ? toScimConnection(rows[0]) : null;
  };
  const link = async (sql: string, args: unknown[]) => {
    const { rows } = await db.query(sql, args);
    return rows[0] ? toScimLink(rows[0]) : null;
  };
  return {
    async createScimConnection(input) {
      const c = newScimConnection(input);
      await db.query(
        'INSERT INTO scim_connections (id, workspace_id, name, may_upgrade_roles, created_at) VALUES ($1, $2, $3, false, $4)',
        [c.id, c.workspaceId, c.name, c.createdAt],
      );
      return c;
    },
    async listScimConnections(workspaceId) {
      const { rows } = await db.query(
        'SELECT * FROM scim_connections WHERE workspace_id = $1 ORDER BY created_at, id',
        [workspaceId],
      );
      return rows.map(toScimConnection);
    },
    scimConnectionById: connection,
    async updateScimConnection(workspaceId, id, patch) {
      await db.tx(async (c) => {
        if (patch.name !== undefined)
          await c.query('UPDATE scim_connections SET name = $1 WHERE workspace_id = $2 AND id = $3', [
            patch.name,
            workspaceId,
            id,
          ]);
        const u = patch.mayUpgradeRoles;
        if (u)
          await c.query(
            'UPDATE scim_connections SET may_upgrade_roles = $1, upgrade_confirmed_by = $2, upgrade_confirmed_at = $3 WHERE workspace_id = $4 AND id = $5',
            [u.value, u.value ? u.by : null, u.value ? u.at : null, workspaceId, id],
          );
      });
      return connection(workspaceId, id);
    },
    deleteScimConnection(workspaceId, id) {
      return changed('DELETE FROM scim_connections WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
    },

    async createScimToken(input) {
      const t = newScimToken(input);
      await db.query(
        'INSERT INTO scim_tokens (id, connection_id, workspace_id, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)',
        [t.id, t.connectionId, t.workspaceId, input.tokenHash, t.createdAt],
      );
      return t;
    },
    async listScimTokens(workspaceId, connectionId) {
      const { rows } = await db.query(
        'SELECT * FROM scim_tokens WHERE workspace_id = $1 AND connection_id = $2 ORDER BY created_at, id',
        [workspaceId, connectionId],
      );
      return rows.map(toScimToken);
    },
    async scimTokenByHash(tokenHash) {
      const { rows } = await db.query('SELECT * FROM scim_tokens WHERE token_hash = $1', [tokenHash]);
      return rows[0] ? toScimToken(rows[0]) : null;
    },
    async touchScimToken(id, at) {
      await db.query('UPDATE scim_tokens SET last_used_at = $1 WHERE id = $2', [at, id]);
    },
    deleteScimToken(workspaceId, connectionId, id) {
      return changed('DELETE FROM scim_tokens WHERE workspace_id = $1 AND connection_id = $2 AND id = $3', [
        workspaceId,
        connectionId,
        id,
      ]);
    },

    async putScimLink(l) {
      await db.query(
        `INSERT INTO scim_links (connection_id, kind, resource_id, external_id, user_name, attributes, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (connection_id, kind, resource_id) DO UPDATE SET external_id = EXCLUDED.external_id,
           user_name = EXCLUDED.user_name, attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at`,
        linkParams(l),
      );
    },
    async scimLinks(connectionId, kind, resourceIds) {
      const { rows } = resourceIds
        ? await db.query(
            'SELECT * FROM scim_links WHERE connection_id = $1 AND kind = $2 AND resource_id = ANY($3::text[])',
            [connectionId, kind, [...resourceIds]],
          )
        : await db.query('SELECT * FROM scim_links WHERE connection_id = $1 AND kind = $2', [
            connectionId,
            kind,
          ]);
      return rows.map(toScimLink);
    },
    scimLinkByExternalId(connectionId, kind, externalId) {
      return link('SELECT * FROM scim_links WHERE connection_id = $1 AND kind = $2 AND external_id = $3', [
        connectionId,
        kind,
        externalId,
      ]);
    },
    scimLinkByUserName(connectionId, userName) {
      return link("SELECT * FROM scim_links WHERE connection_id = $1 AND kind = 'user' AND user_name = $2", [
        connectionId,
        userName,
      ]);
    },
    async deleteScimLink(connectionId, kind, resourceId) {
      await db.query('DELETE FROM scim_links WHERE connection_id = $1 AND kind = $2 AND resource_id = $3', [
        connectionId,
        kind,
        resourceId,
      ]);
    },

    async addScimRequest(e) {
      await db.tx(async (c) => {
        await c.query(
          'INSERT INTO scim_requests (connection_id, at, method, path, status, outcome) VALUES ($1, $2, $3, $4, $5, $6)',
          [e.connectionId, e.at, e.method, e.path, e.status, e.outcome],
        );
        await c.query(
          'DELETE FROM scim_requests WHERE connection_id = $1 AND id <= (SELECT id FROM scim_requests WHERE connection_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)',
          [e.connectionId, SCIM_REQUESTS_KEPT],
        );
      });
    },
    async recentScimRequests(connectionId, limit) {
      const { rows } = await db.query(
        'SELECT * FROM scim_requests WHERE connection_id = $1 ORDER BY id DESC LIMIT $2',
        [connectionId, limit],
      );
      return rows.map(toScimRequest);
    },
  };
}
