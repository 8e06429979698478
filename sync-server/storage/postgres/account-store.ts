/**
 * Accounts, sessions and API tokens in PostgreSQL. No read caches here: with several instances, a
 * logout or revocation on one must hold on every other at the very next request.
 */
import { randomUUID } from 'node:crypto';
import type {
  Account,
  AccountStore,
  ApiToken,
  ApiTokenStore,
  Session,
  SessionStore,
} from '../account-store.ts';
import { newRowId } from '../row-id.ts';
import { newAccount, type Row, toAccount, toSession, toToken } from '../rows.ts';
import type { Db } from './pool.ts';

/** Taken with pg_advisory_xact_lock by first-run setup's claim ("firs" in ASCII). */
const FIRST_RUN_LOCK_KEY = 0x66697273;

const INSERT_ACCOUNT =
  'INSERT INTO accounts (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)';
const accountRow = (a: Account, passwordHash: string | null) => [
  a.id,
  a.email,
  a.name,
  passwordHash,
  a.createdAt,
];

export function postgresAccountStore(db: Db): AccountStore & SessionStore & ApiTokenStore {
  const one = async (sql: string, args: unknown[]) => (await db.query(sql, args)).rows[0] as Row | undefined;

  return {
    async createAccount({ email, name, passwordHash }) {
      const a = newAccount(email, name);
      await db.query(INSERT_ACCOUNT, accountRow(a, passwordHash));
      return a;
    },
    async accountByEmail(email) {
      const r = await one('SELECT * FROM accounts WHERE email = $1', [email.toLowerCase()]);
      return r ? toAccount(r) : null;
    },
    async accountById(id) {
      const r = await one('SELECT id, email, name, created_at FROM accounts WHERE id = $1', [id]);
      if (!r) return null;
      const { passwordHash: _, ...account } = toAccount(r);
      return account;
    },
    async setAccountPassword(id, passwordHash) {
      await db.query('UPDATE accounts SET password_hash = $1 WHERE id = $2', [passwordHash, id]);
    },
    async countAccounts() {
      return (await one('SELECT COUNT(*)::bigint AS n FROM accounts', []))!.n as number;
    },
    async createFirstAccount({ email, name, passwordHash }) {
      // The lock serialises claims from every instance; the count after it sees any claim committed first.
      return db.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [FIRST_RUN_LOCK_KEY]);
        const { rows } = await c.query('SELECT EXISTS (SELECT 1 FROM accounts) AS taken');
        if (rows[0].taken) return null;
        const a = newAccount(email, name);
        await c.query(INSERT_ACCOUNT, accountRow(a, passwordHash));
        return a;
      });
    },
    async deleteAccount(id) {
      await db.query('DELETE FROM accounts WHERE id = $1', [id]);
    },

    async createSession({ accountId, tokenHash, expiresAt }) {
      const s: Session = { id: randomUUID(), accountId, createdAt: Date.now(), expiresAt };
      await db.query(
        'INSERT INTO sessions (id, account_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
        [s.id, accountId, tokenHash, s.createdAt, expiresAt],
      );
      return s;
    },
    async sessionByTokenHash(tokenHash, now) {
      const r = await one('SELECT * FROM sessions WHERE token_hash = $1 AND expires_at > $2', [
        tokenHash,
        now,
      ]);
      return r ? toSession(r) : null;
    },
    async deleteSessionByTokenHash(tokenHash) {
      await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
    },
    async deleteSessionsOfAccount(accountId) {
      await db.query('DELETE FROM sessions WHERE account_id = $1', [accountId]);
    },
    async deleteExpiredSessions(now) {
      return (await db.query('DELETE FROM sessions WHERE expires_at <= $1', [now])).rowCount ?? 0;
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
      await db.query(
        'INSERT INTO api_tokens (id, workspace_id, account_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [t.id, workspaceId, accountId, name, tokenHash, t.createdAt],
      );
      return t;
    },
    async apiTokenByHash(tokenHash) {
      const r = await one('SELECT * FROM api_tokens WHERE token_hash = $1', [tokenHash]);
      return r ? toToken(r) : null;
    },
    async listApiTokens(workspaceId) {
      const { rows } = await db.query(
        'SELECT * FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at, id',
        [workspaceId],
      );
      return rows.map(toToken);
    },
    async deleteApiToken(workspaceId, id) {
      const r = await db.query('DELETE FROM api_tokens WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        id,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    async touchApiToken(id, at) {
      await db.query('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [at, id]);
    },
    async deleteApiTokensOf(workspaceId, accountId) {
      const { rows } = await db.query(
        'DELETE FROM api_tokens WHERE workspace_id = $1 AND account_id = $2 RETURNING id',
        [workspaceId, accountId],
      );
      return rows.map((r) => r.id as string);
    },
  };
}
