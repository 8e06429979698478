/**
 * Setup, login/logout, the caller's account (`/api/me`), creating workspaces; with the invitation and
 * password-reset routes (their own files) this is the account table of the API.
 */
import { z } from 'zod';
import { isActiveAdminUser, isValidEmail } from '../../../core/index.ts';
import type { Principal } from '../../auth/authenticate.ts';
import { clearedSessionCookie, credentialsFrom } from '../../auth/credentials.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../auth/password.ts';
import { API_TOKEN_PREFIX, hashToken, sameSecret } from '../../auth/tokens.ts';
import type { ServerContext } from '../../context.ts';
import type { Account } from '../../storage/account-store.ts';
import { checkSlug, createWorkspaceWithAdmin } from '../../workspaces.ts';
import { MeReply, SessionReply, UserJson, WorkspaceRef } from '../replies.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';
import { CreateWorkspaceBody, LoginBody, SetupBody } from '../schemas.ts';
import { invitationRoutes } from './invitations.ts';
import { passwordResetRoutes } from './password-reset.ts';
import { reservePasswordAttempt, startSession } from './sessions.ts';

const tag = 'account';

/** ALLOW_WORKSPACE_CREATION: `all`, `none`, or (default) `admins` — an active admin of some workspace. */
/**
 * Whether first-run setup is still open here: this instance's token is unused and no account exists (in
 * cluster mode another instance may have done the setup; its token then ends here too).
 */
async function setupOpen(ctx: ServerContext): Promise<boolean> {
  if (ctx.setupToken === null) return false;
  if ((await ctx.storage.countAccounts()) === 0) return true;
  ctx.setupToken = null;
  return false;
}

async function checkMayCreateWorkspace(ctx: ServerContext, account: Account): Promise<void> {
  const policy = ctx.config.allowWorkspaceCreation;
  if (policy === 'all') return;
  if (policy === 'admins') {
    const memberships = await ctx.storage.membershipsOfEmail(account.email);
    if (memberships.some(isActiveAdminUser)) return;
  }
  throw new ApiError(
    'workspace-creation-disabled',
    policy === 'none'
      ? 'Creating workspaces is turned off on this server'
      : 'Only admins of a workspace may create workspaces on this server',
  );
}

/** The account and its workspaces (an API token sees only its own workspace). */
async function meOf(ctx: ServerContext, principal: Principal) {
  const memberships = await ctx.storage.membershipsOfEmail(principal.account.email);
  const workspaces = [];
  for (const m of memberships) {
    if (principal.workspaceId !== null && principal.workspaceId !== m.workspaceId) continue;
    const ws = await ctx.storage.workspaceById(m.workspaceId);
    if (ws)
      workspaces.push({ slug: ws.slug, name: ws.name, role: m.role, status: m.status, userId: m.userId });
  }
  workspaces.sort((a, b) => a.name.localeCompare(b.name));
  return { account: principal.account, workspaces };
}

const ownRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/api/setup',
    summary: 'Whether first-run setup is still open',
    tag,
    auth: 'none',
    reply: { status: 200, body: z.object({ open: z.boolean() }) },
    handler: async ({ ctx }) => ({ status: 200, body: { open: await setupOpen(ctx) } }),
  }),
  route({
    method: 'POST',
    path: '/api/setup',
    summary: 'First run: create the first workspace and its admin (410 afterwards)',
    tag,
    auth: 'none',
    body: SetupBody,
    reply: { status: 201, body: SessionReply.extend({ workspace: WorkspaceRef }) },
    handler: async (rc) => {
      const { ctx, body } = rc;
      // Captured once: a concurrent setup may clear it while this one awaits.
      const expected = ctx.setupToken;
      const done = () => new ApiError('setup-done', 'Setup is already done: sign in instead');
      if (expected === null || !(await setupOpen(ctx))) throw done();
      if (!sameSecret(body.token, expected))
        throw new ApiError('bad-setup-token', 'The setup link is not valid; use the one the server printed');
      // Everything is checked before anything is created or the token is used up.
      const email = body.admin.email.toLowerCase();
      if (!isValidEmail(email)) throw new ApiError('invalid-email', 'Enter a valid email address');
      const name = body.admin.name.trim();
      if (!name) throw new ApiError('name-required', 'Enter your name');
      checkSlug(body.workspace.slug);
      if (!body.workspace.name.trim()) throw new ApiError('name-required', 'Give the workspace a name');
      const passwordHash = await hashPassword(body.admin.password);
      // Claimed twice: here synchronously after the last await (of two setups on this instance one gets
      // past), then in the database, atomically across instances (of two setups racing on two instances,
      // one gets the first account; the other, null: setup is done).
      if (ctx.setupToken !== expected) throw done();
      ctx.setupToken = null;
      const account = await ctx.storage.createFirstAccount({ email, name, passwordHash });
      if (!account) throw done();
      try {
        const workspace = await createWorkspaceWithAdmin(ctx, body.workspace, account);
        const session = await startSession(ctx, rc.res, account);
        return {
          status: 201,
          body: { ...session, workspace: { slug: workspace.slug, name: workspace.name } },
        };
      } catch (err) {
        ctx.log.warn('setup failed; the admin account exists, sign in and create a workspace');
        throw err;
      }
    },
  }),
  route({
    method: 'POST',
    path: '/api/login',
    summary: 'Sign in: returns a session token and sets the HttpOnly session cookie',
    tag,
    auth: 'none',
    body: LoginBody,
    reply: { status: 200, body: SessionReply },
    handler: async (rc) => {
      const { ctx, body } = rc;
      const email = body.email.trim().toLowerCase();
      // One attempt is taken per IP and per IP+email before the hash, and given back when the password is
      // right: concurrent guesses cannot all be checked, and signing in correctly never counts.
      const refund = reservePasswordAttempt(ctx, rc.req, email);
      const account = await ctx.storage.accountByEmail(email);
      const ok = await verifyPassword(body.password, account?.passwordHash ?? (await dummyPasswordHash()));
      if (!account || !ok) throw new ApiError('invalid-credentials', 'Wrong email or password');
      refund();
      ctx.log.info({ account: account.id }, 'signed in');
      const { passwordHash: _, ...pub } = account;
      return { status: 200, body: await startSession(ctx, rc.res, pub) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/logout',
    summary: 'Sign out: revokes the session',
    tag,
    auth: 'none',
    reply: { status: 204 },
    handler: async ({ ctx, req, res }) => {
      const creds = credentialsFrom(req, null);
      if (creds && !creds.token.startsWith(API_TOKEN_PREFIX)) {
        const tokenHash = hashToken(creds.token);
        await ctx.storage.deleteSessionByTokenHash(tokenHash);
        ctx.connections.closeOfToken(tokenHash);
      }
      res.setHeader(
        'set-cookie',
        clearedSessionCookie(ctx.config.secureCookies, ctx.config.sessionCookieDomain),
      );
      return { status: 204 };
    },
  }),
  route({
    method: 'GET',
    path: '/api/me',
    summary: 'The signed-in account and its workspaces',
    tag,
    auth: 'account',
    reply: { status: 200, body: MeReply },
    handler: async ({ ctx, principal }) => ({ status: 200, body: await meOf(ctx, principal) }),
  }),
  route({
    method: 'GET',
    path: '/api/session',
    summary:
      'Whether the caller is signed in: `me` as GET /api/me answers it, or null (200 either way, so an app ' +
      'can probe without an error status)',
    tag,
    auth: 'none',
    reply: { status: 200, body: z.object({ me: MeReply.nullable() }) },
    handler: async ({ ctx, principal, res }) => {
      res.setHeader('cache-control', 'no-store');
      return { status: 200, body: { me: principal ? await meOf(ctx, principal) : null } };
    },
  }),
  route({
    method: 'POST',
    path: '/api/workspaces',
    summary: 'Create a workspace; the caller becomes its admin',
    tag: 'workspaces',
    auth: 'account',
    body: CreateWorkspaceBody,
    reply: { status: 201, body: z.object({ workspace: WorkspaceRef }) },
    handler: async ({ ctx, principal, body }) => {
      if (principal.kind !== 'session' || principal.workspaceId !== null)
        throw new ApiError('forbidden', 'API tokens and single sign-on sessions cannot create workspaces');
      await checkMayCreateWorkspace(ctx, principal.account);
      const ws = await createWorkspaceWithAdmin(ctx, body, principal.account);
      return { status: 201, body: { workspace: { slug: ws.slug, name: ws.name } } };
    },
  }),
  route({
    method: 'GET',
    path: '/api/workspaces/:ws',
    summary: 'A workspace and the caller’s user in it',
    tag: 'workspaces',
    auth: 'member',
    reply: {
      status: 200,
      body: z.object({ workspace: WorkspaceRef, user: UserJson.omit({ createdAt: true }) }),
    },
    handler: async ({ scope }) => {
      const { workspace, user } = scope;
      const meta = scope.live.state().meta;
      return {
        status: 200,
        body: {
          workspace: { slug: workspace.slug, name: meta.name || workspace.name },
          user: { id: user.id, email: user.email, name: user.name, role: user.role, status: user.status },
        },
      };
    },
  }),
];

export const accountRoutes: Route[] = [...ownRoutes, ...invitationRoutes, ...passwordResetRoutes];
