/**
 * Who calls the SCIM service: a bearer token of one SCIM connection of this workspace (stored as its
 * SHA-256). Anything else — no token, a revoked one, a session or API token, another workspace's — is a
 * 401 that says no more. Limits are taken before any lookup: per presented token (a connection's
 * traffic) and, for refused tokens, per client address and workspace (guessing).
 */
import type { IncomingMessage } from 'node:http';
import { createRateLimiter, type RateLimiter } from '../../auth/rate-limit.ts';
import { hashToken } from '../../auth/tokens.ts';
import type { ServerContext } from '../../context.ts';
import type { ScimConnection, ScimToken } from '../../storage/scim-store.ts';
import type { Workspace } from '../../storage/workspace-store.ts';
import { ScimError } from './scim-error.ts';

export const SCIM_TOKEN_PREFIX = 'ghscim_';

/** Requests per token per second (Entra asks for 25; the bench sustains 500+ writes/s). */
export const SCIM_REQUESTS_PER_S = 2000;
/** Refused tokens per client address and workspace per minute. */
export const SCIM_FAILURES_PER_MIN = 30;
/** A token's last use is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

export interface ScimLimits {
  readonly perToken: RateLimiter;
  readonly failures: RateLimiter;
}

export function createScimLimits(): ScimLimits {
  return {
    perToken: createRateLimiter(SCIM_REQUESTS_PER_S, 1000),
    failures: createRateLimiter(SCIM_FAILURES_PER_MIN, 60_000),
  };
}

const unauthorized = () =>
  new ScimError(401, 'A valid SCIM token of this workspace is required', undefined, {
    'www-authenticate': 'Bearer realm="scim"',
  });
const tooMany = (wait: number) =>
  new ScimError(429, 'Too many requests; slow down', undefined, { 'retry-after': String(wait) });

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1]! : null;
}

export async function authenticateScim(
  ctx: ServerContext,
  limits: ScimLimits,
  req: IncomingMessage,
  slug: string,
  workspace: Workspace | null,
): Promise<{ token: ScimToken; connection: ScimConnection }> {
  // Refusals count per address and workspace: IdPs call from shared addresses (Entra's provisioning
  // service serves every tenant), so one tenant's stale token must not lock out another workspace.
  const failureKey = `${ctx.clientIp(req)} ${slug}`;
  const failWait = limits.failures.peek(failureKey);
  if (failWait > 0) throw tooMany(failWait);
  const secret = bearer(req);
  const refuse = () => {
    limits.failures.take(failureKey);
    return unauthorized();
  };
  if (!secret?.startsWith(SCIM_TOKEN_PREFIX) || secret.length > 200) throw refuse();
  const hash = hashToken(secret);
  const wait = limits.perToken.take(hash);
  if (wait > 0) throw tooMany(wait);
  const token = await ctx.storage.scimTokenByHash(hash);
  if (!token || !workspace || token.workspaceId !== workspace.id) throw refuse();
  const connection = await ctx.storage.scimConnectionById(workspace.id, token.connectionId);
  if (!connection) throw refuse();
  const now = Date.now();
  if (token.lastUsedAt === null || now - token.lastUsedAt > TOUCH_EVERY_MS)
    void ctx.storage.touchScimToken(token.id, now).catch(() => {});
  return { token, connection };
}
