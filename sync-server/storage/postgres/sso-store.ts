/** SSO connections, sign-in policy, flows, users' IdP groups and sign-in log in PostgreSQL (migration "sso"). */

import type { SecretBox } from '../secret-box.ts';
import {
  flowParams,
  newSsoConnection,
  settingsJson,
  ssoSchemaSql,
  ssoSessionsSql,
  toSsoConnection,
  toSsoFlow,
  toSsoSignIn,
  toSsoUserGroups,
} from '../sso/sso-rows.ts';
import { SSO_SIGN_INS_KEPT, type SsoStore } from '../sso-store.ts';
import type { Db } from './pool.ts';

export const POSTGRES_SSO_SQL = ssoSchemaSql({
  int: 'BIGINT',
  bool: 'BOOLEAN',
  serial: 'BIGSERIAL PRIMARY KEY',
  json: 'JSONB',
});

export const POSTGRES_SSO_SESSIONS_SQL = ssoSessionsSql('BIGINT');

/** Whether any secret is saved: an SSO client secret or a webhook signing secret (cluster mode then cannot start without SECRET_KEY). */
export async function hasSavedSecrets(db: Db): Promise<boolean> {
  const { rows } = await db.query(
    'SELECT 1 FROM sso_connections WHERE client_secret IS NOT NULL UNION ALL SELECT 1 FROM webhooks LIMIT 1',
  );
  return rows.length > 0;
}

export function postgresSsoStore(db: Db, secrets: SecretBox): SsoStore {
  const one = async (workspaceId: string, id: string) => {
    const { rows } = await db.query('SELECT * FROM sso_connections WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      id,
    ]);
    return rows[0] ?? null;
  };
  return {
    async createSsoConnection({ workspaceId, settings, clientSecret }) {
      const c = newSsoConnection(workspaceId, settings, clientSecret !== null);
      const sealed = clientSecret === null ? null : secrets.seal(clientSecret);
      await db.query(
        'INSERT INTO sso_connections (id, workspace_id, settings, client_secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [c.id, workspaceId, settingsJson(settings), sealed, c.createdAt, c.updatedAt],
      );
      return c;
    },
    async listSsoConnections(workspaceId) {
      const { rows } = await db.query(
        'SELECT * FROM sso_connections WHERE workspace_id = $1 ORDER BY created_at, id',
        [workspaceId],
      );
      return rows.map(toSsoConnection);
    },
    async ssoConnectionById(workspaceId, id) {
      const r = await one(workspaceId, id);
      return r ? toSsoConnection(r) : null;
    },
    async ssoClientSecret(workspaceId, id) {
      const r = await one(workspaceId, id);
      return typeof r?.client_secret === 'string' ? secrets.open(r.client_secret) : null;
    },
    async updateSsoConnection(workspaceId, id, settings, clientSecret) {
      const secret =
        clientSecret === undefined ? [] : [clientSecret === null ? null : secrets.seal(clientSecret)];
      const { rowCount } = await db.query(
        `UPDATE sso_connections SET settings = $1, updated_at = $2${secret.length ? ', client_secret = $5' : ''}
         WHERE workspace_id = $3 AND id = $4`,
        [settingsJson(settings), Date.now(), workspaceId, id, ...secret],
      );
      if (rowCount !== 1) return null;
      const r = await one(workspaceId, id);
      return r ? toSsoConnection(r) : null;
    },
    async deleteSsoConnection(workspaceId, id) {
      const { rowCount } = await db.query('DELETE FROM sso_connections WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        id,
      ]);
      return rowCount === 1;
    },

    async passwordSignInAllowed(workspaceId) {
      const { rows } = await db.query('SELECT password_sign_in FROM sso_policies WHERE workspace_id = $1', [
        workspaceId,
      ]);
      return rows[0] === undefined || rows[0].password_sign_in === true;
    },
    async setPasswordSignIn(workspaceId, allowed) {
      await db.query(
        'INSERT INTO sso_policies (workspace_id, password_sign_in) VALUES ($1, $2) ON CONFLICT (workspace_id) DO UPDATE SET password_sign_in = EXCLUDED.password_sign_in',
        [workspaceId, allowed],
      );
    },

    async createSsoFlow(flow) {
      await db.query(
        'INSERT INTO sso_flows (state_hash, workspace_id, connection_id, nonce, code_verifier, return_to, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        flowParams(flow),
      );
    },
    async takeSsoFlow(stateHash, now) {
      const { rows } = await db.query('DELETE FROM sso_flows WHERE state_hash = $1 RETURNING *', [stateHash]);
      const flow = rows[0] ? toSsoFlow(rows[0]) : null;
      return flow && flow.expiresAt > now ? flow : null;
    },
    async deleteExpiredSsoFlows(now) {
      const { rowCount } = await db.query('DELETE FROM sso_flows WHERE expires_at <= $1', [now]);
      return rowCount ?? 0;
    },

    async putSsoUserGroups(e) {
      await db.query(
        `INSERT INTO sso_user_groups (connection_id, user_id, idp_groups, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (connection_id, user_id) DO UPDATE SET idp_groups = EXCLUDED.idp_groups, at = EXCLUDED.at`,
        [e.connectionId, e.userId, JSON.stringify(e.groups), e.at],
      );
    },
    async ssoUserGroups(connectionId) {
      const { rows } = await db.query(
        'SELECT * FROM sso_user_groups WHERE connection_id = $1 ORDER BY user_id',
        [connectionId],
      );
      return rows.map(toSsoUserGroups);
    },

    async markSsoSession(tokenHash, expiresAt) {
      await db.query('DELETE FROM sso_sessions WHERE expires_at <= $1', [Date.now()]);
      await db.query(
        'INSERT INTO sso_sessions (token_hash, expires_at) VALUES ($1, $2) ON CONFLICT (token_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at',
        [tokenHash, expiresAt],
      );
    },
    async isSsoSession(tokenHash, now) {
      const { rows } = await db.query(
        'SELECT 1 FROM sso_sessions WHERE token_hash = $1 AND expires_at > $2',
        [tokenHash, now],
      );
      return rows.length > 0;
    },

    async addSsoSignIn(e) {
      await db.tx(async (c) => {
        await c.query(
          'INSERT INTO sso_sign_ins (connection_id, at, email, user_id, outcome, changes) VALUES ($1, $2, $3, $4, $5, $6)',
          [e.connectionId, e.at, e.email, e.userId, e.outcome, JSON.stringify(e.changes)],
        );
        await c.query(
          'DELETE FROM sso_sign_ins WHERE connection_id = $1 AND id <= (SELECT id FROM sso_sign_ins WHERE connection_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)',
          [e.connectionId, SSO_SIGN_INS_KEPT],
        );
      });
    },
    async recentSsoSignIns(connectionId, limit) {
      const { rows } = await db.query(
        'SELECT * FROM sso_sign_ins WHERE connection_id = $1 ORDER BY id DESC LIMIT $2',
        [connectionId, limit],
      );
      return rows.map(toSsoSignIn);
    },
  };
}
