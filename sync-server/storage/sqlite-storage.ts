/**
 * The embedded storage: one SQLite file (better-sqlite3, WAL). Every write is a single transaction, so a
 * crash leaves either the whole write or none of it; compaction swaps the snapshot and deletes the logged
 * updates it covers in one transaction, so there is no window where an update exists in neither.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ADDED_COLUMNS, DATA_MIGRATIONS, SCHEMA_SQL } from './schema.ts';
import type {
  Account,
  AccountWithSecret,
  ApiToken,
  AuditEntry,
  AuditEntryInput,
  Invitation,
  Membership,
  PasswordReset,
  Session,
  SnapshotInfo,
  Storage,
  StoredDoc,
  UpdateRecord,
  Workspace,
} from './storage.ts';

type Row = Record<string, unknown>;

export interface SqliteOptions {
  /** `full` fsyncs every commit (survives power loss); `normal` survives process crashes. */
  readonly synchronous?: 'full' | 'normal';
}

const toAccount = (r: Row): AccountWithSecret => ({
  id: r.id as string,
  email: r.email as string,
  name: r.name as string,
  createdAt: r.created_at as number,
  passwordHash: (r.password_hash as string | null) ?? null,
});
const publicAccount = (a: AccountWithSecret): Account => ({
  id: a.id,
  email: a.email,
  name: a.name,
  createdAt: a.createdAt,
});
const toWorkspace = (r: Row): Workspace => ({
  id: r.id as string,
  slug: r.slug as string,
  name: r.name as string,
  createdAt: r.created_at as number,
});
const toToken = (r: Row): ApiToken => ({
  id: r.id as string,
  workspaceId: r.workspace_id as string,
  accountId: r.account_id as string,
  name: r.name as string,
  createdAt: r.created_at as number,
  lastUsedAt: (r.last_used_at as number | null) ?? null,
});
const toInvitation = (r: Row): Invitation => ({
  id: r.id as string,
  workspaceId: r.workspace_id as string,
  userId: r.user_id as string,
  email: r.email as string,
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
  acceptedAt: (r.accepted_at as number | null) ?? null,
});
const toReset = (r: Row): PasswordReset => ({
  id: r.id as string,
  accountId: r.account_id as string,
  secretHash: r.secret_hash as string,
  createdBy: (r.created_by as string | null) ?? null,
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
  usedAt: (r.used_at as number | null) ?? null,
});
const toAudit = (r: Row): AuditEntry => ({
  id: r.id as number,
  workspaceId: r.workspace_id as string,
  at: r.at as number,
  actorId: (r.actor_id as string | null) ?? null,
  actorEmail: (r.actor_email as string | null) ?? null,
  actorName: (r.actor_name as string | null) ?? null,
  source: r.source as string,
  action: r.action as string,
  entities: JSON.parse(r.entities as string),
  summary: r.summary as string,
});

/**
 * A small read cache for what every request looks up (session, API token, account, workspace). All writes
 * go through this storage, which drops the entries they touch, so a logout or revocation is seen by the
 * very next request; the TTL only bounds staleness against anything else writing the file.
 */
class ReadCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  constructor(
    private readonly ttlMs = 5_000,
    private readonly max = 10_000,
  ) {}
  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now - e.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V, now: number): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, { value, at: now });
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
  deleteWhere(pred: (v: V) => boolean): void {
    for (const [k, e] of this.entries) if (pred(e.value)) this.entries.delete(k);
  }
  clear(): void {
    this.entries.clear();
  }
}

