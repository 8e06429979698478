/**
 * What the server does after each committed change, besides relaying it: keep the memberships projection
 * (for `/api/me`) in step with the doc's users, and revoke the sessions of users who were archived or whose
 * role changed (SPEC §7), closing their sockets.
 */
import type { ServerContext } from '../context.ts';
import type { Membership } from '../storage/storage.ts';
import type { CommitEvent, LiveDoc } from './live-doc.ts';

export function createAfterCommit(ctx: ServerContext) {
  return async (live: LiveDoc, event: CommitEvent): Promise<void> => {
    const userIds = new Set(event.entities.filter((e) => e.collection === 'users').map((e) => e.id));
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
      const demoted =
        before !== undefined &&
        before.status === 'active' &&
        (u.status === 'archived' || before.role !== u.role);
      if (demoted && u.email) {
        const account = await ctx.storage.accountByEmail(u.email);
        if (account) {
          await ctx.storage.deleteSessionsOfAccount(account.id);
          ctx.log.info(
            { account: account.id, workspace: live.workspace.slug },
            'sessions revoked after role or status change',
          );
        }
      }
    }
    await ctx.storage.setMemberships(live.workspace.id, rows, removed);
  };
}
