/**
 * `/sso` (admins): the workspace's SSO connections (OpenID Connect), its password sign-in policy, each
 * connection's "Test connection", the impact a mapping would have now (from every user's last known IdP
 * groups, planned by core), and the last sign-ins with what each changed. The client secret is written,
 * never read back. A mapping is saved confirmed only when the admin says so (`confirmImpact`) or it is
 * unchanged from a confirmed one. Saving a mapping that no longer names a group (or deleting the
 * connection) removes the connection's own memberships there, as the connection, and nobody else's.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { WorkspaceState } from '../../../core/index.ts';
import type { ServerContext } from '../../context.ts';
import { checkProvider, issuerUrl, ProviderError } from '../../identity/oidc/oidc-client.ts';
import { passwordSignInAllowed, setPasswordSignIn } from '../../identity/oidc/password-policy.ts';
import { describeStep, previewSync, unmappedSteps } from '../../identity/oidc/sso-group-sync.ts';
import { callbackUrl, ssoActor } from '../../identity/oidc/sso-sign-in.ts';
import type { SsoConnection, SsoConnectionSettings, SsoGroupMapping } from '../../storage/sso-store.ts';
import { ApiError } from '../respond.ts';
import { type Route, route, type WorkspaceScope } from '../route.ts';
import {
  CheckJson,
  ConnectionBody,
  ConnectionJson,
  ImpactBody,
  type MappingBody,
  PolicyBody,
  PreviewJson,
  SignInJson,
} from './sso-schemas.ts';

const C = '/api/workspaces/:ws/sso/connections';
const tag = 'sso';
/** Connections per workspace: one per identity provider, bounded. */
export const MAX_SSO_CONNECTIONS = 20;

const invalid = (path: string, message: string) =>
  new ApiError('invalid-input', 'The request body is not valid', [{ path, message }]);

function connectionJson(ctx: ServerContext, req: IncomingMessage, c: SsoConnection) {
  const { workspaceId: _, ...pub } = c;
  return { ...pub, redirectUri: callbackUrl(ctx, req) };
}

/** Mappings as stored: each names a live custom group once per IdP group; confirmations as described above. */
function mappingsOf(
  state: WorkspaceState,
  body: readonly z.infer<typeof MappingBody>[],
  previous: readonly SsoGroupMapping[],
  by: string,
): SsoGroupMapping[] {
  const seen = new Set<string>();
  return body.map((m, i) => {
    const g = state.groups.get(m.groupId);
    if (g?.kind !== 'custom' || g.deletedAt !== undefined)
      throw invalid(`mappings.${i}.groupId`, 'Map IdP groups to custom groups of this workspace');
    const key = JSON.stringify([m.idpGroup, m.groupId]);
    if (seen.has(key)) throw invalid(`mappings.${i}`, `${m.idpGroup} is mapped to ${g.name} twice`);
    seen.add(key);
    const same = previous.find(
      (p) => p.idpGroup === m.idpGroup && p.groupId === m.groupId && p.role === m.role,
    );
    const keep = m.confirmImpact !== false && same?.confirmedBy ? same : null;
    const now = Date.now();
    return {
      idpGroup: m.idpGroup,
      groupId: m.groupId,
      role: m.role,
      confirmedBy: m.confirmImpact ? by : (keep?.confirmedBy ?? null),
      confirmedAt: m.confirmImpact ? now : (keep?.confirmedAt ?? null),
    };
  });
}

function settingsOf(
  scope: WorkspaceScope,
  body: ConnectionBody,
  previous: readonly SsoGroupMapping[],
  by: string,
): SsoConnectionSettings {
  try {
    issuerUrl(body.issuer);
  } catch (err) {
    if (err instanceof ProviderError) throw invalid('issuer', err.message);
    throw err;
  }
  const { clientSecret: _, mappings, ...rest } = body;
  return { ...rest, mappings: mappingsOf(scope.live.state(), mappings, previous, by) };
}

async function found(ctx: ServerContext, scope: WorkspaceScope, id: string): Promise<SsoConnection> {
  const c = await ctx.storage.ssoConnectionById(scope.workspace.id, id);
  if (!c) throw new ApiError('not-found', 'SSO connection not found');
  return c;
}

