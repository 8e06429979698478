/** Setup, login/logout, the caller's account (`/api/me`), invitations, creating workspaces. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { authenticate } from '../../auth/authenticate.ts';
import { closeConnectionsOfToken } from '../../auth/connections.ts';
import { clearedSessionCookie, credentialsFrom, sessionCookie } from '../../auth/credentials.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../auth/password.ts';
import { API_TOKEN_PREFIX, hashToken, newToken, SESSION_PREFIX } from '../../auth/tokens.ts';
import type { ServerContext } from '../../context.ts';
import type { Account } from '../../storage/storage.ts';
import { checkSlug, createWorkspaceWithAdmin } from '../../workspaces.ts';
import { apiErrorFrom } from '../execute.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../router.ts';
import { AcceptInvitationBody, CreateWorkspaceBody, LoginBody, SetupBody } from '../schemas.ts';

const tag = 'account';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function startSession(ctx: ServerContext, res: ServerResponse, account: Account) {
  const token = newToken(SESSION_PREFIX);
  const expiresAt = Date.now() + ctx.config.sessionTtlMs;
  await ctx.storage.createSession({ accountId: account.id, tokenHash: hashToken(token), expiresAt });
  res.setHeader('set-cookie', sessionCookie(token, ctx.config.sessionTtlMs, ctx.config.secureCookies));
  return { token, expiresAt, account };
}

/** Constant time, whatever the lengths (both sides hashed first). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function clientIp(rc: { req: { socket: { remoteAddress?: string | undefined } } }): string {
  return rc.req.socket.remoteAddress ?? 'unknown';
}

/** ALLOW_WORKSPACE_CREATION: `all`, `none`, or (default) `admins` — an active admin of some workspace. */
async function checkMayCreateWorkspace(ctx: ServerContext, account: Account): Promise<void> {
  const policy = ctx.config.allowWorkspaceCreation;
  if (policy === 'all') return;
  if (policy === 'admins') {
    const memberships = await ctx.storage.membershipsOfEmail(account.email);
    if (memberships.some((m) => m.role === 'admin' && m.status === 'active')) return;
  }
  throw new ApiError(
    403,
    'workspace-creation-disabled',
    policy === 'none'
      ? 'Creating workspaces is turned off on this server'
      : 'Only admins of a workspace may create workspaces on this server',
  );
}

