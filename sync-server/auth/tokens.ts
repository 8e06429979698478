/** Opaque random tokens. Only their SHA-256 is stored, so a stolen database does not yield live tokens. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_PREFIX = 'ghs_';
export const API_TOKEN_PREFIX = 'gha_';
/** Decision tokens (auth/decision-tokens.ts): an app's or proxy's secret for the decision endpoints only. */
export const DECISION_TOKEN_PREFIX = 'ghd_';

export function newToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant time, whatever the lengths (both sides hashed first). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
