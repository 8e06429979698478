/**
 * Who may sync a workspace, decided after the upgrade (browsers cannot read a refused upgrade):
 * credentials (the cookie only from an allowed Origin) → a valid session or token → the workspace (an
 * API token only its own) → an active admin there. Each step answers a result or the error code the
 * socket is closed with (4401/4403/…, errors.ts).
 */
import type { IncomingMessage } from 'node:http';
import type * as Y from 'yjs';
import type { User } from '../../core/index.ts';
import { isActiveAdminUser } from '../../core/index.ts';
import { authenticate, type Principal } from '../auth/authenticate.ts';
import { credentialsFrom, originAllowed } from '../auth/credentials.ts';
import { userByEmailInDoc } from '../auth/member-of.ts';
import type { ServerContext } from '../context.ts';
import type { SocketErrorCode } from '../errors.ts';
import { StorageUnavailableError } from '../storage/errors.ts';
import type { Workspace } from '../storage/workspace-store.ts';

export type SyncAuth<T> =
  | ({ readonly ok: true } & T)
  | { readonly ok: false; readonly code: SocketErrorCode; readonly reason: string };

const refuse = (code: SocketErrorCode, reason: string) => ({ ok: false, code, reason }) as const;
const NOT_ADMIN = refuse('forbidden', 'Not an admin of this workspace');

/** Credentials → principal → workspace. */
export async function authorizeSync(
  ctx: ServerContext,
  req: IncomingMessage,
  slug: string,
  query: URLSearchParams,
): Promise<SyncAuth<{ readonly principal: Principal; readonly workspace: Workspace }>> {
  const creds = credentialsFrom(req, query);
  if (!creds) return refuse('unauthorized', 'Sign in first');
  if (creds.via === 'cookie' && !originAllowed(req, ctx.config.publicUrl, ctx.config.allowedOrigins))
    return refuse('bad-origin', 'Origin not allowed');
  let principal: Principal | null;
  try {
    principal = await authenticate(ctx.storage, creds.token);
  } catch (err) {
    // PostgreSQL down: 1013, like the sockets closed by the outage (clients retry later).
    if (err instanceof StorageUnavailableError)
      return refuse('storage-failed', 'Storage unavailable; try again later');
    return refuse('internal', 'Try again');
  }
  if (!principal) return refuse('unauthorized', 'Session expired or token not valid');
  const workspace = await ctx.storage.workspaceBySlug(slug.toLowerCase()).catch(() => null);
  if (!workspace || (principal.workspaceId !== null && principal.workspaceId !== workspace.id))
    return NOT_ADMIN;
  return { ok: true, principal, workspace };
}

/** The principal's user in the loaded doc, if it is an active admin there. */
export function syncAdmin(doc: Y.Doc, principal: Principal): SyncAuth<{ readonly user: User }> {
  const user = userByEmailInDoc(doc, principal.account.email);
  if (!user || !isActiveAdminUser(user)) return NOT_ADMIN;
  return { ok: true, user };
}
