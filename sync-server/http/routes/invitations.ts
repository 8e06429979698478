/**
 * Invitations: what a link is for, and accepting it. The link never tells whether its email already has
 * an account: the page asks for a password (and an optional name) and the server decides — a new account
 * is created with them, an existing one must prove ownership (its password, or being signed in as it).
 *
 * Acceptance checks everything before it changes anything, reserves a password attempt (same counters as
 * sign-in) before any hashing, then claims the invitation atomically: of concurrent accepts exactly one
 * goes on, the others get 410. A failure after the claim gives the invitation back and removes an account
 * it had just created.
 */
import { z } from 'zod';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../../auth/password.ts';
import { hashToken } from '../../auth/tokens.ts';
import type { ServerContext } from '../../context.ts';
import type { Account, Invitation } from '../../storage/account-store.ts';
import type { Workspace } from '../../storage/workspace-store.ts';
import { apiErrorFrom } from '../execute.ts';
import { SessionReply, WorkspaceRef } from '../replies.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';
import { AcceptInvitationBody } from '../schemas.ts';
import { reservePasswordAttempt, startSession } from './sessions.ts';

const tag = 'account';

const notValid = () =>
  new ApiError('not-found', 'This invitation link is not valid: ask an admin for a new one');
const expired = () =>
  new ApiError('not-found', 'This invitation has expired: ask an admin of the workspace for a new one');
const used = () =>
  new ApiError('invitation-used', 'This invitation has already been accepted: sign in instead');

/** The invitation behind a token, still open (404 unknown or expired, 410 accepted), and its workspace. */
async function openInvitation(
  ctx: ServerContext,
  token: string,
): Promise<{ inv: Invitation; ws: Workspace }> {
  const inv = await ctx.storage.invitationByTokenHash(hashToken(token));
  if (!inv) throw notValid();
  if (inv.acceptedAt !== null) throw used();
  if (inv.expiresAt < Date.now()) throw expired();
  const ws = await ctx.storage.workspaceById(inv.workspaceId);
  if (!ws) throw notValid();
  return { inv, ws };
}

/** The invited user is still there, with this email, and not archived. */
async function checkInvitee(ctx: ServerContext, ws: Workspace, inv: Invitation): Promise<void> {
  await ctx.registry.with(ws, async (live) => {
    const user = live.state().users.get(inv.userId);
    if (!user || user.email !== inv.email) throw new ApiError('not-found', 'This invitation was withdrawn');
    if (user.status === 'archived') throw new ApiError('user-archived', 'Your user is archived here');
  });
}