export function openSqliteStorage(dataDir: string, options: SqliteOptions = {}): Storage {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'gatehouse.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA_SQL);
  for (const [table, column, type] of ADDED_COLUMNS) {
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
  for (const [name, sql] of DATA_MIGRATIONS) {
    if (db.prepare('SELECT 1 FROM migrations WHERE name = ?').get(name)) continue;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO migrations (name, at) VALUES (?, ?)').run(name, Date.now());
    })();
  }

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
    listTokens: db.prepare('SELECT * FROM api_tokens WHERE workspace_id = ? ORDER BY created_at'),
    deleteToken: db.prepare('DELETE FROM api_tokens WHERE workspace_id = ? AND id = ?'),
    touchToken: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
    deleteTokensOf: db.prepare(
      'DELETE FROM api_tokens WHERE workspace_id = ? AND account_id = ? RETURNING id',
    ),
    insertWorkspace: db.prepare('INSERT INTO workspaces (id, slug, name, created_at) VALUES (?, ?, ?, ?)'),
    workspaceBySlug: db.prepare('SELECT * FROM workspaces WHERE slug = ?'),
    workspaceById: db.prepare('SELECT * FROM workspaces WHERE id = ?'),
    listWorkspaces: db.prepare('SELECT * FROM workspaces ORDER BY created_at'),
    renameWorkspace: db.prepare('UPDATE workspaces SET name = ? WHERE id = ?'),
    snapshot: db.prepare(
      'SELECT data, upto_seq, state_vector, admin_emails FROM doc_snapshots WHERE workspace_id = ?',
    ),
    updatesAfter: db.prepare(
      'SELECT seq, data FROM doc_updates WHERE workspace_id = ? AND seq > ? ORDER BY seq',
    ),
    insertUpdate: db.prepare('INSERT INTO doc_updates (workspace_id, data) VALUES (?, ?)'),
    upsertSnapshot: db.prepare(
      'INSERT INTO doc_snapshots (workspace_id, data, upto_seq, state_vector, admin_emails) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT(workspace_id) DO UPDATE SET data = excluded.data, upto_seq = excluded.upto_seq, ' +
        'state_vector = excluded.state_vector, admin_emails = excluded.admin_emails',
    ),
    deleteUpdatesUpto: db.prepare('DELETE FROM doc_updates WHERE workspace_id = ? AND seq <= ?'),
    upsertMembership: db.prepare(
      'INSERT INTO memberships (workspace_id, user_id, email, role, status) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT(workspace_id, user_id) DO UPDATE SET email = excluded.email, role = excluded.role, status = excluded.status',
    ),
    deleteMembership: db.prepare('DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?'),
    membershipsOfEmail: db.prepare('SELECT * FROM memberships WHERE email = ?'),
    insertInvitation: db.prepare(
      'INSERT INTO invitations (id, workspace_id, user_id, email, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    invitationByHash: db.prepare('SELECT * FROM invitations WHERE token_hash = ?'),
    acceptInvitation: db.prepare('UPDATE invitations SET accepted_at = ? WHERE id = ?'),
    claimInvitation: db.prepare(
      'UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL',
    ),
    releaseInvitation: db.prepare('UPDATE invitations SET accepted_at = NULL WHERE id = ?'),
    insertJoined: db.prepare(
      'INSERT OR IGNORE INTO joined (workspace_id, account_id, user_id, joined_at) VALUES (?, ?, ?, ?)',
    ),
    hasJoined: db.prepare('SELECT 1 FROM joined WHERE workspace_id = ? AND account_id = ? AND user_id = ?'),
    dropUnusedResets: db.prepare('DELETE FROM password_resets WHERE account_id = ? AND used_at IS NULL'),
    insertReset: db.prepare(
      'INSERT INTO password_resets (id, account_id, secret_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    resetById: db.prepare('SELECT * FROM password_resets WHERE id = ?'),
    useReset: db.prepare('UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at IS NULL'),
    insertAudit: db.prepare(
      'INSERT INTO audit (workspace_id, at, actor_id, actor_email, actor_name, source, action, entities, entity_keys, summary) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
  };

  const insertAudit = (e: AuditEntryInput): void => {
    const keys = ` ${e.entities.map((x) => `${x.collection} ${x.id}`).join(' ')} `;
    q.insertAudit.run(
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

  const appendTx = db.transaction((workspaceId: string, records: readonly UpdateRecord[]) => {
    let last = 0;
    for (const r of records) {
      last = Number(q.insertUpdate.run(workspaceId, r.update).lastInsertRowid);
      if (r.audit) insertAudit(r.audit);
    }
    return last;
  });
  const compactTx = db.transaction(
    (workspaceId: string, snapshot: Uint8Array, uptoSeq: number, info: SnapshotInfo | undefined) => {
      q.upsertSnapshot.run(
        workspaceId,
        snapshot,
        uptoSeq,
        info ? info.stateVector : null,
        info ? JSON.stringify(info.adminEmails) : null,
      );
      q.deleteUpdatesUpto.run(workspaceId, uptoSeq);
    },
  );
  const membershipsTx = db.transaction(
    (workspaceId: string, rows: readonly Membership[], removed: readonly string[]) => {
      for (const r of rows) q.upsertMembership.run(workspaceId, r.userId, r.email, r.role, r.status);
      for (const id of removed) q.deleteMembership.run(workspaceId, id);
    },
  );
  const auditTx = db.transaction((entries: readonly AuditEntryInput[]) => {
    for (const e of entries) insertAudit(e);
  });
  const createWorkspaceTx = db.transaction((ws: Workspace, initialUpdate: Uint8Array) => {
    q.insertWorkspace.run(ws.id, ws.slug, ws.name, ws.createdAt);
    q.insertUpdate.run(ws.id, initialUpdate);
  });

  const createResetTx = db.transaction((r: PasswordReset) => {
    q.dropUnusedResets.run(r.accountId);
    q.insertReset.run(r.id, r.accountId, r.secretHash, r.createdBy, r.createdAt, r.expiresAt);
  });

  const sessions = new ReadCache<Session>();
  const apiTokens = new ReadCache<ApiToken>();
  const accounts = new ReadCache<Account>();
  const workspaces = new ReadCache<Workspace>();

  const storage: Storage = {
    async createAccount({ email, name, passwordHash }) {
      const a = { id: randomUUID(), email: email.toLowerCase(), name, createdAt: Date.now() };
      q.insertAccount.run(a.id, a.email, a.name, passwordHash, a.createdAt);
      return a;
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
      const session: Session = {
        id: r.id as string,
        accountId: r.account_id as string,
        createdAt: r.created_at as number,
        expiresAt: r.expires_at as number,
      };
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
        id: randomUUID(),
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

    async createWorkspace({ slug, name, initialUpdate }) {
      const ws: Workspace = { id: randomUUID(), slug, name, createdAt: Date.now() };
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

    async loadDoc(workspaceId) {
      const read = db.transaction((): StoredDoc => {
        const snap = q.snapshot.get(workspaceId) as
          | { data: Buffer; upto_seq: number; state_vector: Buffer | null; admin_emails: string | null }
          | undefined;
        const rows = q.updatesAfter.all(workspaceId, snap?.upto_seq ?? 0) as { seq: number; data: Buffer }[];
        let bytes = snap?.data.length ?? 0;
        for (const r of rows) bytes += r.data.length;
        return {
          snapshot: snap ? new Uint8Array(snap.data) : null,
          snapshotInfo:
            snap?.state_vector && snap.admin_emails !== null
              ? { stateVector: new Uint8Array(snap.state_vector), adminEmails: JSON.parse(snap.admin_emails) }
              : null,
          updates: rows.map((r) => new Uint8Array(r.data)),
          lastSeq: rows.length > 0 ? rows[rows.length - 1]!.seq : (snap?.upto_seq ?? 0),
          bytes,
        };
      });
      return read();
    },
    async appendUpdates(workspaceId, records) {
      return appendTx(workspaceId, records);
    },
    async compact(workspaceId, snapshot, uptoSeq, info) {
      compactTx(workspaceId, snapshot, uptoSeq, info);
    },

    async setMemberships(workspaceId, rows, removed) {
      membershipsTx(workspaceId, rows, removed);
    },
    async membershipsOfEmail(email) {
      return (q.membershipsOfEmail.all(email.toLowerCase()) as Row[]).map((r) => ({
        workspaceId: r.workspace_id as string,
        userId: r.user_id as string,
        email: r.email as string,
        role: r.role as string,
        status: r.status as string,
      }));
    },

    async createInvitation({ workspaceId, userId, email, tokenHash, expiresAt }) {
      const inv: Invitation = {
        id: randomUUID(),
        workspaceId,
        userId,
        email: email.toLowerCase(),
        createdAt: Date.now(),
        expiresAt,
        acceptedAt: null,
      };
      q.insertInvitation.run(inv.id, workspaceId, userId, inv.email, tokenHash, inv.createdAt, expiresAt);
      return inv;
    },
    async invitationByTokenHash(tokenHash) {
      const r = q.invitationByHash.get(tokenHash) as Row | undefined;
      return r ? toInvitation(r) : null;
    },
    async markInvitationAccepted(id, at) {
      q.acceptInvitation.run(at, id);
    },
    async claimInvitation(id, at) {
      return q.claimInvitation.run(at, id).changes === 1;
    },
    async releaseInvitation(id) {
      q.releaseInvitation.run(id);
    },

    async recordJoined({ workspaceId, accountId, userId, at }) {
      q.insertJoined.run(workspaceId, accountId, userId, at);
    },
    async hasJoined(workspaceId, accountId, userId) {
      return q.hasJoined.get(workspaceId, accountId, userId) !== undefined;
    },

    async createPasswordReset({ accountId, secretHash, createdBy, expiresAt }) {
      const r: PasswordReset = {
        id: randomUUID(),
        accountId,
        secretHash,
        createdBy,
        createdAt: Date.now(),
        expiresAt,
        usedAt: null,
      };
      createResetTx(r);
      return r;
    },
    async passwordResetById(id) {
      const r = q.resetById.get(id) as Row | undefined;
      return r ? toReset(r) : null;
    },
    async usePasswordReset(id, at) {
      return q.useReset.run(at, id).changes === 1;
    },

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
    async recentAuditFor(workspaceId, entityIds, sinceMs, limit) {
      if (entityIds.length === 0) return [];
      const ors = entityIds.map(() => 'instr(entity_keys, ?) > 0').join(' OR ');
      const sql = `SELECT * FROM audit WHERE workspace_id = ? AND at >= ? AND source != 'server' AND (${ors}) ORDER BY id DESC LIMIT ?`;
      const args = [workspaceId, sinceMs, ...entityIds.map((id) => ` ${id} `), limit];
      return (db.prepare(sql).all(...args) as Row[]).map(toAudit);
    },

    async close() {
      if (db.open) db.close();
    },
  };
  return storage;
}
