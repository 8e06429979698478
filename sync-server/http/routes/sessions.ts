/** What the routes that check or set a password share: starting a session, reserving a password attempt. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sessionCookie } from '../../auth/credentials.ts';
import { reserveAttempt } from '../../auth/password-attempts.ts';
import { hashToken, newToken, newWorkspaceSessionToken, SESSION_PREFIX } from '../../auth/tokens.ts';
import type { ServerContext } from '../../context.ts';
import type { Account } from '../../storage/account-store.ts';
import { ApiError } from '../respond.ts';

/** Starts a session of the account: of its whole account, or limited to `workspaceId` (an SSO sign-in's). */
export async function startSession(
  ctx: ServerContext,
  res: ServerResponse,
  account: Account,
  workspaceId: string | null = null,
) {
  const token = workspaceId ? newWorkspaceSessionToken(workspaceId) : newToken(SESSION_PREFIX);
  const expiresAt = Date.now() + ctx.config.sessionTtlMs;
  await ctx.storage.createSession({ accountId: account.id, tokenHash: hashToken(token), expiresAt });
  const { sessionTtlMs, secureCookies, sessionCookieDomain } = ctx.config;
  res.setHeader('set-cookie', sessionCookie(token, sessionTtlMs, secureCookies, sessionCookieDomain));
  return { token, expiresAt, account };
}

/**
 * Reserves one password attempt for the caller's IP (and IP+email) before any hashing, or answers 429.
 * Returns the refund to call when the attempt does not count (right password, nothing checked).
 */
export function reservePasswordAttempt(
  ctx: ServerContext,
  req: IncomingMessage,
  email: string | null,
): () => void {
  const r = reserveAttempt(ctx.passwordAttempts, ctx.clientIp(req), email);
  if (!r.ok)
    throw new ApiError('rate-limited', 'Too many password attempts; try again later', undefined, {
      'retry-after': String(r.retryAfterSeconds),
    });
  return r.refund;
}