export const invitationRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/api/invitations/:token',
    summary:
      'What an invitation is for (workspace, email and the name the admin gave); 404 unknown or expired, ' +
      '410 already accepted — so the page says so before anyone types a password',
    tag,
    auth: 'none',
    reply: {
      status: 200,
      body: z.object({ workspace: WorkspaceRef, email: z.string(), name: z.string() }),
    },
    handler: async ({ ctx, params }) => {
      const { inv, ws } = await openInvitation(ctx, params.token);
      // A withdrawn (archived or removed) invitee's link shows nothing of the workspace or the email.
      await checkInvitee(ctx, ws, inv);
      const name = await ctx.registry.with(ws, async (live) => live.state().users.get(inv.userId)?.name);
      return {
        status: 200,
        body: { workspace: { slug: ws.slug, name: ws.name }, email: inv.email, name: name ?? '' },
      };
    },
  }),
  route({
    method: 'POST',
    path: '/api/invitations/:token/accept',
    summary:
      'Accept an invitation with a password (and a name): a new account is created with them; an existing ' +
      'account must give its password or be signed in. 429 when rate-limited, 410 when already accepted',
    tag,
    auth: 'none',
    body: AcceptInvitationBody,
    reply: { status: 200, body: SessionReply.extend({ workspace: WorkspaceRef }) },
    handler: async (rc) => {
      const { ctx, params, body } = rc;
      // A name given blank is refused (never turned into the email's local part), whoever the email is.
      if (body.name !== undefined && body.name.trim() === '')
        throw new ApiError('name-required', 'Enter your name');
      const { inv, ws } = await openInvitation(ctx, params.token);
      await checkInvitee(ctx, ws, inv);
      const existing = await ctx.storage.accountByEmail(inv.email);
      const signedInAsOwner = existing !== null && rc.principal?.account.id === existing.id;
      const password = body.password ?? '';
      if (!signedInAsOwner && password.length < MIN_PASSWORD_LENGTH)
        throw new ApiError('password-too-short', 'Enter a password of at least 8 characters');

      // Counted before the hash, per IP and IP+email, with sign-in's counters; refunded unless a
      // password turned out wrong.
      const refund = signedInAsOwner ? () => {} : reservePasswordAttempt(ctx, rc.req, inv.email);
      let account: Account | null = null;
      let passwordHash: string | null = null;
      try {
        if (existing) {
          if (!signedInAsOwner && !(await verifyPassword(password, existing.passwordHash)))
            throw new ApiError(
              'sign-in-required',
              'Wrong password: sign in as this account (or give its password) to accept',
            );
          const { passwordHash: _, ...pub } = existing;
          account = pub;
        } else passwordHash = await hashPassword(password);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) refund();
        throw err;
      }
      refund();

      if (!(await ctx.storage.claimInvitation(inv.id, Date.now()))) throw used();
      let created = false;
      try {
        if (!account) {
          const name = body.name?.trim() || (await invitedName(ctx, ws, inv)) || inv.email;
          account = await createAccountOrConflict(ctx, inv.email, name, passwordHash!);
          created = true;
        }
        await activate(ctx, ws, inv, account);
      } catch (err) {
        if (created && account) await ctx.storage.deleteAccount(account.id);
        await ctx.storage.releaseInvitation(inv.id);
        throw err;
      }
      const session = await startSession(ctx, rc.res, account);
      return { status: 200, body: { ...session, workspace: { slug: ws.slug, name: ws.name } } };
    },
  }),
];

/** The name the admin gave the invited user (what an acceptance without a name takes). */
async function invitedName(ctx: ServerContext, ws: Workspace, inv: Invitation): Promise<string> {
  return ctx.registry.with(ws, async (live) => live.state().users.get(inv.userId)?.name.trim() ?? '');
}

async function createAccountOrConflict(
  ctx: ServerContext,
  email: string,
  name: string,
  passwordHash: string,
): Promise<Account> {
  try {
    return await ctx.storage.createAccount({ email, name, passwordHash });
  } catch (err) {
    // Another acceptance (of another workspace's invitation) created the account meanwhile.
    if (await ctx.storage.accountByEmail(email))
      throw new ApiError('account-exists', 'An account with this email exists now: give its password');
    throw err;
  }
}

/** Activates the invited user as the account itself (after-commit records that it joined). */
async function activate(ctx: ServerContext, ws: Workspace, inv: Invitation, account: Account) {
  const actor = { accountId: account.id, email: account.email, name: account.name };
  await ctx.registry.with(ws, async (live) => {
    const user = live.state().users.get(inv.userId);
    if (!user || user.email !== inv.email) throw new ApiError('not-found', 'This invitation was withdrawn');
    if (user.status === 'archived') throw new ApiError('user-archived', 'Your user is archived here');
    if (user.status === 'active') {
      // Already active (written over sync): the owner accepting is what makes it a real membership.
      await ctx.storage.recordJoined({
        workspaceId: ws.id,
        accountId: account.id,
        userId: user.id,
        at: Date.now(),
      });
      return;
    }
    const r = await live.submit(
      { kind: 'command', command: { type: 'user.activate', userId: user.id }, trusted: true },
      actor,
      'api',
    );
    if (!r.ok) throw apiErrorFrom(r.error);
  });
}
