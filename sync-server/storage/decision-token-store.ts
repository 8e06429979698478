/**
 * Decision tokens (issue 14): secrets an admin gives an app or a reverse proxy so it can ask the
 * workspace's decision point (AuthZEN, forward auth) and nothing else. A decision token belongs to no
 * account: it has no rights of its own. Stored as the SHA-256 of the secret, like sessions and API tokens.
 */

/** One decision token, as admins list it (never its secret). */
export interface DecisionToken {
  readonly id: string;
  readonly workspaceId: string;
  /** What the admin called it: the app or proxy that uses it (trimmed, 1–100 characters). */
  readonly name: string;
  /** The creating admin's account id; null once that account is gone. */
  readonly createdBy: string | null;
  /** The creating admin's email when it was created (kept for the list even if the account goes). */
  readonly createdByEmail: string | null;
  readonly createdAt: number;
  /** Epoch ms of the last counted request (counts are written in batches, see auth/decision-tokens.ts). */
  readonly lastUsedAt: number | null;
  /** Requests answered with it, as last written. */
  readonly requestCount: number;
}

/** Uses counted in memory since the last write, added to a token in one batch. */
export interface DecisionTokenUse {
  readonly id: string;
  readonly requests: number;
  readonly lastUsedAt: number;
}

export interface DecisionTokenStore {
  createDecisionToken(input: {
    workspaceId: string;
    name: string;
    tokenHash: string;
    createdBy: string | null;
    createdByEmail: string | null;
  }): Promise<DecisionToken>;
  decisionTokenByHash(tokenHash: string): Promise<DecisionToken | null>;
  /** The workspace's tokens, oldest first. */
  listDecisionTokens(workspaceId: string): Promise<DecisionToken[]>;
  countDecisionTokens(workspaceId: string): Promise<number>;
  /** Revokes: the row goes, the secret stops working at the next request. False when there was none. */
  deleteDecisionToken(workspaceId: string, id: string): Promise<boolean>;
  /**
   * Adds counted uses in one transaction: `request_count += requests`, `last_used_at` the later of the
   * two. Uses of a token revoked meanwhile are dropped.
   */
  addDecisionTokenUses(uses: readonly DecisionTokenUse[]): Promise<void>;
}

/** The table, once for both backends (migrations: SQLite schema.ts, PostgreSQL postgres/migrations.ts). */
export const decisionTokensSql = (int: 'INTEGER' | 'BIGINT'): string => `
CREATE TABLE IF NOT EXISTS decision_tokens (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,          -- SHA-256 of the secret, hex
  created_by TEXT REFERENCES accounts(id) ON DELETE SET NULL,
  created_by_email TEXT,
  created_at ${int} NOT NULL,               -- epoch ms, as every time here
  last_used_at ${int},
  request_count ${int} NOT NULL DEFAULT 0   -- written in batches (auth/decision-tokens.ts)
);
CREATE INDEX IF NOT EXISTS decision_tokens_ws ON decision_tokens(workspace_id, created_at);
`;
