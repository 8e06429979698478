/**
 * A workspace whose password sign-in is off (its SSO policy) accepts its non-admin members only with a
 * session an SSO sign-in started; admins keep their password (break-glass) and API tokens are their own
 * credential. The policy is read through a short cache (POLICY_CACHE_MS) so that the check costs no query
 * on most requests; a change made on this instance applies at once, on others within the cache time.
 */
import type { User } from '../../../core/index.ts';
import type { Principal } from '../../auth/authenticate.ts';
import { ApiError } from '../../http/respond.ts';
import type { Storage } from '../../storage/storage.ts';

const POLICY_CACHE_MS = 5_000;
const caches = new WeakMap<object, Map<string, { allowed: boolean; until: number }>>();

function cacheOf(storage: object) {
  let c = caches.get(storage);
  if (!c) caches.set(storage, (c = new Map()));
  return c;
}

export async function passwordSignInAllowed(storage: Storage, workspaceId: string): Promise<boolean> {
  const cache = cacheOf(storage);
  const hit = cache.get(workspaceId);
  if (hit && hit.until > Date.now()) return hit.allowed;
  const allowed = await storage.passwordSignInAllowed(workspaceId);
  cache.set(workspaceId, { allowed, until: Date.now() + POLICY_CACHE_MS });
  return allowed;
}

export async function setPasswordSignIn(
  storage: Storage,
  workspaceId: string,
  allowed: boolean,
): Promise<void> {
  await storage.setPasswordSignIn(workspaceId, allowed);
  cacheOf(storage).delete(workspaceId);
}

/** Whether this principal may open the workspace as `user` (REST, and forward auth in front of its apps). */
export async function signInPolicyAllows(
  storage: Storage,
  principal: Principal,
  workspaceId: string,
  user: User,
): Promise<boolean> {
  if (user.role === 'admin' || principal.kind !== 'session') return true;
  if (await passwordSignInAllowed(storage, workspaceId)) return true;
  return storage.isSsoSession(principal.tokenHash, Date.now());
}

/** Throws `sso-required` when this principal may not open the workspace as `user`. */
export async function checkSignInPolicy(
  storage: Storage,
  principal: Principal,
  workspaceId: string,
  user: User,
): Promise<void> {
  if (await signInPolicyAllows(storage, principal, workspaceId, user)) return;
  throw new ApiError(
    'sso-required',
    'This workspace signs in with single sign-on: sign in with your identity provider',
  );
}