async function preview(ctx: ServerContext, scope: WorkspaceScope, c: Pick<SsoConnection, 'id' | 'mappings'>) {
  const known = await ctx.storage.ssoUserGroups(c.id);
  return previewSync(scope.live.state(), c, known, Date.now());
}

/**
 * Removes the connection's memberships in groups `mappings` no longer names, through the live doc as the
 * connection (audited; core's rules apply to each). Returns what was removed, as "kai@… left Ops (…)".
 */
async function removeUnmapped(
  ctx: ServerContext,
  scope: WorkspaceScope,
  c: Pick<SsoConnection, 'id' | 'name'>,
  mappings: readonly SsoGroupMapping[],
): Promise<string[]> {
  const actor = ssoActor(c);
  const removed: string[] = [];
  for (const { userId, step } of unmappedSteps(scope.live.state(), c.id, mappings)) {
    const who = scope.live.state().users.get(userId)?.email ?? userId;
    const r = await scope.live.submit({ kind: 'command', command: step.command }, actor, 'api');
    if (r.ok) removed.push(`${who} ${describeStep(step)}`);
    else
      ctx.log.warn(
        {
          workspace: scope.workspace.slug,
          connection: c.id,
          user: userId,
          group: step.groupId,
          code: r.error.code,
        },
        'SSO membership of an unmapped group not removed',
      );
  }
  await scope.live.idle();
  return removed;
}

const Saved = z.object({
  connection: ConnectionJson,
  impact: PreviewJson,
  /** The connection's memberships this save removed from groups no longer mapped. */
  removed: z.array(z.string()),
});

