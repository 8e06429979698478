/**
 * Versioned schema migrations for PostgreSQL, run at start. Each version runs once, in its own
 * transaction, recorded in `schema_version`; the whole run holds a session advisory lock, so instances
 * starting together migrate one after the other (the second finds nothing to do). A database migrated by
 * a newer Gatehouse (a version this one does not know) is refused before anything is written.
 * Append new versions at the end; never edit a released one.
 */
import { decisionTokensSql } from '../decision-token-store.ts';
import { SchemaTooNewError } from '../errors.ts';
import { webhooksSql } from '../webhook-store.ts';
import type { Db } from './pool.ts';
import { POSTGRES_SCIM_SQL } from './scim-store.ts';
import { POSTGRES_SSO_SESSIONS_SQL, POSTGRES_SSO_SQL } from './sso-store.ts';

/** Taken with pg_advisory_lock while migrating (an arbitrary constant: "gatehouse" in ASCII, folded). */
const MIGRATION_LOCK_KEY = 0x67617465;

export const MIGRATIONS: readonly (readonly [version: number, name: string, sql: string])[] = [
  [
    1,
    'initial schema',
    `
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,             -- lower-cased
  name TEXT NOT NULL,
  password_hash TEXT,
  created_at BIGINT NOT NULL              -- epoch ms, as every time here
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  head_seq BIGINT NOT NULL DEFAULT 0      -- seq of the last committed update: bumped in its transaction
);
CREATE TABLE doc_updates (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  seq BIGINT NOT NULL,                    -- gap-free per workspace (from head_seq, not a sequence)
  update_hash BYTEA NOT NULL,             -- SHA-256 of data: a resend is logged once
  data BYTEA NOT NULL,
  author TEXT,                            -- account id, NULL for the server itself
  instance TEXT,
  at BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, seq),
  UNIQUE (workspace_id, update_hash)
);
CREATE TABLE doc_snapshots (
  workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
  data BYTEA NOT NULL,
  upto_seq BIGINT NOT NULL,
  state_vector BYTEA,
  admin_emails JSONB
);
CREATE TABLE memberships (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_email ON memberships(email);
CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  accepted_at BIGINT
);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);
CREATE INDEX api_tokens_ws ON api_tokens(workspace_id, account_id);
CREATE TABLE audit (
  id BIGSERIAL PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  at BIGINT NOT NULL,
  actor_id TEXT,
  actor_email TEXT,
  actor_name TEXT,
  source TEXT NOT NULL,
  action TEXT NOT NULL,
  entities JSONB NOT NULL,
  entity_keys TEXT NOT NULL,              -- ' collection id collection id … ' for filtering
  summary TEXT NOT NULL
);
CREATE INDEX audit_ws ON audit(workspace_id, id);
CREATE TABLE joined (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  account_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  joined_at BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, account_id, user_id)
);
CREATE TABLE password_resets (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL,
  created_by TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX password_resets_account ON password_resets(account_id);
`,
  ],
  [2, 'scim provisioning', POSTGRES_SCIM_SQL],
  [3, 'decision tokens', decisionTokensSql('BIGINT')],
  [4, 'single sign-on', POSTGRES_SSO_SQL],
  [5, 'sso sessions', POSTGRES_SSO_SESSIONS_SQL],
  [6, 'webhooks', webhooksSql('BIGINT', 'BOOLEAN')],
  // History's causes read a window's audit entries by commit time. Not covering (no INCLUDE of the
  // keys): an entry's keys have no bound — a SCIM group push names every member — and a B-tree row
  // holds at most a third of a page.
  [7, 'audit by time', 'CREATE INDEX IF NOT EXISTS audit_ws_time ON audit(workspace_id, at, id);'],
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]![0];

/** Brings the schema to SCHEMA_VERSION; returns the versions applied now (none when up to date). */
export async function migrate(db: Db): Promise<number[]> {
  const client = await db.pool.connect();
  const applied: number[] = [];
  const ignore = () => {}; // a dying connection fails the next statement, which throws
  client.on('error', ignore);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const { rows } = await client.query<{ v: number | null }>(
        'SELECT MAX(version) AS v FROM schema_version',
      );
      const current = rows[0]?.v ?? 0;
      if (current > SCHEMA_VERSION) throw new SchemaTooNewError(current, SCHEMA_VERSION);
      for (const [version, name, sql] of MIGRATIONS) {
        if (version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [
            version,
            name,
            Date.now(),
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw err;
        }
        applied.push(version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    }
  } finally {
    client.off('error', ignore);
    client.release();
  }
  return applied;
}
