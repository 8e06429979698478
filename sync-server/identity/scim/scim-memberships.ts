/**
 * The one place SCIM meets core's memberships: which members of a group are this connection's, and the
 * commands that add or remove them. A connection adds and removes only its own memberships (issue 13).
 */
import type { Command, Group } from '../../../core/index.ts';

/** The source a connection's memberships carry. */
export const scimSource = (connectionId: string) => `scim:${connectionId}`;

/** The members of `group` this connection manages. */
export function connectionMembers(group: Group, _connectionId: string): ReadonlySet<string> {
  return group.members;
}

export function addMembersCommand(
  groupId: string,
  userIds: readonly string[],
  _connectionId: string,
  allowRoleChange: boolean,
): Command {
  return { type: 'group.addMembers', groupId, userIds, allowRoleChange };
}

export function removeMemberCommand(groupId: string, userId: string, _connectionId: string): Command {
  return { type: 'group.removeMember', groupId, userId };
}
