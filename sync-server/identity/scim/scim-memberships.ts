/**
 * The one place SCIM meets core's memberships (core/rules/memberships.ts): which members of a group are
 * this connection's, and the commands that add or remove them. A connection adds and removes only its own
 * memberships (`scim:<connection id>`, issue 13): a member an admin added by hand stays when the IdP drops
 * them, and a manual removal leaves the connection's membership (it comes back at the next sync).
 */
import type { Command, Group, MembershipSource } from '../../../core/index.ts';

/** The source a connection's memberships carry. */
export const scimSource = (connectionId: string): MembershipSource => `scim:${connectionId}`;

/** The users holding a membership of this connection in `group`. */
export function connectionMembers(group: Group, connectionId: string): ReadonlySet<string> {
  const source = scimSource(connectionId);
  const out = new Set<string>();
  for (const [userId, held] of group.memberships) if (held.some((m) => m.source === source)) out.add(userId);
  return out;
}

export function addMembersCommand(
  groupId: string,
  userIds: readonly string[],
  connectionId: string,
  allowRoleChange: boolean,
): Command {
  return { type: 'group.addMembers', groupId, userIds, source: scimSource(connectionId), allowRoleChange };
}

export function removeMemberCommand(groupId: string, userId: string, connectionId: string): Command {
  return { type: 'group.removeMember', groupId, userId, source: scimSource(connectionId) };
}
