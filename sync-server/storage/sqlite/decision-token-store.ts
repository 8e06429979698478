/**
 * Decision tokens in SQLite. The by-hash lookup runs on every decision request: it goes through a read
 * cache that revocation drops its entry from (read-cache.ts), so a revoked token fails at the next request.
 */
import type { DecisionToken, DecisionTokenStore, DecisionTokenUse } from '../decision-token-store.ts';
import { newDecisionToken, type Row, toDecisionToken } from '../rows.ts';
import type { Db } from './open-database.ts';
import { ReadCache } from './read-cache.ts';

export function sqliteDecisionTokenStore(db: Db): DecisionTokenStore {
  const q = {
    insert: db.prepare(
      'INSERT INTO decision_tokens (id, workspace_id, name, token_hash, created_by, created_by_email, created_at, request_count) VALUES (?, ?, ?, ?, ?, ?, ?, 0)',
    ),
    byHash: db.prepare('SELECT * FROM decision_tokens WHERE token_hash = ?'),
    list: db.prepare('SELECT * FROM decision_tokens WHERE workspace_id = ? ORDER BY created_at, id'),
    count: db.prepare('SELECT COUNT(*) AS n FROM decision_tokens WHERE workspace_id = ?'),
    delete: db.prepare('DELETE FROM decision_tokens WHERE workspace_id = ? AND id = ?'),
    addUse: db.prepare(
      'UPDATE decision_tokens SET request_count = request_count + ?, last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?',
    ),
  };
  const byHash = new ReadCache<DecisionToken>();
  const addUses = db.transaction((uses: readonly DecisionTokenUse[]) => {
    for (const u of uses) q.addUse.run(u.requests, u.lastUsedAt, u.id);
  });

  return {
    async createDecisionToken(input) {
      const t = newDecisionToken(input);
      q.insert.run(t.id, t.workspaceId, t.name, input.tokenHash, t.createdBy, t.createdByEmail, t.createdAt);
      return t;
    },
    async decisionTokenByHash(tokenHash) {
      const now = Date.now();
      const hit = byHash.get(tokenHash, now);
      if (hit) return hit;
      const r = q.byHash.get(tokenHash) as Row | undefined;
      const token = r ? toDecisionToken(r) : null;
      if (token) byHash.set(tokenHash, token, now);
      return token;
    },
    async listDecisionTokens(workspaceId) {
      return (q.list.all(workspaceId) as Row[]).map(toDecisionToken);
    },
    async countDecisionTokens(workspaceId) {
      return (q.count.get(workspaceId) as { n: number }).n;
    },
    async deleteDecisionToken(workspaceId, id) {
      byHash.deleteWhere((t) => t.id === id);
      return q.delete.run(workspaceId, id).changes > 0;
    },
    async addDecisionTokenUses(uses) {
      if (uses.length > 0) addUses(uses);
    },
  };
}
