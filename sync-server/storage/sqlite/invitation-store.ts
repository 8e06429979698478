/** Invitations and admin-issued password resets in SQLite: single-use links, claimed atomically. */
import type { InvitationStore, PasswordReset, PasswordResetStore } from '../account-store.ts';
import { newInvitation, newPasswordReset, type Row, toInvitation, toReset } from '../rows.ts';
import type { Db } from './open-database.ts';

export function sqliteInvitationStore(db: Db): InvitationStore & PasswordResetStore {
  const q = {
    insertInvitation: db.prepare(
      'INSERT INTO invitations (id, workspace_id, user_id, email, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    invitationByHash: db.prepare('SELECT * FROM invitations WHERE token_hash = ?'),
    acceptInvitation: db.prepare('UPDATE invitations SET accepted_at = ? WHERE id = ?'),
    claimInvitation: db.prepare(
      'UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL',
    ),
    releaseInvitation: db.prepare('UPDATE invitations SET accepted_at = NULL WHERE id = ?'),
    dropUnusedResets: db.prepare('DELETE FROM password_resets WHERE account_id = ? AND used_at IS NULL'),
    insertReset: db.prepare(
      'INSERT INTO password_resets (id, account_id, secret_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    resetById: db.prepare('SELECT * FROM password_resets WHERE id = ?'),
    useReset: db.prepare('UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at IS NULL'),
  };
  const createResetTx = db.transaction((r: PasswordReset) => {
    q.dropUnusedResets.run(r.accountId);
    q.insertReset.run(r.id, r.accountId, r.secretHash, r.createdBy, r.createdAt, r.expiresAt);
  });

  return {
    async createInvitation(input) {
      const { workspaceId, userId, tokenHash, expiresAt } = input;
      const inv = newInvitation(input);
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

    async createPasswordReset(input) {
      const r = newPasswordReset(input);
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
  };
}