export const ssoRoutes: Route[] = [
  route({
    method: 'GET',
    path: C,
    summary: 'List the SSO connections (OpenID Connect); client secrets are never returned',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ connections: z.array(ConnectionJson) }) },
    handler: async ({ ctx, req, scope }) => {
      const list = await ctx.storage.listSsoConnections(scope.workspace.id);
      return { status: 200, body: { connections: list.map((c) => connectionJson(ctx, req, c)) } };
    },
  }),
  route({
    method: 'POST',
    path: C,
    summary:
      'Add an SSO connection: issuer (discovered), client id and secret, scopes, groups claim, allowed domains, JIT and its role, group mappings',
    tag,
    auth: 'admin',
    body: ConnectionBody,
    reply: { status: 201, body: Saved },
    handler: async ({ ctx, req, scope, body, principal }) => {
      if ((await ctx.storage.listSsoConnections(scope.workspace.id)).length >= MAX_SSO_CONNECTIONS)
        throw new ApiError(
          'invalid-input',
          `A workspace holds at most ${MAX_SSO_CONNECTIONS} SSO connections`,
        );
      const settings = settingsOf(scope, body, [], principal.account.id);
      const c = await ctx.storage.createSsoConnection({
        workspaceId: scope.workspace.id,
        settings,
        clientSecret: body.clientSecret ?? null,
      });
      ctx.log.info(
        { workspace: scope.workspace.slug, connection: c.id, by: principal.account.id },
        'SSO connection added',
      );
      return {
        status: 201,
        body: { connection: connectionJson(ctx, req, c), impact: await preview(ctx, scope, c), removed: [] },
      };
    },
  }),
  route({
    method: 'GET',
    path: `${C}/:id`,
    summary: 'One SSO connection',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ connection: ConnectionJson }) },
    handler: async ({ ctx, req, scope, params }) => ({
      status: 200,
      body: { connection: connectionJson(ctx, req, await found(ctx, scope, params.id)) },
    }),
  }),
  route({
    method: 'PUT',
    path: `${C}/:id`,
    summary:
      'Save an SSO connection (all settings; the client secret only when given). The reply has the mappings’ impact now',
    tag,
    auth: 'admin',
    body: ConnectionBody,
    reply: { status: 200, body: Saved },
    handler: async ({ ctx, req, scope, params, body, principal }) => {
      const old = await found(ctx, scope, params.id);
      const settings = settingsOf(scope, body, old.mappings, principal.account.id);
      const c = await ctx.storage.updateSsoConnection(
        scope.workspace.id,
        old.id,
        settings,
        body.clientSecret,
      );
      if (!c) throw new ApiError('not-found', 'SSO connection not found');
      // Saved first, so that a sign-in meanwhile no longer adds to the groups being unmapped.
      const removed = await removeUnmapped(ctx, scope, c, c.mappings);
      ctx.log.info(
        {
          workspace: scope.workspace.slug,
          connection: c.id,
          by: principal.account.id,
          removed: removed.length,
        },
        'SSO connection saved',
      );
      return {
        status: 200,
        body: { connection: connectionJson(ctx, req, c), impact: await preview(ctx, scope, c), removed },
      };
    },
  }),
  route({
    method: 'DELETE',
    path: `${C}/:id`,
    summary:
      'Delete an SSO connection: nobody signs in with it again, and the memberships it added are removed (preview them with its impact for no mappings)',
    tag,
    auth: 'admin',
    reply: { status: 204 },
    handler: async ({ ctx, scope, params, principal }) => {
      const c = await found(ctx, scope, params.id);
      if (!(await ctx.storage.deleteSsoConnection(scope.workspace.id, c.id)))
        throw new ApiError('not-found', 'SSO connection not found');
      const removed = await removeUnmapped(ctx, scope, c, []);
      ctx.log.info(
        {
          workspace: scope.workspace.slug,
          connection: params.id,
          by: principal.account.id,
          removed: removed.length,
        },
        'SSO connection deleted',
      );
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: `${C}/:id/test`,
    summary:
      'Test connection: discovery, the metadata a code + PKCE sign-in needs, and a token-endpoint round trip that checks the client id and secret',
    tag,
    auth: 'admin',
    reply: { status: 200, body: CheckJson },
    handler: async ({ ctx, req, scope, params }) => {
      const c = await found(ctx, scope, params.id);
      const clientSecret = await ctx.storage.ssoClientSecret(scope.workspace.id, c.id);
      const steps = await checkProvider(
        { issuer: c.issuer, clientId: c.clientId, clientSecret },
        callbackUrl(ctx, req),
      );
      return { status: 200, body: { ok: steps.every((s) => s.ok), steps } };
    },
  }),
  route({
    method: 'POST',
    path: `${C}/:id/impact`,
    summary:
      'The impact these mappings would have now (who joins, leaves, changes role, upgrades held, seat delta), from each user’s last known IdP groups; changes nothing',
    tag,
    auth: 'admin',
    body: ImpactBody,
    reply: { status: 200, body: z.object({ impact: PreviewJson }) },
    handler: async ({ ctx, scope, params, body, principal }) => {
      const c = await found(ctx, scope, params.id);
      const mappings = mappingsOf(scope.live.state(), body.mappings, c.mappings, principal.account.id);
      return { status: 200, body: { impact: await preview(ctx, scope, { id: c.id, mappings }) } };
    },
  }),
  route({
    method: 'GET',
    path: `${C}/:id/sign-ins`,
    summary: 'The last sign-ins through this connection and what each changed (newest first)',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ signIns: z.array(SignInJson) }) },
    handler: async ({ ctx, scope, params }) => {
      const c = await found(ctx, scope, params.id);
      const signIns = (await ctx.storage.recentSsoSignIns(c.id, 50)).map(({ connectionId: _, ...s }) => s);
      return { status: 200, body: { signIns } };
    },
  }),
  route({
    method: 'GET',
    path: '/api/workspaces/:ws/sso/policy',
    summary: 'Whether people may sign in to this workspace with a password (admins always may: break-glass)',
    tag,
    auth: 'admin',
    reply: { status: 200, body: PolicyBody },
    handler: async ({ ctx, scope }) => ({
      status: 200,
      body: { passwordSignIn: await passwordSignInAllowed(ctx.storage, scope.workspace.id) },
    }),
  }),
  route({
    method: 'PUT',
    path: '/api/workspaces/:ws/sso/policy',
    summary:
      'Turn password sign-in on or off for this workspace (off: members sign in with SSO; admins keep their password as break-glass)',
    tag,
    auth: 'admin',
    body: PolicyBody,
    reply: { status: 200, body: PolicyBody },
    handler: async ({ ctx, scope, body, principal }) => {
      if (!body.passwordSignIn && (await ctx.storage.listSsoConnections(scope.workspace.id)).length === 0)
        throw new ApiError('invalid-input', 'Add an SSO connection before turning password sign-in off');
      await setPasswordSignIn(ctx.storage, scope.workspace.id, body.passwordSignIn);
      ctx.log.info(
        { workspace: scope.workspace.slug, by: principal.account.id, ...body },
        'password sign-in policy set',
      );
      return { status: 200, body };
    },
  }),
];
