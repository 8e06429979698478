/**
 * Invitations and admin-issued password resets in PostgreSQL: single-use links, claimed atomically
 * (`UPDATE … WHERE accepted_at IS NULL`: under concurrency exactly one caller sees a row change).
 */
import type { InvitationStore, PasswordResetStore } from '../account-store.ts';
import { newInvitation, newPasswordReset, toInvitation, toReset } from '../rows.ts';
import type { Db } from './pool.ts';

export function postgresInvitationStore(db: Db): InvitationStore & PasswordResetStore {
  const changed = async (sql: string, args: unknown[]) => ((await db.query(sql, args)).rowCount ?? 0) === 1;
  return {
    async createInvitation(input) {
      const { workspaceId, userId, tokenHash, expiresAt } = input;
      const inv = newInvitation(input);
      await db.query(
        'INSERT INTO invitations (id, workspace_id, user_id, email, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [inv.id, workspaceId, userId, inv.email, tokenHash, inv.createdAt, expiresAt],
      );
      return inv;
    },
    async invitationByTokenHash(tokenHash) {
      const { rows } = await db.query('SELECT * FROM invitations WHERE token_hash = $1', [tokenHash]);
      return rows[0] ? toInvitation(rows[0]) : null;
    },
    async markInvitationAccepted(id, at) {
      await db.query('UPDATE invitations SET accepted_at = $1 WHERE id = $2', [at, id]);
    },
    claimInvitation(id, at) {
      return changed('UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL', [
        at,
        id,
      ]);
    },
    async releaseInvitation(id) {
      await db.query('UPDATE invitations SET accepted_at = NULL WHERE id = $1', [id]);
    },

    async createPasswordReset(input) {
      const r = newPasswordReset(input);
      await db.tx(async (c) => {
        await c.query('DELETE FROM password_resets WHERE account_id = $1 AND used_at IS NULL', [r.accountId]);
        await c.query(
          'INSERT INTO password_resets (id, account_id, secret_hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
          [r.id, r.accountId, r.secretHash, r.createdBy, r.createdAt, r.expiresAt],
        );
      });
      return r;
    },
    async passwordResetById(id) {
      const { rows } = await db.query('SELECT * FROM password_resets WHERE id = $1', [id]);
      return rows[0] ? toReset(rows[0]) : null;
    },
    usePasswordReset(id, at) {
      return changed('UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL', [at, id]);
    },
  };
}
