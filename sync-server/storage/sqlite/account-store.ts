/**
 * Accounts, sessions and API tokens in SQLite. Sessions, tokens and accounts are read on every request:
 * they go through read caches that every write here drops entries from (read-cache.ts).
 */
import { randomUUID } from 'node:crypto';
import type {
  Account,
  AccountStore,
  AccountWithSecret,
  ApiToken,
  ApiTokenStore,
  Session,
  SessionStore,
} from '../account-store.ts';
import { newRowId } from '../row-id.ts';
import { newAccount, type Row, toAccount, toSession, toToken } from '../rows.ts';
import type { Db } from './open-database.ts';
import { ReadCache } from './read-cache.ts';

const publicAccount = (a: AccountWithSecret): Account => ({
  id: a.id,
  email: a.email,
  name: a.name,
  createdAt: a.createdAt,
});

export function sqliteAccountStore(db: Db): AccountStore & SessionStore & ApiTokenStore {
  const q = {
    insertAccount: db.prepare(
      'INSERT INTO accounts (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    accountByEmail: db.prepare('SELECT * FROM accounts WHERE email = ?'),
    accountById: db.prepare('SELECT * FROM accounts WHERE id = ?'),
    setPassword: db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?'),
    countAccounts: db.prepare('SELECT COUNT(*) AS n FROM accounts'),
    deleteAccount: db.prepare('DELETE FROM accounts WHERE id = ?'),
    insertSession: db.prepare(
      'INSERT INTO sessions (id, account_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    sessionByHash: db.prepare('SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),
    deleteSessionsOf: db.prepare('DELETE FROM sessions WHERE account_id = ?'),
    deleteExpired: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    insertToken: db.prepare(
      'INSERT INTO api_tokens (id, workspace_id, account_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    tokenByHash: db.prepare('SELECT * FROM api_tokens WHERE token_hash = ?'),
    listTokens: db.prepare('SELECT * FROM api_tokens WHERE workspace_id = ? ORDER BY created_at, id'),
    deleteToken: db.prepare('DELETE FROM api_tokens WHERE workspace_id = ? AND id = ?'),
    touchToken: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
    deleteTokensOf: db.prepare(
      'DELETE FROM api_tokens WHERE workspace_id = ? AND account_id = ? RETURNING id',
    ),
  };
  const sessions = new ReadCache<Session>();
  const apiTokens = new ReadCache<ApiToken>();
  const accounts = new ReadCache<Account>();
  const insertAccount = (a: Account, passwordHash: string | null): Account => {
    q.insertAccount.run(a.id, a.email, a.name, passwordHash, a.createdAt);
    return a;
  };

  return {
    async createAccount({ email, name, passwordHash }) {
      return insertAccount(newAccount(email, name), passwordHash);
    },
    async accountByEmail(email) {
      const r = q.accountByEmail.get(email.toLowerCase()) as Row | undefined;
      return r ? toAccount(r) : null;
    },
    async accountById(id) {
      const now = Date.now();
      const hit = accounts.get(id, now);
      if (hit) return hit;
      const r = q.accountById.get(id) as Row | undefined;
      const account = r ? publicAccount(toAccount(r)) : null;
      if (account) accounts.set(id, account, now);
      return account;
    },
    async setAccountPassword(id, passwordHash) {
      q.setPassword.run(passwordHash, id);
      accounts.delete(id);
    },
    async countAccounts() {
      return (q.countAccounts.get() as { n: number }).n;
    },
    async createFirstAccount({ email, name, passwordHash }) {
      // BEGIN IMMEDIATE: the write lock first, so even another process on the file cannot claim meanwhile.
      return db
        .transaction(() => {
          if ((q.countAccounts.get() as { n: number }).n > 0) return null;
          return insertAccount(newAccount(email, name), passwordHash);
        })
        .immediate();
    },
    async deleteAccount(id) {
      q.deleteAccount.run(id);
      accounts.delete(id);
      sessions.deleteWhere((s) => s.accountId === id);
      apiTokens.deleteWhere((t) => t.accountId === id);
    },

    async createSession({ accountId, tokenHash, expiresAt }) {
      const s = { id: randomUUID(), accountId, createdAt: Date.now(), expiresAt };
      q.insertSession.run(s.id, accountId, tokenHash, s.createdAt, expiresAt);
      return s;
    },
    async sessionByTokenHash(tokenHash, now) {
      const clock = Date.now();
      const hit = sessions.get(tokenHash, clock);
      if (hit) return hit.expiresAt > now ? hit : null;
      const r = q.sessionByHash.get(tokenHash, now) as Row | undefined;
      if (!r) return null;
      const session = toSession(r);
      sessions.set(tokenHash, session, clock);
      return session;
    },
    async deleteSessionByTokenHash(tokenHash) {
      q.deleteSession.run(tokenHash);
      sessions.delete(tokenHash);
    },
    async deleteSessionsOfAccount(accountId) {
      q.deleteSessionsOf.run(accountId);
      sessions.deleteWhere((s) => s.accountId === accountId);
    },
    async deleteExpiredSessions(now) {
      sessions.clear();
      return q.deleteExpired.run(now).changes;
    },

    async createApiToken({ workspaceId, accountId, name, tokenHash }) {
      const t: ApiToken = {
        id: newRowId(),
        workspaceId,
        accountId,
        name,
        createdAt: Date.now(),
        lastUsedAt: null,
      };
      q.insertToken.run(t.id, workspaceId, accountId, name, tokenHash, t.createdAt);
      return t;
    },
    async apiTokenByHash(tokenHash) {
      const now = Date.now();
      const hit = apiTokens.get(tokenHash, now);
      if (hit) return hit;
      const r = q.tokenByHash.get(tokenHash) as Row | undefined;
      const token = r ? toToken(r) : null;
      if (token) apiTokens.set(tokenHash, token, now);
      return token;
    },
    async listApiTokens(workspaceId) {
      return (q.listTokens.all(workspaceId) as Row[]).map(toToken);
    },
    async deleteApiToken(workspaceId, id) {
      apiTokens.deleteWhere((t) => t.id === id);
      return q.deleteToken.run(workspaceId, id).changes > 0;
    },
    async touchApiToken(id, at) {
      q.touchToken.run(at, id);
      apiTokens.deleteWhere((t) => t.id === id);
    },
    async deleteApiTokensOf(workspaceId, accountId) {
      const ids = (q.deleteTokensOf.all(workspaceId, accountId) as { id: string }[]).map((r) => r.id);
      apiTokens.deleteWhere((t) => t.workspaceId === workspaceId && t.accountId === accountId);
      return ids;
    },
  };
}
