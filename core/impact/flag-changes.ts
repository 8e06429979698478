/**
 * Rule 9 for workspace permissions: which users a change of a group's flags turns a permission on or off
 * for, effective access before against after (a user who keeps a flag through another group is not
 * listed). The Permissions tab shows it before the Builder group's flags change: that touches every builder.
 */
import { accessFor } from '../access/user-access.ts';
import { FLAGS, type Flag, type Group, type WorkspaceState } from '../model.ts';
import { defaultGroupMembers } from '../rules/roles.ts';

export interface FlagChange {
  readonly flag: Flag;
  /** True: the users gain the permission; false: they lose it. */
  readonly on: boolean;
  /** Users whose effective permission changes, sorted by email. */
  readonly userIds: readonly string[];
  /** Users of the group who keep what they had (another group gives it, or they are archived). */
  readonly unchanged: number;
}

/** The users a group's flags reach: a default group's role holders, a custom group's members. */
function reached(state: WorkspaceState, group: Group): string[] {
  if (group.kind === 'default')
    return group.role ? defaultGroupMembers(state, group.role).map((u) => u.id) : [];
  return [...group.members];
}

/** Per flag the change touches, the users of `groupId` who gain or lose it (`before` → `after`). */
export function flagChanges(before: WorkspaceState, after: WorkspaceState, groupId: string): FlagChange[] {
  const g0 = before.groups.get(groupId);
  const g1 = after.groups.get(groupId);
  if (!g0 || !g1) return [];
  const users = [...new Set([...reached(before, g0), ...reached(after, g1)])]
    .map((id) => after.users.get(id) ?? before.users.get(id))
    .filter((u) => u !== undefined)
    .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const out: FlagChange[] = [];
  for (const flag of FLAGS) {
    if (g0.flags[flag] === g1.flags[flag]) continue;
    const on = g1.flags[flag];
    const userIds: string[] = [];
    for (const u of users) {
      const was = accessFor(before, u.id)?.flags[flag] ?? false;
      const is = accessFor(after, u.id)?.flags[flag] ?? false;
      if (was !== is) userIds.push(u.id);
    }
    out.push({ flag, on, userIds, unchanged: users.length - userIds.length });
  }
  return out;
}
