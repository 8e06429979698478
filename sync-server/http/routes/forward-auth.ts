/**
 * Forward auth for nginx (`auth_request`), Traefik (`forwardAuth`) and Caddy (`forward_auth`), issue 14.
 *
 * `GET /api/forward-auth` is asked by the proxy before each request it proxies:
 * 1. the sender: a decision token (`X-Gatehouse-Decision-Token`, it names the workspace), a peer in
 *    TRUSTED_PROXIES or the shared secret (`X-Gatehouse-Proxy-Secret`); anyone else's `X-Forwarded-*` are
 *    refused (403 `untrusted-proxy`), or a client could claim any host and path;
 * 2. the original request (forward-auth-request.ts) and the workspace (`?ws=<slug>` unless a token says);
 * 3. the app, by its URL patterns (core matchApp); none is a 403;
 * 4. the person, by the Gatehouse session cookie or a bearer token (a session's or an API token's); none
 *    is a 401 whose `Location` is the sign-in page coming back to the original URL;
 * 5. core's decision for View (GET, HEAD) or Edit (other methods; the app's forwardAuthLevel or the
 *    proxy's `?level=view|edit` fixes one level for every method), cached per (credential, app, level) for one workspace state (forward-auth-answer.ts): 200 with
 *    the identity headers, or a 403 page for browsers and JSON for other clients.
 *
 * `GET /api/forward-auth/return` is where the sign-in page sends the person afterwards: only to the
 * workspace's apps (forward-auth-return.ts), never elsewhere.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchApp, type User } from '../../../core/index.ts';
import { authenticate, type Principal } from '../../auth/authenticate.ts';
import { parseCookies, requestOrigin, SESSION_COOKIE } from '../../auth/credentials.ts';
import { userByEmail } from '../../auth/member-of.ts';
import { API_TOKEN_PREFIX, hashToken, SESSION_PREFIX } from '../../auth/tokens.ts';
import type { ServerConfig } from '../../config.ts';
import type { ServerContext } from '../../context.ts';
import { signInPolicyAllows } from '../../identity/oidc/password-policy.ts';
import type { Workspace } from '../../storage/workspace-store.ts';
import { type Denied, ForwardAuthCache, type ForwardLevel } from '../forward-auth-answer.ts';
import { createProxyTrust, originalRequest, type ProxyTrust } from '../forward-auth-request.ts';
import { checkReturnUrl, RETURN_PATH, signInUrl } from '../forward-auth-return.ts';
import { ApiError, sendError } from '../respond.ts';
import { type Route, route } from '../route.ts';
import { deniedPage, sendPage, signInPage, unsafeReturnPage, wantsHtml } from './forward-auth-page.ts';

export const FORWARD_AUTH_PATH = '/api/forward-auth';
export const DECISION_TOKEN_HEADER = 'x-gatehouse-decision-token';
const tag = 'forward-auth';

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const MAX_TOKEN_LENGTH = 200;

/**
 * GET and HEAD read (View); anything else changes (Edit) — unless the app's forward-auth level (or the
 * proxy's `?level=`) fixes one level for every method.
 */
function levelFor(method: string, fixed: ForwardLevel | undefined): ForwardLevel {
  return fixed ?? (method === 'GET' || method === 'HEAD' ? 'view' : 'edit');
}

/** The proxy's `?level=` for this app, if any. */
function proxyLevel(query: URLSearchParams): ForwardLevel | undefined {
  const v = query.get('level');
  if (v === null) return undefined;
  if (v === 'view' || v === 'edit') return v;
  throw new ApiError('bad-request', '?level must be view or edit');
}

/** The person's credential: a Gatehouse bearer token (session or API token), else the session cookie. */
function personToken(req: IncomingMessage): string | null {
  const auth = one(req.headers.authorization);
  if (auth && /^bearer\s+/i.test(auth)) {
    const t = auth.replace(/^bearer\s+/i, '').trim();
    // Another bearer (the app's own) is not ours: the cookie may still be.
    if ((t.startsWith(SESSION_PREFIX) || t.startsWith(API_TOKEN_PREFIX)) && t.length <= MAX_TOKEN_LENGTH)
      return t;
  }
  const cookie = parseCookies(one(req.headers.cookie)).get(SESSION_COOKIE);
  return cookie && cookie.length <= MAX_TOKEN_LENGTH ? cookie : null;
}

