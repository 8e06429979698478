/** SQLite schema, applied idempotently at open. Times are epoch milliseconds. */

/** Columns added after the first release: [table, column, type], added at open when missing. */
export const ADDED_COLUMNS: readonly (readonly [string, string, string])[] = [
  ['doc_snapshots', 'state_vector', 'BLOB'],
  ['doc_snapshots', 'admin_emails', 'TEXT'],
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
`;
