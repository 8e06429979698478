/**
 * `/scim-connections` (admins): the workspace's SCIM connections — their base URL, tokens (the secret
 * shown once, stored hashed), the "may upgrade roles" setting (turned on only with `confirm: true` after
 * seeing its impact: the End-users the connection's held changes would make Builders), and the recent
 * requests with their outcome. The SCIM service itself is sync-server/identity/scim.
 */
import { z } from 'zod';
import type { Conflict, WorkspaceState } from '../../../core/index.ts';
import { requestOrigin } from '../../auth/credentials.ts';
import { hashToken, newToken } from '../../auth/tokens.ts';
import type { ServerContext } from '../../context.ts';
import { SCIM_TOKEN_PREFIX } from '../../identity/scim/scim-auth.ts';
import { scimActor } from '../../identity/scim/scim-context.ts';
import { scimBasePath } from '../../identity/scim/scim-handler.ts';
import type { ScimConnection, ScimToken } from '../../storage/scim-store.ts';
import { ApiError } from '../respond.ts';
import { type Route, route, type WorkspaceScope } from '../route.ts';

const C = '/api/workspaces/:ws/scim-connections';
const tag = 'scim';
const Ms = z.number();

const TokenJson = z.object({ id: z.string(), createdAt: Ms, lastUsedAt: Ms.nullable() });
const ConnectionJson = z.object({
  id: z.string(),
  name: z.string(),
  baseUrl: z.string(),
  mayUpgradeRoles: z.boolean(),
  upgradeConfirmedBy: z.string().nullable(),
  upgradeConfirmedAt: Ms.nullable(),
  createdAt: Ms,
  tokens: z.array(TokenJson),
});
const RequestJson = z.object({
  id: z.number(),
  at: Ms,
  method: z.string(),
  path: z.string(),
  status: z.number(),
  outcome: z.string(),
});
const Name = z.string().trim().min(1, 'Give the connection a name').max(80);
const CreateBody = z.object({ name: Name });
const PatchBody = z.object({
  name: Name.optional(),
  mayUpgradeRoles: z.boolean().optional(),
  /** Turning mayUpgradeRoles on: the admin saw the impact (409 without it). */
  confirm: z.boolean().optional(),
});

async function connectionOf(
  rc: { ctx: ServerContext; scope: WorkspaceScope },
  id: string,
): Promise<ScimConnection> {
  const c = await rc.ctx.storage.scimConnectionById(rc.scope.workspace.id, id);
  if (!c) throw new ApiError('not-found', 'No such SCIM connection');
  return c;
}

const tokenJson = (t: ScimToken) => ({ id: t.id, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt });

/** The open conflicts this connection's held upgrades made, and the End-users they name. */
export function heldUpgrades(state: WorkspaceState, c: ScimConnection) {
  const actor = scimActor(c).name;
  const conflicts: Conflict[] = [];
  for (const k of liveOpen(state)) if (k.edits.some((e) => e.actor === actor)) conflicts.push(k);
  const users = new Set<string>();
  for (const k of conflicts)
    for (const e of k.entities)
      if (e.collection === 'users' && state.users.get(e.id)?.role === 'end-user') users.add(e.id);
  return {
    conflicts: conflicts.map((k) => ({ id: k.id, message: k.message })),
    endUsers: [...users].map((id) => ({ id, email: state.users.get(id)!.email })),
    seatDelta: users.size,
  };
}

function* liveOpen(state: WorkspaceState): Iterable<Conflict> {
  for (const k of state.conflicts.values()) if (k.resolvedAt === undefined) yield k;
}

