/** `/tokens`: named API tokens for automation (admin only). The secret is shown once, stored hashed. */
import { z } from 'zod';
import { API_TOKEN_PREFIX, hashToken, newToken } from '../../auth/tokens.ts';
import type { ApiToken } from '../../storage/account-store.ts';
import { TokenJson } from '../replies.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';
import { TokenCreateBody } from '../schemas.ts';

const T = '/api/workspaces/:ws/tokens';
const tag = 'tokens';
const tokenJson = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  accountId: t.accountId,
  createdAt: t.createdAt,
  lastUsedAt: t.lastUsedAt,
});

export const tokenRoutes: Route[] = [
  route({
    method: 'GET',
    path: T,
    summary: 'List API tokens',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ tokens: z.array(TokenJson) }) },
    handler: async ({ ctx, scope }) => ({
      status: 200,
      body: { tokens: (await ctx.storage.listApiTokens(scope.workspace.id)).map(tokenJson) },
    }),
  }),
  route({
    method: 'POST',
    path: T,
    summary: 'Create an API token acting as the caller in this workspace; the secret is shown once',
    tag,
    auth: 'admin',
    body: TokenCreateBody,
    reply: { status: 201, body: z.object({ token: TokenJson, secret: z.string() }) },
    handler: async ({ ctx, scope, principal, body }) => {
      if (principal.kind !== 'session') throw new ApiError('forbidden', 'Sign in to create API tokens');
      const secret = newToken(API_TOKEN_PREFIX);
      const token = await ctx.storage.createApiToken({
        workspaceId: scope.workspace.id,
        accountId: principal.account.id,
        name: body.name.trim(),
        tokenHash: hashToken(secret),
      });
      return { status: 201, body: { token: tokenJson(token), secret } };
    },
  }),
  route({
    method: 'DELETE',
    path: `${T}/:id`,
    summary: 'Revoke an API token',
    tag,
    auth: 'admin',
    reply: { status: 204 },
    handler: async ({ ctx, scope, params }) => {
      if (!(await ctx.storage.deleteApiToken(scope.workspace.id, params.id)))
        throw new ApiError('not-found', 'Token not found');
      ctx.connections.closeOfTokenId(params.id);
      return { status: 204 };
    },
  }),
];
