/**
 * `/decision-tokens` (admins): the secrets apps and reverse proxies use to ask this workspace's decision
 * point (AuthZEN, forward auth) and nothing else (auth/decision-tokens.ts). Created with a name, the secret
 * shown once and stored hashed; listed with who made it, when it was last used and how many requests it
 * made (the counts not yet written included); revoked at once.
 */
import { z } from 'zod';
import { DECISION_TOKEN_PREFIX, hashToken, newToken } from '../../auth/tokens.ts';
import type { ServerContext } from '../../context.ts';
import type { DecisionToken } from '../../storage/decision-token-store.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';
import { TokenCreateBody } from '../schemas.ts';

const T = '/api/workspaces/:ws/decision-tokens';
const tag = 'decision-tokens';
/** Tokens per workspace: enough for every app and proxy, bounded. */
export const MAX_DECISION_TOKENS = 100;

export const DecisionTokenJson = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  createdBy: z.object({ accountId: z.string().nullable(), email: z.string().nullable() }),
  lastUsedAt: z.number().nullable(),
  requests: z.number(),
});

/** A token as admins read it: the stored counts plus those counted here and not yet written. */
function tokenJson(ctx: ServerContext, t: DecisionToken): z.infer<typeof DecisionTokenJson> {
  const p = ctx.decisionTokens.pending(t.id);
  return {
    id: t.id,
    name: t.name,
    createdAt: t.createdAt,
    createdBy: { accountId: t.createdBy, email: t.createdByEmail },
    lastUsedAt: p ? Math.max(p.lastUsedAt, t.lastUsedAt ?? 0) : t.lastUsedAt,
    requests: t.requestCount + (p?.requests ?? 0),
  };
}

export const decisionTokenRoutes: Route[] = [
  route({
    method: 'GET',
    path: T,
    summary:
      'List decision tokens (for apps and reverse proxies: AuthZEN and forward auth only), with last use and request counts',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ tokens: z.array(DecisionTokenJson) }) },
    handler: async ({ ctx, scope }) => {
      const tokens = await ctx.storage.listDecisionTokens(scope.workspace.id);
      return { status: 200, body: { tokens: tokens.map((t) => tokenJson(ctx, t)) } };
    },
  }),
  route({
    method: 'POST',
    path: T,
    summary:
      'Create a decision token for an app or proxy: it may call only this workspace’s AuthZEN endpoints and forward auth, about any subject, with no rights of its own; the secret is shown once',
    tag,
    auth: 'admin',
    body: TokenCreateBody,
    reply: { status: 201, body: z.object({ token: DecisionTokenJson, secret: z.string() }) },
    handler: async ({ ctx, scope, principal, body }) => {
      const name = body.name.trim();
      if (!name)
        throw new ApiError('invalid-input', 'The request body is not valid', [
          { path: 'name', message: 'Name the app or proxy that will use the token' },
        ]);
      if ((await ctx.storage.countDecisionTokens(scope.workspace.id)) >= MAX_DECISION_TOKENS)
        throw new ApiError(
          'too-many-decision-tokens',
          `A workspace holds at most ${MAX_DECISION_TOKENS} decision tokens: revoke one first`,
        );
      const secret = newToken(DECISION_TOKEN_PREFIX);
      const token = await ctx.storage.createDecisionToken({
        workspaceId: scope.workspace.id,
        name,
        tokenHash: hashToken(secret),
        createdBy: principal.account.id,
        createdByEmail: principal.account.email,
      });
      ctx.log.info(
        { workspace: scope.workspace.slug, tokenId: token.id, by: principal.account.id },
        'decision token created',
      );
      return { status: 201, body: { token: tokenJson(ctx, token), secret } };
    },
  }),
  route({
    method: 'DELETE',
    path: `${T}/:id`,
    summary: 'Revoke a decision token: it stops working at the next request',
    tag,
    auth: 'admin',
    reply: { status: 204 },
    handler: async ({ ctx, scope, params, principal }) => {
      if (!(await ctx.storage.deleteDecisionToken(scope.workspace.id, params.id)))
        throw new ApiError('not-found', 'Decision token not found');
      ctx.log.info(
        { workspace: scope.workspace.slug, tokenId: params.id, by: principal.account.id },
        'decision token revoked',
      );
      return { status: 204 };
    },
  }),
];
