/** `/api/workspaces/:ws/users…`: invite (with a copyable invitation link), role, archive, restore. */
import { z } from 'zod';
import type { Command } from '../../../core/index.ts';
import { requestOrigin } from '../../auth/credentials.ts';
import { issuePasswordReset, RESET_PATH } from '../../auth/password-reset.ts';
import { hashToken, newToken } from '../../auth/tokens.ts';
import { apiErrorFrom, executeCommand, isDryRun } from '../execute.ts';
import { changed, UserJson } from '../replies.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';
import { InviteBody, UserPatchBody } from '../schemas.ts';
import { userJson } from '../serialize.ts';

const U = '/api/workspaces/:ws/users';
const tag = 'users';
const DRY_RUN = [{ name: 'dryRun', description: 'true: return the impact and change nothing' }];

export const userRoutes: Route[] = [
  route({
    method: 'GET',
    path: U,
    summary: 'List users',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ users: z.array(UserJson) }) },
    handler: async ({ scope }) => {
      const users = [...scope.live.state().users.values()].map(userJson);
      return { status: 200, body: { users } };
    },
  }),
  route({
    method: 'POST',
    path: U,
    summary: 'Invite a user; answers the invitation link to hand over (no mail is sent)',
    tag,
    auth: 'admin',
    body: InviteBody,
    queryParams: DRY_RUN,
    reply: {
      status: 201,
      body: changed({ user: UserJson, invitation: z.object({ url: z.string(), expiresAt: z.number() }) }),
    },
    handler: async (rc) => {
      const { ctx, scope, body } = rc;
      const email = body.email.toLowerCase();
      const command: Command = {
        type: 'user.invite',
        email,
        name: body.name || email.split('@')[0]!,
        role: body.role,
      };
      const dryRun = isDryRun(rc.query);
      const result = await scope.live.submit({ kind: 'command', command, dryRun }, scope.actor, 'api');
      if (!result.ok) throw apiErrorFrom(result.error);
      const planned = result.planned!;
      if (dryRun) return { status: 200, body: { dryRun: true, impact: planned.impact } };
      const user = scope.live.state().users.get(planned.createdId!);
      if (!user) throw new ApiError('internal', 'The invited user was not created');
      const token = newToken();
      const invitation = await ctx.storage.createInvitation({
        workspaceId: scope.workspace.id,
        userId: user.id,
        email,
        tokenHash: hashToken(token),
        expiresAt: Date.now() + ctx.config.invitationTtlMs,
      });
      const url = `${requestOrigin(rc.req, ctx.config.publicUrl)}/invitations/${token}`;
      return {
        status: 201,
        body: {
          user: userJson(user),
          invitation: { url, expiresAt: invitation.expiresAt },
          impact: planned.impact,
        },
      };
    },
  }),
  route({
    method: 'PATCH',
    path: `${U}/:id`,
    summary: 'Change a user’s role (409 with the impact unless allowRoleChange) or name',
    tag,
    auth: 'admin',
    body: UserPatchBody,
    queryParams: DRY_RUN,
    reply: { status: 200, body: changed({ user: UserJson }) },
    handler: async (rc) => {
      const userId = rc.params.id;
      const { role, name, allowRoleChange } = rc.body;
      if (role === undefined && name === undefined)
        throw new ApiError('invalid-input', 'Send a role or a name to change');
      const view = () => {
        const u = rc.scope.live.state().users.get(userId);
        return { user: u ? userJson(u) : null };
      };
      if (role !== undefined && name !== undefined) {
        // Both or neither: the name is checked before the role is committed (a bad name changes nothing).
        const rename: Command = { type: 'user.rename', userId, name };
        const checked = await rc.scope.live.submit(
          { kind: 'command', command: rename, dryRun: true },
          rc.scope.actor,
          'api',
        );
        if (!checked.ok) throw apiErrorFrom(checked.error);
        if (isDryRun(rc.query))
          return executeCommand(rc, { type: 'user.setRole', userId, role, allowRoleChange }, view);
        await executeCommand(rc, { type: 'user.setRole', userId, role, allowRoleChange });
        return executeCommand(rc, rename, view);
      }
      if (role !== undefined)
        return executeCommand(rc, { type: 'user.setRole', userId, role, allowRoleChange }, view);
      return executeCommand(rc, { type: 'user.rename', userId, name: name! }, view);
    },
  }),
  route({
    method: 'POST',
    path: `${U}/:id/archive`,
    summary: 'Archive a user (keeps memberships; no access; sockets close)',
    tag,
    auth: 'admin',
    queryParams: DRY_RUN,
    reply: { status: 200, body: changed({ user: UserJson }) },
    handler: (rc) =>
      executeCommand(rc, { type: 'user.archive', userId: rc.params.id }, (_p, s) => ({
        user: userJson(s.users.get(rc.params.id)!),
      })),
  }),
  route({
    method: 'POST',
    path: `${U}/:id/restore`,
    summary: 'Restore an archived user',
    tag,
    auth: 'admin',
    queryParams: DRY_RUN,
    reply: { status: 200, body: changed({ user: UserJson }) },
    handler: (rc) =>
      executeCommand(rc, { type: 'user.restore', userId: rc.params.id }, (_p, s) => ({
        user: userJson(s.users.get(rc.params.id)!),
      })),
  }),
  route({
    method: 'POST',
    path: `${U}/:id/password-reset`,
    summary:
      'Issue a one-time password reset link for an active user who joined this workspace (valid 24 h; ' +
      'a new link replaces the previous one; using it ends the account’s sessions). Sessions only',
    tag,
    auth: 'admin',
    reply: { status: 201, body: z.object({ reset: z.object({ url: z.string(), expiresAt: z.number() }) }) },
    handler: async (rc) => {
      const { ctx, scope, principal } = rc;
      // A leaked API token must not become a way to take over accounts.
      if (principal.kind !== 'session')
        throw new ApiError('forbidden', 'API tokens cannot issue password resets');
      const user = scope.live.state().users.get(rc.params.id);
      if (!user) throw new ApiError('not-found', 'No such user');
      if (user.status !== 'active')
        throw new ApiError('user-not-active', 'Only an active user’s password can be reset');
      const account = await ctx.storage.accountByEmail(user.email);
      // Only for an account that really joined here: an admin cannot reach accounts it merely invited.
      if (!account || !(await ctx.storage.hasJoined(scope.workspace.id, account.id, user.id)))
        throw new ApiError('user-not-joined', 'This user has not accepted an invitation here');
      const { token, expiresAt } = await issuePasswordReset(ctx.storage, {
        accountId: account.id,
        createdBy: principal.account.id,
        ttlMs: ctx.config.passwordResetTtlMs,
      });
      ctx.log.info(
        { workspace: scope.workspace.slug, account: account.id, by: principal.account.id },
        'password reset link issued',
      );
      const url = `${requestOrigin(rc.req, ctx.config.publicUrl)}${RESET_PATH}?token=${encodeURIComponent(token)}`;
      return { status: 201, body: { reset: { url, expiresAt } } };
    },
  }),
];