export const accountRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/api/setup',
    summary: 'Whether first-run setup is still open',
    tag,
    auth: 'none',
    handler: async ({ ctx }) => ({ status: 200, body: { open: ctx.setupToken !== null } }),
  }),
  route({
    method: 'POST',
    path: '/api/setup',
    summary: 'First run: create the first workspace and its admin (410 afterwards)',
    tag,
    auth: 'none',
    body: SetupBody,
    handler: async (rc) => {
      const { ctx, body } = rc;
      // Captured once: a concurrent setup may clear it while this one awaits.
      const expected = ctx.setupToken;
      const done = () => new ApiError(410, 'setup-done', 'Setup is already done: sign in instead');
      if (expected === null) throw done();
      if (!sameSecret(body.token, expected))
        throw new ApiError(
          403,
          'bad-setup-token',
          'The setup link is not valid; use the one the server printed',
        );
      // Everything is checked before anything is created or the token is used up.
      const email = body.admin.email.toLowerCase();
      if (!EMAIL.test(email)) throw new ApiError(422, 'invalid-email', 'Enter a valid email address');
      const name = body.admin.name.trim();
      if (!name) throw new ApiError(422, 'name-required', 'Enter your name');
      checkSlug(body.workspace.slug);
      if (!body.workspace.name.trim()) throw new ApiError(422, 'name-required', 'Give the workspace a name');
      const passwordHash = await hashPassword(body.admin.password);
      // Claimed synchronously after the last await: of two concurrent setups exactly one gets here.
      if ((await ctx.storage.countAccounts()) > 0 || ctx.setupToken !== expected) throw done();
      ctx.setupToken = null;
      const account = await ctx.storage.createAccount({ email, name, passwordHash });
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
    handler: async (rc) => {
      const { ctx, body } = rc;
      const email = body.email.trim().toLowerCase();
      // Failed attempts are counted per IP and per IP+email: a stranger guessing from elsewhere cannot
      // lock an account out, and signing in correctly never counts.
      const ip = clientIp(rc);
      const keys = [`ip:${ip}`, `ip-email:${ip}\u0000${email}`];
      const wait = Math.max(...keys.map((k) => ctx.loginLimiter.peek(k)));
      if (wait > 0)
        throw new ApiError(429, 'rate-limited', 'Too many sign-in attempts; try again later', undefined, {
          'retry-after': String(wait),
        });
      const account = await ctx.storage.accountByEmail(email);
      const ok = await verifyPassword(body.password, account?.passwordHash ?? (await dummyPasswordHash()));
      if (!account || !ok) {
        for (const k of keys) ctx.loginLimiter.hit(k);
        throw new ApiError(401, 'invalid-credentials', 'Wrong email or password');
      }
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
    handler: async ({ ctx, req, res }) => {
      const creds = credentialsFrom(req, null);
      if (creds && !creds.token.startsWith(API_TOKEN_PREFIX)) {
        const tokenHash = hashToken(creds.token);
        await ctx.storage.deleteSessionByTokenHash(tokenHash);
        closeConnectionsOfToken(tokenHash);
      }
      res.setHeader('set-cookie', clearedSessionCookie(ctx.config.secureCookies));
      return { status: 204 };
    },
  }),
  route({
    method: 'GET',
    path: '/api/me',
    summary: 'The signed-in account and its workspaces',
    tag,
    auth: 'account',
    handler: async ({ ctx, principal }) => {
      const memberships = await ctx.storage.membershipsOfEmail(principal!.account.email);
      const workspaces = [];
      for (const m of memberships) {
        if (principal!.workspaceId !== null && principal!.workspaceId !== m.workspaceId) continue;
        const ws = await ctx.storage.workspaceById(m.workspaceId);
        if (ws)
          workspaces.push({ slug: ws.slug, name: ws.name, role: m.role, status: m.status, userId: m.userId });
      }
      workspaces.sort((a, b) => a.name.localeCompare(b.name));
      return { status: 200, body: { account: principal!.account, workspaces } };
    },
  }),
  route({
    method: 'POST',
    path: '/api/workspaces',
    summary: 'Create a workspace; the caller becomes its admin',
    tag: 'workspaces',
    auth: 'account',
    body: CreateWorkspaceBody,
    handler: async ({ ctx, principal, body }) => {
      if (principal!.kind !== 'session')
        throw new ApiError(403, 'forbidden', 'API tokens cannot create workspaces');
      await checkMayCreateWorkspace(ctx, principal!.account);
      const ws = await createWorkspaceWithAdmin(ctx, body, principal!.account);
      return { status: 201, body: { workspace: { slug: ws.slug, name: ws.name } } };
    },
  }),
  route({
    method: 'GET',
    path: '/api/workspaces/:ws',
    summary: 'A workspace and the caller’s user in it',
    tag: 'workspaces',
    auth: 'member',
    handler: async ({ scope }) => {
      const { workspace, user } = scope!;
      const meta = scope!.live.state().meta;
      return {
        status: 200,
        body: {
          workspace: { slug: workspace.slug, name: meta.name || workspace.name },
          user: { id: user.id, email: user.email, name: user.name, role: user.role, status: user.status },
        },
      };
    },
  }),
  route({
    method: 'GET',
    path: '/api/invitations/:token',
    summary: 'What an invitation is for (workspace, email, whether the account exists)',
    tag,
    auth: 'none',
    handler: async ({ ctx, params }) => {
      const inv = await ctx.storage.invitationByTokenHash(hashToken(params.token!));
      if (!inv || inv.acceptedAt !== null || inv.expiresAt < Date.now())
        throw new ApiError(404, 'not-found', 'This invitation is not valid any more');
      const ws = await ctx.storage.workspaceById(inv.workspaceId);
      const account = await ctx.storage.accountByEmail(inv.email);
      return {
        status: 200,
        body: {
          workspace: ws ? { slug: ws.slug, name: ws.name } : null,
          email: inv.email,
          accountExists: account !== null,
        },
      };
    },
  }),
  route({
    method: 'POST',
    path: '/api/invitations/:token/accept',
    summary: 'Accept an invitation: new accounts set name and password; existing accounts just join',
    tag,
    auth: 'none',
    body: AcceptInvitationBody,
    handler: async (rc) => {
      const { ctx, params, body } = rc;
      const inv = await ctx.storage.invitationByTokenHash(hashToken(params.token!));
      if (!inv || inv.acceptedAt !== null || inv.expiresAt < Date.now())
        throw new ApiError(404, 'not-found', 'This invitation is not valid any more');
      const ws = await ctx.storage.workspaceById(inv.workspaceId);
      if (!ws) throw new ApiError(404, 'not-found', 'This invitation is not valid any more');
      const existing = await ctx.storage.accountByEmail(inv.email);
      let account: Account;
      if (!existing) {
        if (!body.password || body.password.length < 8)
          throw new ApiError(
            422,
            'password-too-short',
            'Choose a password of at least 8 characters',
            undefined,
          );
        const name = body.name?.trim() || inv.email.split('@')[0]!;
        account = await ctx.storage.createAccount({
          email: inv.email,
          name,
          passwordHash: await hashPassword(body.password),
        });
      } else {
        // An existing account joins without a new password, but only its owner may use the link: the
        // caller is signed in as that account or gives its password (else an inviter could take it over).
        const creds = credentialsFrom(rc.req, null);
        const principal = creds ? await authenticate(ctx.storage, creds.token) : null;
        const owner =
          principal?.account.id === existing.id ||
          (body.password !== undefined && (await verifyPassword(body.password, existing.passwordHash)));
        if (!owner)
          throw new ApiError(
            401,
            'sign-in-required',
            'Sign in as this account (or give its password) to accept',
          );
        const { passwordHash: _, ...pub } = existing;
        account = pub;
      }
      const actor = { accountId: account.id, email: account.email, name: account.name };
      await ctx.registry.with(ws, async (live) => {
        const user = live.state().users.get(inv.userId);
        if (!user || user.email !== inv.email)
          throw new ApiError(404, 'not-found', 'This invitation was withdrawn');
        if (user.status === 'archived')
          throw new ApiError(403, 'user-archived', 'Your user is archived here');
        if (user.status === 'invited') {
          const r = await live.submit(
            { kind: 'command', command: { type: 'user.activate', userId: user.id } },
            actor,
            'api',
          );
          if (!r.ok) throw apiErrorFrom(r.error);
        }
      });
      await ctx.storage.markInvitationAccepted(inv.id, Date.now());
      const session = await startSession(ctx, rc.res, account);
      return { status: 200, body: { ...session, workspace: { slug: ws.slug, name: ws.name } } };
    },
  }),
];
