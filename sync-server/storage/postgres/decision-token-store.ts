/**
 * Decision tokens in PostgreSQL. No read cache: with several instances, a revocation on one must hold on
 * every other at the very next request. Uses from every instance add up (`request_count + n`).
 */
import type { DecisionTokenStore } from '../decision-token-store.ts';
import { newDecisionToken, toDecisionToken } from '../rows.ts';
import type { Db } from './pool.ts';

export function postgresDecisionTokenStore(db: Db): DecisionTokenStore {
  return {
    async createDecisionToken(input) {
      const t = newDecisionToken(input);
      await db.query(
        'INSERT INTO decision_tokens (id, workspace_id, name, token_hash, created_by, created_by_email, created_at, request_count) VALUES ($1, $2, $3, $4, $5, $6, $7, 0)',
        [t.id, t.workspaceId, t.name, input.tokenHash, t.createdBy, t.createdByEmail, t.createdAt],
      );
      return t;
    },
    async decisionTokenByHash(tokenHash) {
      const { rows } = await db.query('SELECT * FROM decision_tokens WHERE token_hash = $1', [tokenHash]);
      return rows[0] ? toDecisionToken(rows[0]) : null;
    },
    async listDecisionTokens(workspaceId) {
      const { rows } = await db.query(
        'SELECT * FROM decision_tokens WHERE workspace_id = $1 ORDER BY created_at, id',
        [workspaceId],
      );
      return rows.map(toDecisionToken);
    },
    async countDecisionTokens(workspaceId) {
      const { rows } = await db.query(
        'SELECT COUNT(*)::bigint AS n FROM decision_tokens WHERE workspace_id = $1',
        [workspaceId],
      );
      return rows[0]!.n as number;
    },
    async deleteDecisionToken(workspaceId, id) {
      const r = await db.query('DELETE FROM decision_tokens WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        id,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    async addDecisionTokenUses(uses) {
      if (uses.length === 0) return;
      // One statement for the batch: the ids, counts and times as parallel arrays.
      await db.query(
        `UPDATE decision_tokens t SET request_count = t.request_count + u.requests,
           last_used_at = GREATEST(COALESCE(t.last_used_at, 0), u.at)
         FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u(id, requests, at)
         WHERE t.id = u.id`,
        [uses.map((u) => u.id), uses.map((u) => u.requests), uses.map((u) => u.lastUsedAt)],
      );
    },
  };
}
