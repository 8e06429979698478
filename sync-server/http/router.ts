/**
 * A small table-driven router. Each route (route.ts) declares its auth level and body schema; the router
 * enforces both before the handler runs (every request re-checks the caller's role and status in the
 * workspace), and gives the handler what its types promise: a principal unless the route is public, the
 * workspace scope for the workspace levels, and the path's parameters. A decision token is refused
 * everywhere (403, or 401 when not valid) but on the decision routes of its own workspace.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, type Principal } from '../auth/authenticate.ts';
import { type Credentials, credentialsFrom, originAllowed } from '../auth/credentials.ts';
import { isDecisionTokenSecret } from '../auth/decision-tokens.ts';
import { userByEmail } from '../auth/member-of.ts';
import { hashToken } from '../auth/tokens.ts';
import type { ServerContext } from '../context.ts';
import { checkSignInPolicy } from '../identity/oidc/password-policy.ts';
import { safePath } from '../log.ts';
import { isStorageUnavailable } from '../storage/errors.ts';
import { SecretKeyError } from '../storage/secret-box.ts';
import type { LiveDoc } from '../sync/live-doc.ts';
import { ApiError, readJsonBody, sendError, sendJson } from './respond.ts';
import type { DecisionScope, Route, WorkspaceScope } from './route.ts';

interface Compiled {
  readonly route: Route;
  readonly parts: readonly string[];
}

const MAX_PARAM = 200;

function match(parts: readonly string[], segments: readonly string[]): Record<string, string> | null {
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segments[i]!;
    if (p.startsWith(':')) {
      if (s.length === 0 || s.length > MAX_PARAM) return null;
      params[p.slice(1)] = s;
    } else if (p !== s) return null;
  }
  return params;
}

export function createRouter(routes: readonly Route[]) {
  const compiled: Compiled[] = routes.map((route) => ({ route, parts: route.path.split('/').slice(1) }));

  /** Returns false when no API route matched the path (the caller serves static files). */
  async function handle(
    ctx: ServerContext,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<boolean> {
    let segments: string[];
    try {
      segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    } catch {
      if (!url.pathname.startsWith('/api/')) return false;
      sendError(res, new ApiError('bad-path', 'The path is not valid'));
      return true;
    }
    const candidates: { c: Compiled; params: Record<string, string> }[] = [];
    for (const c of compiled) {
      const params = match(c.parts, segments);
      if (params) candidates.push({ c, params });
    }
    if (candidates.length === 0) {
      if (!url.pathname.startsWith('/api/') && url.pathname !== '/api') return false;
      sendError(res, new ApiError('not-found', 'No such endpoint'));
      return true;
    }
    const found = candidates.find((x) => x.c.route.method === req.method);
    if (!found) {
      const allow = [...new Set(candidates.map((x) => x.c.route.method))].join(', ');
      sendError(res, new ApiError('method-not-allowed', `Use ${allow}`, undefined, { allow }));
      return true;
    }
    let live: LiveDoc | null = null;
    try {
      const r = found.c.route;
      const creds = checkedCredentials(ctx, req, r);
      let principal: Principal | null;
      let scope: WorkspaceScope | DecisionScope | null = null;
      if (r.auth === 'none') principal = creds && (await authenticate(ctx.storage, creds.token));
      else if (creds && isDecisionTokenSecret(creds.token)) {
        principal = null;
        scope = await decisionTokenScope(ctx, r, creds.token, found.params.ws ?? '');
        live = scope.live;
      } else {
        const signedIn = await requirePrincipal(ctx, creds);
        principal = signedIn;
        if (r.auth === 'member' || r.auth === 'admin') {
          const ws = await resolveScope(ctx, signedIn, found.params.ws ?? '', r.auth);
          live = ws.live;
          scope = r.decisionTokens
            ? {
                workspace: ws.workspace,
                live: ws.live,
                asker: { kind: 'member', user: ws.user, actor: ws.actor },
              }
            : ws;
        }
      }
      let body: unknown;
      if (r.body) {
        const raw = await readJsonBody(req, ctx.config.maxBodyBytes);
        const parsed = r.body.safeParse(raw ?? {});
        if (!parsed.success)
          throw new ApiError(
            'invalid-input',
            'The request body is not valid',
            parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })),
          );
        body = parsed.data;
      } else req.resume();
      const reply = await r.handler({
        ctx,
        req,
        res,
        params: found.params,
        query: url.searchParams,
        body,
        principal,
        scope,
      });
      if (reply) sendJson(res, reply.status, reply.body ?? null, reply.headers);
    } catch (err) {
      if (err instanceof ApiError) sendError(res, err);
      else if (err instanceof SecretKeyError) {
        ctx.log.error({ path: safePath(url.pathname) }, err.message);
        sendError(res, new ApiError('secret-key-unusable', err.message));
      } else if (isStorageUnavailable(err)) {
        ctx.log.warn({ err, path: safePath(url.pathname) }, 'storage unavailable');
        sendError(res, new ApiError('storage-failed', 'The database is unreachable; try again shortly'));
      } else {
        ctx.log.error({ err, path: safePath(url.pathname) }, 'request failed');
        sendError(res, new ApiError('internal', 'Something went wrong on the server'));
      }
    } finally {
      if (live) ctx.registry.release(live);
    }
    return true;
  }

  return { handle, routes };
}