/** Where browsers reach Gatehouse: PUBLIC_URL (needed behind a proxy), else the request's own origin. */
const publicBase = (config: ServerConfig, req: IncomingMessage) =>
  config.publicUrl ?? requestOrigin(req, null);

/** The workspace the proxy asks about: its decision token's, else `?ws=`. */
async function workspaceOf(
  ctx: ServerContext,
  req: IncomingMessage,
  slug: string | null,
  trust: ProxyTrust,
): Promise<Workspace> {
  const token = one(req.headers[DECISION_TOKEN_HEADER])?.trim();
  if (token) {
    const check = await ctx.decisionTokens.verify(token, null);
    if (!check.ok) {
      if (check.code === 'rate-limited')
        throw new ApiError('rate-limited', check.message, undefined, {
          'retry-after': String(check.retryAfterSeconds ?? 1),
        });
      throw new ApiError('untrusted-proxy', check.message);
    }
    const ws = await ctx.storage.workspaceById(check.token.workspaceId);
    if (!ws) throw new ApiError('not-found', 'Workspace not found');
    if (slug !== null && slug.toLowerCase() !== ws.slug)
      throw new ApiError(
        'untrusted-proxy',
        `The decision token is for the workspace “${ws.slug}”, not “${slug}”`,
      );
    return ws;
  }
  if (!trust(req))
    throw new ApiError(
      'untrusted-proxy',
      'X-Forwarded-* headers are accepted only from TRUSTED_PROXIES, with the X-Gatehouse-Proxy-Secret header, or with a decision token (X-Gatehouse-Decision-Token)',
    );
  if (!slug) throw new ApiError('bad-request', 'Say which workspace: ?ws=<slug> (or send a decision token)');
  const ws = await ctx.storage.workspaceBySlug(slug.toLowerCase());
  if (!ws) throw new ApiError('not-found', 'Workspace not found');
  return ws;
}

/** The person behind the request, or null (nobody signed in, or an ended session: its answers go). */
async function personOf(
  ctx: ServerContext,
  req: IncomingMessage,
  routerPrincipal: Principal | null,
  workspace: Workspace,
  cache: ForwardAuthCache,
): Promise<Principal | null> {
  let principal = routerPrincipal;
  if (!principal) {
    const token = personToken(req);
    if (!token) return null;
    principal = await authenticate(ctx.storage, token);
    if (!principal) {
      cache.dropCredential(hashToken(token));
      return null;
    }
  }
  // An API token acts only in its own workspace.
  if (principal.workspaceId !== null && principal.workspaceId !== workspace.id) return null;
  return principal;
}

function refuse(req: IncomingMessage, res: ServerResponse, d: Denied): void {
  const message = `You can't open ${d.app.name}`;
  if (wantsHtml(req)) {
    sendPage(res, 403, deniedPage(d));
    return;
  }
  const details = {
    app: d.app,
    needs: d.needs,
    level: d.level,
    reason: d.reason,
    reason_code: d.reasonCode,
    admins: d.admins,
    request_access: d.requestAccess,
  };
  sendError(res, new ApiError('no-access', `${message}: ${d.reason}`, details));
}

/** A refusal before any decision (not a member, no app at this URL), in the same shapes. */
function refuseWith(req: IncomingMessage, res: ServerResponse, appName: string, reason: string): void {
  refuse(req, res, {
    ok: false,
    app: { id: '', name: appName },
    needs: 'view',
    level: null,
    reason,
    reasonCode: 'not-granted',
    whomToAsk: null,
    admins: [],
    requestAccess: null,
  });
}

const NOT_MEMBER: Record<User['status'] | 'none', string> = {
  none: 'You are not a member of this workspace.',
  invited: 'You have not accepted your invitation to this workspace yet.',
  active: '',
  archived: 'Your account in this workspace is archived, so it has no access.',
};

