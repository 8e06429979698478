/** SSO connections, sign-in policy, flows, users' IdP groups and sign-in log in SQLite (tables created at open). */
import type { Row } from '../rows.ts';
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
import type { Db } from './open-database.ts';

export const SQLITE_SSO_SQL = ssoSchemaSql({
  int: 'INTEGER',
  bool: 'INTEGER',
  serial: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  json: 'TEXT',
});

export function sqliteSsoStore(db: Db, secrets: SecretBox): SsoStore {
  db.exec(SQLITE_SSO_SQL);
  db.exec(ssoSessionsSql('INTEGER'));
  const q = {
    insert: db.prepare(
      'INSERT INTO sso_connections (id, workspace_id, settings, client_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    list: db.prepare('SELECT * FROM sso_connections WHERE workspace_id = ? ORDER BY created_at, id'),
    one: db.prepare('SELECT * FROM sso_connections WHERE workspace_id = ? AND id = ?'),
    update: db.prepare(
      'UPDATE sso_connections SET settings = ?, updated_at = ? WHERE workspace_id = ? AND id = ?',
    ),
    setSecret: db.prepare('UPDATE sso_connections SET client_secret = ? WHERE workspace_id = ? AND id = ?'),
    remove: db.prepare('DELETE FROM sso_connections WHERE workspace_id = ? AND id = ?'),
    policy: db.prepare('SELECT password_sign_in FROM sso_policies WHERE workspace_id = ?'),
    setPolicy: db.prepare(
      'INSERT INTO sso_policies (workspace_id, password_sign_in) VALUES (?, ?) ON CONFLICT (workspace_id) DO UPDATE SET password_sign_in = excluded.password_sign_in',
    ),
    insertFlow: db.prepare(
      'INSERT INTO sso_flows (state_hash, workspace_id, connection_id, nonce, code_verifier, return_to, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    takeFlow: db.prepare('DELETE FROM sso_flows WHERE state_hash = ? RETURNING *'),
    expireFlows: db.prepare('DELETE FROM sso_flows WHERE expires_at <= ?'),
    putGroups: db.prepare(
      `INSERT INTO sso_user_groups (connection_id, user_id, idp_groups, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (connection_id, user_id) DO UPDATE SET idp_groups = excluded.idp_groups, at = excluded.at`,
    ),
    groups: db.prepare('SELECT * FROM sso_user_groups WHERE connection_id = ? ORDER BY user_id'),
    markSession: db.prepare(
      'INSERT INTO sso_sessions (token_hash, expires_at) VALUES (?, ?) ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at',
    ),
    expireSessions: db.prepare('DELETE FROM sso_sessions WHERE expires_at <= ?'),
    isSession: db.prepare('SELECT 1 FROM sso_sessions WHERE token_hash = ? AND expires_at > ?'),
    insertSignIn: db.prepare(
      'INSERT INTO sso_sign_ins (connection_id, at, email, user_id, outcome, changes) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    pruneSignIns: db.prepare(
      'DELETE FROM sso_sign_ins WHERE connection_id = ? AND id <= (SELECT id FROM sso_sign_ins WHERE connection_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
    ),
    signIns: db.prepare('SELECT * FROM sso_sign_ins WHERE connection_id = ? ORDER BY id DESC LIMIT ?'),
  };
  const one = (workspaceId: string, id: string) => {
    const r = q.one.get(workspaceId, id) as Row | undefined;
    return r ? toSsoConnection(r) : null;
  };
  const update = db.transaction(
    (workspaceId: string, id: string, settings: string, secret: string | null | undefined) => {
      if (q.update.run(settings, Date.now(), workspaceId, id).changes !== 1) return false;
      if (secret !== undefined)
        q.setSecret.run(secret === null ? null : secrets.seal(secret), workspaceId, id);
      return true;
    },
  );
  const addSignIn = db.transaction((e: Parameters<SsoStore['addSsoSignIn']>[0]) => {
    q.insertSignIn.run(e.connectionId, e.at, e.email, e.userId, e.outcome, JSON.stringify(e.changes));
    q.pruneSignIns.run(e.connectionId, e.connectionId, SSO_SIGN_INS_KEPT);
  });

  return {
    async createSsoConnection({ workspaceId, settings, clientSecret }) {
      const c = newSsoConnection(workspaceId, settings, clientSecret !== null);
      const sealed = clientSecret === null ? null : secrets.seal(clientSecret);
      q.insert.run(c.id, workspaceId, settingsJson(settings), sealed, c.createdAt, c.updatedAt);
      return c;
    },
    async listSsoConnections(workspaceId) {
      return (q.list.all(workspaceId) as Row[]).map(toSsoConnection);
    },
    async ssoConnectionById(workspaceId, id) {
      return one(workspaceId, id);
    },
    async ssoClientSecret(workspaceId, id) {
      const r = q.one.get(workspaceId, id) as Row | undefined;
      return typeof r?.client_secret === 'string' ? secrets.open(r.client_secret) : null;
    },
    async updateSsoConnection(workspaceId, id, settings, clientSecret) {
      return update(workspaceId, id, settingsJson(settings), clientSecret) ? one(workspaceId, id) : null;
    },
    async deleteSsoConnection(workspaceId, id) {
      return q.remove.run(workspaceId, id).changes === 1;
    },

    async passwordSignInAllowed(workspaceId) {
      const r = q.policy.get(workspaceId) as Row | undefined;
      return r === undefined || r.password_sign_in === 1;
    },
    async setPasswordSignIn(workspaceId, allowed) {
      q.setPolicy.run(workspaceId, allowed ? 1 : 0);
    },

    async createSsoFlow(flow) {
      q.insertFlow.run(...flowParams(flow));
    },
    async takeSsoFlow(stateHash, now) {
      const r = q.takeFlow.get(stateHash) as Row | undefined;
      const flow = r ? toSsoFlow(r) : null;
      return flow && flow.expiresAt > now ? flow : null;
    },
    async deleteExpiredSsoFlows(now) {
      return q.expireFlows.run(now).changes;
    },

    async putSsoUserGroups(e) {
      q.putGroups.run(e.connectionId, e.userId, JSON.stringify(e.groups), e.at);
    },
    async ssoUserGroups(connectionId) {
      return (q.groups.all(connectionId) as Row[]).map(toSsoUserGroups);
    },

    async markSsoSession(tokenHash, expiresAt) {
      q.expireSessions.run(Date.now());
      q.markSession.run(tokenHash, expiresAt);
    },
    async isSsoSession(tokenHash, now) {
      return q.isSession.get(tokenHash, now) !== undefined;
    },

    async addSsoSignIn(entry) {
      addSignIn(entry);
    },
    async recentSsoSignIns(connectionId, limit) {
      return (q.signIns.all(connectionId, limit) as Row[]).map(toSsoSignIn);
    },
  };
}
