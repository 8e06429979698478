/**
 * Resolves a bearer/cookie/query token to an account: a session, or an API token bound to one workspace.
 * A decision token (auth/decision-tokens.ts) is no account's: it never resolves here.
 */
import type { Account, AccountStore, ApiTokenStore, SessionStore } from '../storage/account-store.ts';
import { API_TOKEN_PREFIX, DECISION_TOKEN_PREFIX, hashToken, sessionWorkspaceOf } from './tokens.ts';

export interface Principal {
  readonly account: Account;
  readonly kind: 'session' | 'api-token';
  readonly tokenHash: string;
  /** API tokens and SSO sessions act only in their workspace; other sessions in any the account belongs to. */
  readonly workspaceId: string | null;
  readonly tokenId: string | null;
}

export async function authenticate(
  storage: Pick<AccountStore, 'accountById'> & SessionStore & ApiTokenStore,
  token: string,
  now = Date.now(),
): Promise<Principal | null> {
  if (token.startsWith(DECISION_TOKEN_PREFIX)) return null;
  const tokenHash = hashToken(token);
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const t = await storage.apiTokenByHash(tokenHash);
    if (!t) return null;
    const account = await storage.accountById(t.accountId);
    if (!account) return null;
    if (t.lastUsedAt === null || now - t.lastUsedAt > 60_000)
      void storage.touchApiToken(t.id, now).catch(() => {});
    return { account, kind: 'api-token', tokenHash, workspaceId: t.workspaceId, tokenId: t.id };
  }
  const s = await storage.sessionByTokenHash(tokenHash, now);
  if (!s) return null;
  const account = await storage.accountById(s.accountId);
  if (!account) return null;
  return { account, kind: 'session', tokenHash, workspaceId: sessionWorkspaceOf(token), tokenId: null };
}
