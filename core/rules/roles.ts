/** Rules 4–7: upgrades need consent, downgrades clean up, at least one admin, archived users. */
import { fail, MESSAGES, ok, type Result } from '../errors.ts';
import type { Group, Role, User, WorkspaceState } from '../model.ts';
import { isBuilderLevel } from './builder-level.ts';
import { roleRank } from './levels.ts';

/** The lowest role a member of this custom group must hold. */
export function requiredRole(group: Pick<Group, 'flags' | 'grants'>): Role {
  return isBuilderLevel(group) ? 'builder' : 'end-user';
}

/** Rule 4: the role a user ends with when they are in these groups (never lowers a role). */
export function upgradedRole(role: Role, groups: Iterable<Pick<Group, 'flags' | 'grants'>>): Role {
  let out = role;
  for (const g of groups) {
    const need = requiredRole(g);
    if (roleRank(need) > roleRank(out)) out = need;
  }
  return out;
}

/** Rule 5: the live custom groups a user must leave when their role becomes `role`. */
export function groupsToLeave(state: WorkspaceState, userId: string, role: Role): Group[] {
  const out: Group[] = [];
  for (const g of state.groups.values()) {
    if (g.kind !== 'custom' || g.deletedAt !== undefined || !g.members.has(userId)) continue;
    if (roleRank(requiredRole(g)) > roleRank(role)) out.push(g);
  }
  return out;
}

export function activeAdmins(state: WorkspaceState): User[] {
  const out: User[] = [];
  for (const u of state.users.values()) if (u.role === 'admin' && u.status === 'active') out.push(u);
  return out;
}

/** Rule 6: the last active admin cannot be downgraded or archived. */
export function checkKeepsAnAdmin(
  state: WorkspaceState,
  userId: string,
  action: 'role' | 'archive' = 'role',
): Result<true> {
  const user = state.users.get(userId);
  if (user?.role !== 'admin' || user.status !== 'active') return ok(true);
  if (activeAdmins(state).length > 1) return ok(true);
  return fail('last-admin', action === 'archive' ? MESSAGES.lastAdminArchive : MESSAGES.lastAdmin);
}

/** Rule 7: archived users keep memberships but cannot be added to groups. */
export function checkCanJoinGroup(user: User): Result<true> {
  if (user.status === 'archived') return fail('user-archived', MESSAGES.archivedMember, { userId: user.id });
  return ok(true);
}

/** Builders are billed seats: active and invited users with the Builder role. */
export function countBuilders(state: WorkspaceState): number {
  let n = 0;
  for (const u of state.users.values()) if (u.role === 'builder' && u.status !== 'archived') n++;
  return n;
}
