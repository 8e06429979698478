/**
 * Signing in with SSO (public): the sign-in page asks which connections a workspace offers (names only)
 * and whether password sign-in is on; `/api/sso/start/:ws/:id` sends the browser to the identity provider; the provider
 * sends it back to `/api/sso/callback`, which signs the person in (identity/oidc/sso-sign-in.ts) with the
 * ordinary session cookie and redirects where they were headed. A refusal redirects to the workspace's
 * sign-in page with `?sso_error=<code>`, whose words the page shows. Starting is rate limited per IP
 * with password sign-ins (each start stores a flow and may call the provider).
 *
 * The flow is bound to the browser that started it (RFC 6749 §10.12): the start sets a cookie holding
 * the state, only for the callback path; a callback without it is refused before the flow is taken. So
 * nobody can send a victim to a callback URL of a sign-in they started themselves (login CSRF: the victim
 * would work in the attacker's account).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { parseCookies } from '../../auth/credentials.ts';
import { hashToken, sameSecret } from '../../auth/tokens.ts';
import type { ServerContext } from '../../context.ts';
import { extensionIdOf, sendExtensionHandoff } from '../../identity/oidc/extension-handoff.ts';
import { ProviderError } from '../../identity/oidc/oidc-client.ts';
import { passwordSignInAllowed } from '../../identity/oidc/password-policy.ts';
import { SSO_REFUSALS } from '../../identity/oidc/sso-identity.ts';
import {
  FLOW_TTL_MS,
  finishSsoSignIn,
  SSO_CALLBACK_PATH,
  safeReturnTo,
  startSsoSignIn,
} from '../../identity/oidc/sso-sign-in.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';
import { reservePasswordAttempt, startSession } from './sessions.ts';

const tag = 'sso';

function redirect(res: ServerResponse, location: string): undefined {
  res.writeHead(302, { location, 'cache-control': 'no-store', 'content-length': 0 });
  res.end();
  return undefined;
}

async function workspaceOf(ctx: ServerContext, slug: string) {
  const ws = await ctx.storage.workspaceBySlug(slug);
  if (!ws) throw new ApiError('not-found', 'Workspace not found');
  return ws;
}

/** The cookie binding one flow to its browser: named after the state's hash, so flows in two tabs coexist. */
const flowCookieName = (state: string) => `gatehouse_sso_${hashToken(state).slice(0, 16)}`;

function flowCookie(ctx: ServerContext, state: string, maxAgeS: number): string {
  const parts = [
    `${flowCookieName(state)}=${state}`,
    `Path=${SSO_CALLBACK_PATH}`,
    'HttpOnly',
    // Lax: the provider's redirect back is a top-level cross-site GET.
    'SameSite=Lax',
    `Max-Age=${maxAgeS}`,
  ];
  if (ctx.config.secureCookies) parts.push('Secure');
  return parts.join('; ');
}

/** Whether the browser calling back holds the cookie its start set for this state. */
function startedHere(req: IncomingMessage, state: string): boolean {
  const held = parseCookies(req.headers.cookie).get(flowCookieName(state));
  return held !== undefined && sameSecret(held, state);
}

const signInPage = (slug: string, code: string) =>
  `/${encodeURIComponent(slug)}/login?sso_error=${encodeURIComponent(code)}`;

export const ssoSignInRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/api/sso/options/:ws',
    summary:
      'What the sign-in page of a workspace offers: its SSO connections (id and name) and whether password sign-in is on',
    tag,
    auth: 'none',
    reply: {
      status: 200,
      body: z.object({
        workspace: z.object({ slug: z.string(), name: z.string() }),
        connections: z.array(z.object({ id: z.string(), name: z.string() })),
        passwordSignIn: z.boolean(),
        refusals: z.record(z.string(), z.string()),
      }),
    },
    handler: async ({ ctx, params }) => {
      const ws = await workspaceOf(ctx, params.ws);
      const connections = (await ctx.storage.listSsoConnections(ws.id)).map((c) => ({
        id: c.id,
        name: c.name,
      }));
      return {
        status: 200,
        body: {
          workspace: { slug: ws.slug, name: ws.name },
          connections,
          passwordSignIn: await passwordSignInAllowed(ctx.storage, ws.id),
          refusals: SSO_REFUSALS,
        },
      };
    },
  }),
  route({
    method: 'GET',
    path: '/api/sso/start/:ws/:id',
    summary:
      'Start signing in with an SSO connection: redirects (302) to the identity provider (code flow, PKCE, state, nonce); ?returnTo=<path> is where to land after, or the extension’s https://<id>.chromiumapp.org/ URL (the token is then handed over by a link the person clicks)',
    tag,
    auth: 'none',
    queryParams: [{ name: 'returnTo', description: 'A path of this server to go to after signing in' }],
    reply: { status: 200 },
    handler: async ({ ctx, req, res, params, query }) => {
      // Counted with password sign-ins, per IP: a start stores a flow and may call the provider.
      reservePasswordAttempt(ctx, req, null);
      const ws = await workspaceOf(ctx, params.ws);
      const connection = await ctx.storage.ssoConnectionById(ws.id, params.id);
      if (!connection) throw new ApiError('not-found', 'SSO connection not found');
      try {
        const url = await startSsoSignIn(ctx, req, ws, connection, safeReturnTo(query.get('returnTo'), ws));
        const state = url.searchParams.get('state');
        if (state) res.setHeader('set-cookie', flowCookie(ctx, state, Math.floor(FLOW_TTL_MS / 1000)));
        return redirect(res, url.href);
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        ctx.log.warn({ connection: connection.id, reason: err.message }, 'SSO start failed');
        return redirect(res, signInPage(ws.slug, 'provider-unreachable'));
      }
    },
  }),
  route({
    method: 'GET',
    path: SSO_CALLBACK_PATH,
    summary:
      'Where the identity provider sends the browser back: signs in (session cookie) and redirects (302) to where the person was headed, or to the sign-in page with ?sso_error=<code>',
    tag,
    auth: 'none',
    reply: { status: 200 },
    handler: async ({ ctx, req, res }) => {
      const url = new URL(req.url ?? '/', 'http://callback.invalid');
      // Not a provider's answer at all (a provider always sends state back, it was in the request).
      if (!url.searchParams.has('state'))
        throw new ApiError(
          'bad-request',
          'This is where your identity provider sends you back after signing in',
        );
      const state = url.searchParams.get('state')!;
      // Another browser's sign-in (sent here by a link): refused, and that flow stays unused.
      if (!startedHere(req, state)) return redirect(res, '/login?sso_error=sign-in-expired');
      const outcome = await finishSsoSignIn(ctx, req, url);
      if (!outcome.ok)
        return redirect(
          res,
          outcome.workspace
            ? signInPage(outcome.workspace.slug, outcome.code)
            : `/login?sso_error=${outcome.code}`,
        );
      // The connection's identity provider vouches for this workspace only: so does the session.
      const session = await startSession(ctx, res, outcome.account, outcome.workspace.id);
      await ctx.storage.markSsoSession(hashToken(session.token), session.expiresAt);
      if (extensionIdOf(outcome.returnTo)) {
        sendExtensionHandoff(res, outcome.returnTo, session);
        return undefined;
      }
      return redirect(res, outcome.returnTo);
    },
  }),
];
