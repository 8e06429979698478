/** The one-step re-apply of a conflict's intended change, where the repair undid something an admin meant. */
import {
  type Command,
  type Conflict,
  checkCanJoinGroup,
  type WorkspaceState,
} from '../../../../core/index.ts';

/** The command that re-applies the intended change, or null when there is nothing to re-apply. Pure. */
export function reapplyCommand(state: WorkspaceState, conflict: Conflict): Command | null {
  if (conflict.code === 'end-user-in-builder-group') {
    const group = conflict.entities.find((e) => e.collection === 'groups');
    const g = group ? state.groups.get(group.id) : undefined;
    if (!g || g.deletedAt !== undefined) return null;
    const userIds = conflict.entities
      .filter((e) => {
        const user = e.collection === 'users' ? state.users.get(e.id) : undefined;
        return user !== undefined && checkCanJoinGroup(user).ok && !g.members.has(e.id);
      })
      .map((e) => e.id);
    return userIds.length > 0 ? { type: 'group.addMembers', groupId: g.id, userIds } : null;
  }
  return null;
}