export const scimRoutes: Route[] = [
  route({
    method: 'GET',
    path: C,
    summary: 'List SCIM connections with their base URL and tokens (never their secrets)',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ connections: z.array(ConnectionJson) }) },
    handler: async (rc) => {
      const { ctx, scope } = rc;
      const base = `${requestOrigin(rc.req, ctx.config.publicUrl)}${scimBasePath(scope.workspace.slug)}`;
      const connections = await ctx.storage.listScimConnections(scope.workspace.id);
      const out = [];
      for (const c of connections)
        out.push({
          ...c,
          baseUrl: base,
          tokens: (await ctx.storage.listScimTokens(scope.workspace.id, c.id)).map(tokenJson),
        });
      return { status: 200, body: { connections: out.map(({ workspaceId: _w, ...c }) => c) } };
    },
  }),
  route({
    method: 'POST',
    path: C,
    summary: 'Add a SCIM connection (one per identity provider); create a token next',
    tag,
    auth: 'admin',
    body: CreateBody,
    reply: { status: 201, body: z.object({ connection: ConnectionJson }) },
    handler: async (rc) => {
      const { ctx, scope, body } = rc;
      const c = await ctx.storage.createScimConnection({ workspaceId: scope.workspace.id, name: body.name });
      const { workspaceId: _w, ...rest } = c;
      const baseUrl = `${requestOrigin(rc.req, ctx.config.publicUrl)}${scimBasePath(scope.workspace.slug)}`;
      return { status: 201, body: { connection: { ...rest, baseUrl, tokens: [] } } };
    },
  }),
  route({
    method: 'PATCH',
    path: `${C}/:id`,
    summary:
      'Rename a SCIM connection or set "may upgrade roles" (turning it on answers 409 with its impact unless confirm is true)',
    tag,
    auth: 'admin',
    body: PatchBody,
    reply: {
      status: 200,
      body: z.object({ connection: ConnectionJson.omit({ tokens: true, baseUrl: true }) }),
    },
    handler: async ({ ctx, scope, principal, params, body }) => {
      const c = await connectionOf({ ctx, scope }, params.id);
      if (body.mayUpgradeRoles === true && !c.mayUpgradeRoles && body.confirm !== true)
        throw new ApiError(
          'role-change-needs-confirmation',
          'Letting this connection upgrade roles can make End-users Builders (billed seats): confirm to continue',
          heldUpgrades(scope.live.state(), c),
        );
      const updated = await ctx.storage.updateScimConnection(scope.workspace.id, c.id, {
        name: body.name,
        mayUpgradeRoles:
          body.mayUpgradeRoles === undefined
            ? undefined
            : { value: body.mayUpgradeRoles, by: principal.account.id, at: Date.now() },
      });
      const { workspaceId: _w, ...rest } = updated!;
      ctx.log.info(
        { workspace: scope.workspace.slug, connection: c.id, by: principal.account.id, body },
        'SCIM connection changed',
      );
      return { status: 200, body: { connection: rest } };
    },
  }),
  route({
    method: 'DELETE',
    path: `${C}/:id`,
    summary: 'Delete a SCIM connection and its tokens (users and groups it provisioned stay)',
    tag,
    auth: 'admin',
    reply: { status: 204 },
    handler: async ({ ctx, scope, params }) => {
      if (!(await ctx.storage.deleteScimConnection(scope.workspace.id, params.id)))
        throw new ApiError('not-found', 'No such SCIM connection');
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: `${C}/:id/tokens`,
    summary: 'Create a bearer token for the connection; the secret is shown once',
    tag,
    auth: 'admin',
    reply: { status: 201, body: z.object({ token: TokenJson, secret: z.string() }) },
    handler: async ({ ctx, scope, params }) => {
      const c = await connectionOf({ ctx, scope }, params.id);
      const secret = newToken(SCIM_TOKEN_PREFIX);
      const token = await ctx.storage.createScimToken({
        connectionId: c.id,
        workspaceId: scope.workspace.id,
        tokenHash: hashToken(secret),
      });
      return { status: 201, body: { token: tokenJson(token), secret } };
    },
  }),
  route({
    method: 'DELETE',
    path: `${C}/:id/tokens/:tokenId`,
    summary: 'Revoke a SCIM token (its next request gets 401)',
    tag,
    auth: 'admin',
    reply: { status: 204 },
    handler: async ({ ctx, scope, params }) => {
      if (!(await ctx.storage.deleteScimToken(scope.workspace.id, params.id, params.tokenId)))
        throw new ApiError('not-found', 'No such token');
      return { status: 204 };
    },
  }),
  route({
    method: 'GET',
    path: `${C}/:id/requests`,
    summary: 'The connection’s recent SCIM requests, newest first, with their outcome',
    tag,
    auth: 'admin',
    queryParams: [{ name: 'limit', description: '1–200 (default 50)' }],
    reply: { status: 200, body: z.object({ requests: z.array(RequestJson) }) },
    handler: async ({ ctx, scope, params, query }) => {
      const c = await connectionOf({ ctx, scope }, params.id);
      const limit = Math.min(200, Math.max(1, Number.parseInt(query.get('limit') ?? '50', 10) || 50));
      const requests = (await ctx.storage.recentScimRequests(c.id, limit)).map(
        ({ connectionId: _c, ...r }) => r,
      );
      return { status: 200, body: { requests } };
    },
  }),
];
