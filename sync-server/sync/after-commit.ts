/**
 * What the server does after each committed change, besides relaying it: queue the webhook deliveries
 * of the access requests it wrote (webhooks/webhook-events.ts), keep the memberships projection
 * (for `/api/me`) in step with the doc's users, and revoke the sessions of users who were archived or whose
 * role changed (SPEC §7), closing their sockets and event streams.
 *
 * Revocation reaches past the workspace (sessions are server-wide), so it applies only to an account that
 * is really a member here: the changed user is the one the account maps to, was active, and the account
 * joined as that user — a stored fact (`joined`), recorded when the account's own `user.activate` commits
 * (accepting the invitation, creating the workspace). The doc alone is not evidence, since any admin of a
 * workspace can write a user's status over sync. Otherwise the change still takes effect at once in this
 * workspace (every request and socket rechecks role and status). The account's API tokens in this
 * workspace are revoked either way: they were made here, and keep no power a role change took away.
 */
import { userByEmail } from '../auth/member-of.ts';
import type { ServerContext } from '../context.ts';
import type { Membership } from '../storage/workspace-store.ts';
import { queueRequestEvents } from '../webhooks/webhook-events.ts';
import type { CommitEvent, LiveDoc } from './live-doc.ts';

/**
 * Records that the committing account activated its own user (the server's `user.activate` command,
 * confirmed by the audit row written with it: a sync update is never one).
 */
async function recordSelfActivation(
  ctx: ServerContext,
  workspaceId: string,
  event: CommitEvent,
  userId: string,
): Promise<void> {
  const { accountId, email } = event.actor;
  const u = event.state.users.get(userId);
  if (!accountId || !email || !u || u.status !== 'active' || u.email !== email.toLowerCase()) return;
  const [row] = await ctx.storage.queryAudit({ workspaceId, actor: accountId, entity: userId, limit: 1 });
  if (row?.action !== 'user.activate' || row.actorId !== accountId) return;
  await ctx.storage.recordJoined({ workspaceId, accountId, userId, at: row.at });
}

export function createAfterCommit(ctx: ServerContext) {
  return async (live: LiveDoc, event: CommitEvent): Promise<void> => {
    try {
      await queueRequestEvents(ctx, live.workspace, event);
    } catch (err) {
      ctx.log.error({ err, workspace: live.workspace.slug }, 'queueing webhook deliveries failed');
    }
    const userIds = event.users;
    if (userIds.size === 0) return;
    const rows: Membership[] = [];
    const removed: string[] = [];
    for (const id of userIds) {
      const u = event.state.users.get(id);
      if (!u) {
        removed.push(id);
        continue;
      }
      rows.push({
        workspaceId: live.workspace.id,
        userId: u.id,
        email: u.email,
        role: u.role,
        status: u.status,
      });
      const before = event.previous.users.get(id);
      if (before?.status !== 'active' && u.status === 'active')
        await recordSelfActivation(ctx, live.workspace.id, event, id);
      const demoted =
        before !== undefined &&
        before.status === 'active' &&
        (u.status === 'archived' || before.role !== u.role);
      if (!demoted || !before.email) continue;
      // The account's identity here must have been this very user (not a duplicate with its email).
      if (userByEmail(event.previous, before.email)?.id !== id) continue;
      const account = await ctx.storage.accountByEmail(before.email);
      if (!account) continue;
      // First this workspace's sockets, as forbidden, on every instance — before the sessions and tokens
      // go, so that no instance closes them as merely signed out (its recheck or the revocations below).
      ctx.connections.closeOfAccount(account.id, 'demoted', live.workspace.id);
      for (const tokenId of await ctx.storage.deleteApiTokensOf(live.workspace.id, account.id))
        ctx.connections.closeOfTokenId(tokenId);
      if (!(await ctx.storage.hasJoined(live.workspace.id, account.id, id))) continue;
      await ctx.storage.deleteSessionsOfAccount(account.id);
      ctx.connections.closeOfAccount(account.id, 'signed-out');
      ctx.log.info(
        { account: account.id, workspace: live.workspace.slug },
        'sessions and API tokens revoked after role or status change',
      );
    }
    await ctx.storage.setMemberships(live.workspace.id, rows, removed);
  };
}
