/**
 * Admin-issued one-time password reset links. The link carries `<id>.<secret>`: the id finds the row, the
 * secret is stored only as its SHA-256 and compared in constant time. A link is valid once, until it
 * expires; issuing a new one for the account drops its unused ones; using one ends every session of the
 * account (and its open sockets and streams).
 */
import type { AccountStore, PasswordResetStore, SessionStore } from '../storage/account-store.ts';
import type { ConnectionRegistry } from './connections.ts';
import { hashPassword } from './password.ts';
import { hashToken, newToken, sameSecret } from './tokens.ts';

export const RESET_PATH = '/reset-password';

/** Creates a link for `accountId`; returns the token to put in it (never stored, never logged). */
export async function issuePasswordReset(
  storage: PasswordResetStore,
  input: { accountId: string; createdBy: string; ttlMs: number },
): Promise<{ token: string; expiresAt: number }> {
  const secret = newToken();
  const reset = await storage.createPasswordReset({
    accountId: input.accountId,
    secretHash: hashToken(secret),
    createdBy: input.createdBy,
    expiresAt: Date.now() + input.ttlMs,
  });
  return { token: `${reset.id}.${secret}`, expiresAt: reset.expiresAt };
}

export type ResetCheck =
  | { readonly ok: true; readonly id: string; readonly accountId: string }
  | { readonly ok: false; readonly code: 'reset-not-valid' | 'reset-used' | 'reset-expired' };

/** Whether `token` is a live link (constant-time secret comparison). */
export async function checkPasswordReset(
  storage: PasswordResetStore,
  token: string,
  now = Date.now(),
): Promise<ResetCheck> {
  const dot = token.indexOf('.');
  const id = dot > 0 ? token.slice(0, dot) : '';
  const secret = dot > 0 ? token.slice(dot + 1) : '';
  const reset = id && secret ? await storage.passwordResetById(id) : null;
  // Compared even when no row was found, so both answers take as long.
  const matches = sameSecret(hashToken(secret), reset?.secretHash ?? '');
  if (!reset || !matches) return { ok: false, code: 'reset-not-valid' };
  if (reset.usedAt !== null) return { ok: false, code: 'reset-used' };
  if (reset.expiresAt <= now) return { ok: false, code: 'reset-expired' };
  return { ok: true, id: reset.id, accountId: reset.accountId };
}

/** Uses a checked link: false when a concurrent use won. Sets the password and ends every session. */
export async function completePasswordReset(
  {
    storage,
    connections,
  }: {
    storage: PasswordResetStore & AccountStore & SessionStore;
    connections: Pick<ConnectionRegistry, 'closeOfAccount'>;
  },
  check: { id: string; accountId: string },
  password: string,
): Promise<boolean> {
  const passwordHash = await hashPassword(password);
  if (!(await storage.usePasswordReset(check.id, Date.now()))) return false;
  await storage.setAccountPassword(check.accountId, passwordHash);
  await storage.deleteSessionsOfAccount(check.accountId);
  connections.closeOfAccount(check.accountId, 'signed-out');
  return true;
}
