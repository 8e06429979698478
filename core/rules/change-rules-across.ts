/**
 * checkChange's rules across entities (change-rules.ts): memberships the change made (rules 4, 5, 7) and
 * at least one active admin (rule 6). Checked for live changes only; a catch-up is repaired instead.
 */
import type { Group, User } from '../model.ts';
import type { Touched, Verdict } from './change-verdict.ts';
import { roleRank } from './levels.ts';
import { activeAdmins, checkCanJoinGroup, isActiveAdminUser, meetsGroupRole } from './roles.ts';

/**
 * Rules 4, 5 and 7 for the memberships the change made: no archived user added to a group, and every
 * member of a custom group holds the role it needs — unless it already failed before the change.
 */
export function checkMemberships(v: Verdict, touched: Touched): void {
  const { before, after } = v;
  const needsRole = (user: User | undefined, g: Group) => user !== undefined && !meetsGroupRole(user, g);
  const check = (g: Group, userId: string) => {
    const user = after.users.get(userId);
    const was = before.groups.get(g.id);
    const wasMember = was?.deletedAt === undefined && was?.members.has(userId) === true;
    if (!wasMember && user) {
      const can = checkCanJoinGroup(user);
      if (!can.ok) v.add(`groups.${g.id}.members.${userId}`, can.error.code, can.error.message);
    }
    if (needsRole(user, g) && !(wasMember && was && needsRole(before.users.get(userId), was)))
      v.add(
        `groups.${g.id}.members.${userId}`,
        'member-needs-role',
        `${user?.email ?? userId} is an End-user: “${g.name}” is builder-level, so they must become a Builder (with confirmation) to be in it`,
      );
  };
  for (const id of touched.groups) {
    const g = after.groups.get(id);
    if (g?.kind !== 'custom' || g.deletedAt !== undefined) continue;
    for (const userId of g.members) check(g, userId);
  }
  // Users whose role went down: the groups they are still in (rule 5 removes them in the same change).
  const lowered = [...touched.users].filter((id) => {
    const b = before.users.get(id);
    const a = after.users.get(id);
    return b !== undefined && a !== undefined && roleRank(a.role) < roleRank(b.role);
  });
  if (lowered.length === 0) return;
  for (const g of after.groups.values()) {
    if (g.kind !== 'custom' || g.deletedAt !== undefined || touched.groups.has(g.id)) continue;
    for (const userId of lowered) if (g.members.has(userId)) check(g, userId);
  }
}

/** Rule 6: a change that leaves no active admin, where there was one, is refused. */
export function checkKeepsAdmins(v: Verdict, touched: Touched): void {
  const affected = [...touched.users].some((id) => {
    const b = v.before.users.get(id);
    return b !== undefined && isActiveAdminUser(b);
  });
  if (!affected || activeAdmins(v.after).length > 0 || activeAdmins(v.before).length === 0) return;
  v.add('users', 'last-admin', 'The last active admin can’t be downgraded, archived or removed');
}
