/** Rules 4–7: upgrades need consent, downgrades clean up, at least one admin, archived users. */
import { fail, MESSAGES, ok, type Result } from '../errors.ts';
import type { Group, Role, User, WorkspaceState } from '../model.ts';
import { isBuilderLevel } from './builder-level.ts';
import { isIdentity } from './identity.ts';
import { roleRank } from './levels.ts';

/** The lowest role a member of this custom group must hold. */
export function requiredRole(group: Pick<Group, 'flags' | 'grants'>): Role {
  return isBuilderLevel(group) ? 'builder' : 'end-user';
}

/**
 * Rule 4: the role a user ends with when they are in these groups (never lowers a role). The one home of
 * "an End-user in a builder-level group becomes a Builder": planners and explanations ask it.
 */
export function upgradedRole(role: Role, groups: Iterable<Pick<Group, 'flags' | 'grants'>>): Role {
  let out = role;
  for (const g of groups) {
    const need = requiredRole(g);
    if (!meetsRole(out, need)) out = need;
  }
  return out;
}

/** Rule 5: the live custom groups a user must leave when their role becomes `role`. */
export function groupsToLeave(state: WorkspaceState, userId: string, role: Role): Group[] {
  const out: Group[] = [];
  for (const g of state.groups.values()) {
    if (g.kind !== 'custom' || g.deletedAt !== undefined || !g.members.has(userId)) continue;
    if (!meetsRole(role, requiredRole(g))) out.push(g);
  }
  return out;
}

export function isActiveAdminUser(user: Pick<User, 'role' | 'status'>): boolean {
  return user.role === 'admin' && user.status === 'active';
}

/** Active admins that are their email's identity (a duplicate has no access until repair archives it). */
export function activeAdmins(state: WorkspaceState): User[] {
  const out: User[] = [];
  for (const u of state.users.values()) if (isActiveAdminUser(u) && isIdentity(state, u)) out.push(u);
  return out;
}

/** The only active admin (rule 6: they cannot be downgraded or archived), or null when there are several. */
export function soleActiveAdmin(state: WorkspaceState): User | null {
  const admins = activeAdmins(state);
  return admins.length === 1 ? admins[0]! : null;
}

/** Rule 6: the last active admin cannot be downgraded or archived. */
export function checkKeepsAnAdmin(
  state: WorkspaceState,
  userId: string,
  action: 'role' | 'archive' = 'role',
): Result<true> {
  const user = state.users.get(userId);
  if (!user || !isActiveAdminUser(user) || soleActiveAdmin(state)?.id !== user.id) return ok(true);
  return fail('last-admin', action === 'archive' ? MESSAGES.lastAdminArchive : MESSAGES.lastAdmin);
}

/** Whether `role` is at least `need` (Admin above Builder above End-user). */
export function meetsRole(role: Role, need: Role): boolean {
  return roleRank(role) >= roleRank(need);
}

/** Rules 4–5: whether a user's role is high enough for a custom group's membership to count. */
export function meetsGroupRole(user: Pick<User, 'role'>, group: Pick<Group, 'flags' | 'grants'>): boolean {
  return meetsRole(user.role, requiredRole(group));
}

/** The members of a default group: the users with its role who are not archived. */
export function isDefaultGroupMember(user: Pick<User, 'role' | 'status'>, role: Role): boolean {
  return user.role === role && user.status !== 'archived';
}

export function defaultGroupMembers(state: WorkspaceState, role: Role): User[] {
  const out: User[] = [];
  for (const u of state.users.values()) if (isDefaultGroupMember(u, role)) out.push(u);
  return out;
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
