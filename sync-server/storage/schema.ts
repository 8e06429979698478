/** SQLite schema, applied idempotently at open. Times are epoch milliseconds. */
import { decisionTokensSql } from './decision-token-store.ts';

/** Columns added after the first release: [table, column, type], added at open when missing. */
export const ADDED_COLUMNS: readonly (readonly [string, string, string])[] = [
  ['doc_snapshots', 'state_vector', 'BLOB'],
  ['doc_snapshots', 'admin_emails', 'TEXT'],
  ['doc_updates', 'update_hash', 'BLOB'], // SHA-256 of data: a resent update is logged once
];
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,           -- lower-cased
  name TEXT NOT NULL,
  password_hash TEXT,                   -- scrypt$…; NULL until set
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,      -- SHA-256 of the bearer token, hex
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_account ON sessions(account_id);
CREATE TABLE IF NOT EXISTS workspaces (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_updates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_updates_ws ON doc_updates(workspace_id, seq);
CREATE TABLE IF NOT EXISTS doc_snapshots (
  workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
  data BLOB NOT NULL,
  upto_seq INTEGER NOT NULL,            -- every update with seq <= this is inside data
  state_vector BLOB,                    -- SnapshotInfo (NULL in files written before it existed)
  admin_emails TEXT                     -- JSON array of lower-cased emails
);
CREATE TABLE IF NOT EXISTS memberships (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX IF NOT EXISTS memberships_email ON memberships(email);
CREATE TABLE IF NOT EXISTS invitations (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  accepted_at INTEGER
);
CREATE TABLE IF NOT EXISTS api_tokens (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  at INTEGER NOT NULL,
  actor_id TEXT,
  actor_email TEXT,
  actor_name TEXT,
  source TEXT NOT NULL,
  action TEXT NOT NULL,
  entities TEXT NOT NULL,               -- JSON AuditEntity[]
  entity_keys TEXT NOT NULL,            -- ' collection id collection id … ' for filtering
  summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_ws ON audit(workspace_id, id);
-- History's causes read a window's entries by commit time, keys included (no table lookups).
CREATE INDEX IF NOT EXISTS audit_ws_time ON audit(workspace_id, at, id, entity_keys);
CREATE TABLE IF NOT EXISTS joined (     -- the account itself activated this user (accepted, or created the workspace)
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  account_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, account_id, user_id)
);
CREATE TABLE IF NOT EXISTS password_resets (
  id TEXT PRIMARY KEY,                  -- the link's public half
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL,            -- SHA-256 of the link's secret half, hex
  created_by TEXT,                      -- the issuing admin's account id
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX IF NOT EXISTS password_resets_account ON password_resets(account_id);
CREATE TABLE IF NOT EXISTS migrations (  -- one-time data migrations done
  name TEXT PRIMARY KEY,
  at INTEGER NOT NULL
);
`;

/** One-time data migrations, run in order at open, each in one transaction, recorded in `migrations`. */
export const DATA_MIGRATIONS: readonly (readonly [name: string, sql: string])[] = [
  // Rows logged before update_hash existed keep NULL (distinct in a UNIQUE index).
  [
    'doc-updates-hash-index',
    'CREATE UNIQUE INDEX IF NOT EXISTS doc_updates_hash ON doc_updates(workspace_id, update_hash)',
  ],
  [
    // Before `joined` existed, "did this account join" was read from its own user.activate audit rows.
    'joined-from-audit',
    `INSERT OR IGNORE INTO joined (workspace_id, account_id, user_id, joined_at)
     SELECT a.workspace_id, a.actor_id, json_extract(e.value, '$.id'), a.at
     FROM audit a, json_each(a.entities) e
     WHERE a.action = 'user.activate' AND a.actor_id IS NOT NULL
       AND json_extract(e.value, '$.collection') = 'users' AND json_extract(e.value, '$.id') IS NOT NULL`,
  ],
  [
    // Decision tokens (issue 14): an app's or proxy's secret for the decision endpoints only.
    'decision-tokens',
    decisionTokensSql('INTEGER'),
  ],
];