export function forwardAuthRoutes(): Route[] {
  const cache = new ForwardAuthCache();
  let trust: { config: ServerConfig; check: ProxyTrust } | null = null;
  const trustOf = (config: ServerConfig) => {
    if (trust?.config !== config) trust = { config, check: createProxyTrust(config) };
    return trust.check;
  };

  return [
    route({
      method: 'GET',
      path: FORWARD_AUTH_PATH,
      summary:
        'Forward auth for nginx auth_request, Traefik forwardAuth and Caddy forward_auth: reads X-Forwarded-Method/Proto/Host/Uri (or X-Original-URL/Method) from a trusted proxy (TRUSTED_PROXIES, X-Gatehouse-Proxy-Secret or X-Gatehouse-Decision-Token), finds the app by its URL patterns and answers 200 with Remote-User, Remote-Email, Remote-Name, Remote-Groups and X-Gatehouse-Level (no body), 401 with Location (the sign-in page) or 403 (an HTML page for browsers, else JSON)',
      tag,
      auth: 'none',
      queryParams: [
        { name: 'ws', description: 'workspace slug (not needed with a decision token)' },
        {
          name: 'level',
          description:
            'view or edit: the level every method needs for this app (default: GET/HEAD View, other methods Edit)',
        },
      ],
      reply: { status: 200 },
      handler: async ({ ctx, req, res, query, principal }) => {
        const workspace = await workspaceOf(ctx, req, query.get('ws'), trustOf(ctx.config));
        const original = originalRequest(req);
        if (typeof original === 'string') throw new ApiError('bad-request', original);
        const fixed = proxyLevel(query);
        const live = await ctx.registry.acquire(workspace);
        try {
          const state = live.state();
          const app = matchApp(state, original.url);
          if (!app) {
            refuseWith(req, res, 'this page', `No app of ${state.meta.name} runs at this address.`);
            return undefined;
          }
          // The proxy's ?level= first (its config for this app), else the app's own setting, else by method.
          const needs = levelFor(original.method, fixed ?? app.forwardAuthLevel);
          const person = await personOf(ctx, req, principal, workspace, cache);
          const askToSignIn = () => {
            const location = signInUrl(publicBase(ctx.config, req), workspace.slug, original.url);
            const headers = { location };
            if (wantsHtml(req)) sendPage(res, 401, signInPage(location), headers);
            else
              sendError(
                res,
                new ApiError(
                  'sign-in-required',
                  'Sign in to Gatehouse first',
                  { sign_in: location },
                  headers,
                ),
              );
            return undefined;
          };
          if (!person) return askToSignIn();
          const user = userByEmail(state, person.account.email);
          if (user?.status !== 'active') {
            refuseWith(req, res, app.name, NOT_MEMBER[user?.status ?? 'none']);
            return undefined;
          }
          // Password sign-in off: a member's password session must sign in with SSO, as on every route.
          if (!(await signInPolicyAllows(ctx.storage, person, workspace.id, user))) return askToSignIn();
          const answer = cache.answer(person.tokenHash, state, user, app, needs);
          if (!answer.ok) {
            refuse(req, res, answer);
            return undefined;
          }
          res.writeHead(200, { ...answer.headers, 'cache-control': 'no-store', 'content-length': 0 });
          res.end();
          return undefined;
        } finally {
          ctx.registry.release(live);
        }
      },
    }),
    route({
      method: 'GET',
      path: RETURN_PATH,
      summary:
        'After signing in: redirects (302) to rd when it is the URL of an app of the workspace ws (its URL patterns), under SESSION_COOKIE_DOMAIN or Gatehouse itself; anything else is a 400 (no open redirect). Signed out: 302 to the sign-in page, coming back here',
      tag,
      auth: 'none',
      queryParams: [
        { name: 'ws', description: 'workspace slug' },
        { name: 'rd', description: 'the URL to return to' },
      ],
      reply: { status: 200 },
      handler: async ({ ctx, req, res, query, principal }) => {
        const slug = query.get('ws')?.toLowerCase() ?? '';
        const workspace = slug ? await ctx.storage.workspaceBySlug(slug) : null;
        if (!workspace) throw new ApiError('not-found', 'Workspace not found');
        const live = await ctx.registry.acquire(workspace);
        let check: ReturnType<typeof checkReturnUrl>;
        try {
          check = checkReturnUrl(
            query.get('rd'),
            live.state(),
            ctx.config.sessionCookieDomain,
            ctx.config.publicUrl,
          );
        } finally {
          ctx.registry.release(live);
        }
        if (!check.ok) {
          if (wantsHtml(req)) sendPage(res, 400, unsafeReturnPage(check.message));
          else sendError(res, new ApiError('unsafe-return-url', check.message));
          return undefined;
        }
        const location = principal
          ? check.url
          : signInUrl(publicBase(ctx.config, req), workspace.slug, check.url);
        res.writeHead(302, { location, 'cache-control': 'no-store', 'content-length': 0 });
        res.end();
        return undefined;
      },
    }),
  ];
}
