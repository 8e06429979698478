/** Opaque random tokens. Only their SHA-256 is stored, so a stolen database does not yield live tokens. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_PREFIX = 'ghs_';
export const API_TOKEN_PREFIX = 'gha_';
/** Decision tokens (auth/decision-tokens.ts): an app's or proxy's secret for the decision endpoints only. */
export const DECISION_TOKEN_PREFIX = 'ghd_';

export function newToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/**
 * A session that acts in one workspace only (an SSO sign-in's: that workspace's identity provider vouches
 * for nothing else) carries the workspace id in its token, `ghs_<workspaceId>.<random>`. The id is covered
 * by the token's hash, so changing it gives a token no session has.
 */
export const newWorkspaceSessionToken = (workspaceId: string) => newToken(`${SESSION_PREFIX}${workspaceId}.`);

/** The workspace a session token is limited to, or null for a session of the whole account. */
export function sessionWorkspaceOf(token: string): string | null {
  const dot = token.indexOf('.');
  return token.startsWith(SESSION_PREFIX) && dot > SESSION_PREFIX.length
    ? token.slice(SESSION_PREFIX.length, dot)
    : null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant time, whatever the lengths (both sides hashed first). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