const MUTATING = new Set<string>(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The one Origin check of the REST API. A request carrying the session cookie (and no bearer token)
 * must come from our own pages when it changes anything — every POST/PUT/PATCH/DELETE, public routes
 * (logout, invitations) included — or when it reads anything behind a sign-in. A cookie on a public GET
 * from elsewhere is simply not used.
 */
function checkedCredentials(ctx: ServerContext, req: IncomingMessage, r: Route): Credentials | null {
  const creds = credentialsFrom(req, null);
  if (creds?.via !== 'cookie') return creds;
  if (originAllowed(req, ctx.config.publicUrl, ctx.config.allowedOrigins)) return creds;
  if (MUTATING.has(req.method ?? '') || r.auth !== 'none')
    throw new ApiError('bad-origin', 'Cross-origin requests with the session cookie are refused');
  return null;
}

async function requirePrincipal(ctx: ServerContext, creds: Credentials | null): Promise<Principal> {
  if (!creds) throw new ApiError('unauthorized', 'Sign in first');
  const principal = await authenticate(ctx.storage, creds.token);
  if (!principal) throw new ApiError('unauthorized', 'The session has expired or the token is not valid');
  return principal;
}

const NOT_FOUND = () => new ApiError('not-found', 'Workspace not found');

/**
 * A decision token's scope on a decision route of its workspace (checked, rate-limited and counted by
 * ctx.decisionTokens before any other work); anywhere else a 403 that says what the token is for.
 */
async function decisionTokenScope(
  ctx: ServerContext,
  r: Route,
  secret: string,
  slug: string,
): Promise<DecisionScope> {
  if (!r.decisionTokens) {
    if (!(await ctx.storage.decisionTokenByHash(hashToken(secret))))
      throw new ApiError('unauthorized', 'The decision token is not valid: it was revoked or mistyped');
    throw new ApiError(
      'decision-token-not-allowed',
      'A decision token can only ask for decisions: the AuthZEN endpoints and forward auth of its workspace. Use a session or an API token here',
    );
  }
  const workspace = await ctx.storage.workspaceBySlug(slug.toLowerCase());
  // An unknown workspace is no token's: a valid token is told 404 (and not counted), a forged one 401.
  const check = await ctx.decisionTokens.verify(secret, workspace?.id ?? '');
  if (!check.ok) {
    if (check.code === 'rate-limited')
      throw new ApiError('rate-limited', check.message, undefined, {
        'retry-after': String(check.retryAfterSeconds ?? 60),
      });
    throw check.code === 'unauthorized' ? new ApiError('unauthorized', check.message) : NOT_FOUND();
  }
  if (!workspace) throw NOT_FOUND();
  const live = await ctx.registry.acquire(workspace);
  return { workspace, live, asker: { kind: 'decision-token', token: check.token } };
}

async function resolveScope(
  ctx: ServerContext,
  principal: Principal,
  slug: string,
  level: 'member' | 'admin',
): Promise<WorkspaceScope> {
  const workspace = await ctx.storage.workspaceBySlug(slug.toLowerCase());
  if (!workspace) throw NOT_FOUND();
  if (principal.workspaceId !== null && principal.workspaceId !== workspace.id) throw NOT_FOUND();
  const live = await ctx.registry.acquire(workspace);
  try {
    const user = userByEmail(live.state(), principal.account.email);
    if (!user) throw NOT_FOUND();
    if (user.status !== 'active')
      throw new ApiError(
        'user-not-active',
        user.status === 'archived' ? 'Your user is archived here' : 'Accept the invitation first',
      );
    if (level === 'admin' && user.role !== 'admin')
      throw new ApiError('forbidden', 'Only admins may do this');
    await checkSignInPolicy(ctx.storage, principal, workspace.id, user);
    const actor = {
      accountId: principal.account.id,
      email: principal.account.email,
      name: principal.account.name,
    };
    return { workspace, live, user, actor };
  } catch (err) {
    ctx.registry.release(live);
    throw err;
  }
}
