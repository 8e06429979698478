/**
 * Rule 9: the impact of a change, as a diff between the state before and after its ops, restricted to the
 * users the ops can affect. Access is compared in compact form, so "every other app" is one row ('*').
 */

import { accessIndex } from './access/access-index.ts';
import { accessFor, type ResourceAccess, UserAccess } from './access/user-access.ts';
import type { Group, Level, ResourceType, Role, User, WorkspaceState } from './model.ts';
import type { Op } from './ops.ts';
import { effectiveDefaultGroup } from './rules/default-groups.ts';
import { roleRank } from './rules/levels.ts';
import { countBuilders, requiredRole } from './rules/roles.ts';

export interface RoleChange {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly from: Role;
  readonly to: Role;
}

export interface AccessChange {
  readonly userId: string;
  readonly resourceType: ResourceType;
  /** A resource id, or '*' for every resource of that type not listed in its own row for this user. */
  readonly resourceId: string;
  readonly resourceName: string;
  readonly before: Level | null;
  readonly after: Level | null;
  readonly hiddenBefore: boolean;
  readonly hiddenAfter: boolean;
  /** On a '*' row: resources a custom grant names whose access does not change. */
  readonly exceptIds?: readonly string[] | undefined;
}

export interface MembershipChange {
  readonly userId: string;
  readonly groupId: string;
  readonly groupName: string;
}

export interface Impact {
  readonly roleChanges: readonly RoleChange[];
  readonly accessChanges: readonly AccessChange[];
  /** True when accessChanges was cut at MAX_ACCESS_CHANGES rows. */
  readonly accessChangesTruncated: boolean;
  readonly membershipsAdded: readonly MembershipChange[];
  readonly membershipsRemoved: readonly MembershipChange[];
  readonly buildersBefore: number;
  readonly buildersAfter: number;
  readonly builderDelta: number;
  readonly usersAffected: number;
}

/** Enough rows for any dialog or review; the flag says when more changed. */
export const MAX_ACCESS_CHANGES = 1_000;

interface Touched {
  readonly users: Set<string>;
  readonly groups: Set<string>;
  readonly defaultRoles: Set<Role>;
}

function touchedBy(before: WorkspaceState, after: WorkspaceState, ops: readonly Op[]): Touched {
  const t: Touched = { users: new Set(), groups: new Set(), defaultRoles: new Set() };
  const touchGroup = (id: string) => {
    t.groups.add(id);
    const role = (after.groups.get(id) ?? before.groups.get(id))?.role;
    if (role) t.defaultRoles.add(role);
  };
  for (const op of ops) {
    if (op.type === 'entity.create' || op.type === 'entity.set') {
      if (op.collection === 'users') t.users.add(op.id);
      else if (op.collection === 'groups') touchGroup(op.id);
    } else if (op.type === 'member.add' || op.type === 'member.remove') {
      touchGroup(op.groupId);
      t.users.add(op.userId);
    } else if (op.type !== 'meta.set') touchGroup(op.groupId);
  }
  return t;
}

/** A user's effective custom groups in `after`, derived from `before`'s index plus the touched groups. */
function afterGroups(
  before: WorkspaceState,
  after: WorkspaceState,
  user: User,
  touched: Touched,
): { groups: Group[]; ignored: Group[] } {
  const idx = accessIndex(before);
  const candidates: Group[] = [];
  const seen = new Set<string>();
  for (const list of [idx.userGroups.get(user.id), idx.ignoredMemberships.get(user.id)])
    for (const g of list ?? []) {
      if (touched.groups.has(g.id)) continue;
      candidates.push(g);
      seen.add(g.id);
    }
  for (const id of touched.groups) {
    const g = after.groups.get(id);
    if (g && !seen.has(id) && g.kind === 'custom' && g.deletedAt === undefined && g.members.has(user.id))
      candidates.push(g);
  }
  const groups: Group[] = [];
  const ignored: Group[] = [];
  for (const g of candidates) (roleRank(user.role) >= roleRank(requiredRole(g)) ? groups : ignored).push(g);
  return { groups, ignored };
}

function sameFlags(a: Group['flags'], b: Group['flags']): boolean {
  if (a === b) return true;
  for (const k of Object.keys(a) as (keyof Group['flags'])[]) if (a[k] !== b[k]) return false;
  return true;
}

function isMemberOf(before: WorkspaceState, after: WorkspaceState, groupId: string, userId: string): boolean {
  return !!(
    before.groups.get(groupId)?.members.has(userId) || after.groups.get(groupId)?.members.has(userId)
  );
}

function sameAccess(a: ResourceAccess, b: ResourceAccess): boolean {
  return a.level === b.level && a.hidden === b.hidden;
}

function isBuilderSeat(u: User | undefined): boolean {
  return u !== undefined && u.role === 'builder' && u.status !== 'archived';
}

export function computeImpact(before: WorkspaceState, after: WorkspaceState, ops: readonly Op[]): Impact {
  const touched = touchedBy(before, after, ops);
  const affected = new Set(touched.users);
  for (const id of touched.groups) {
    for (const g of [before.groups.get(id), after.groups.get(id)])
      if (g) for (const m of g.members) affected.add(m);
  }
  if (touched.defaultRoles.size > 0)
    for (const u of after.users.values()) {
      const old = before.users.get(u.id);
      if (touched.defaultRoles.has(u.role) || (old && touched.defaultRoles.has(old.role))) affected.add(u.id);
    }

  // Groups whose permissions changed (not only their members): only these can change a bystander's access.
  const contentChanged = new Set<string>();
  for (const id of touched.groups) {
    const g0 = before.groups.get(id);
    const g1 = after.groups.get(id);
    if (
      !g0 ||
      !g1 ||
      g0.grants !== g1.grants ||
      g0.deletedAt !== g1.deletedAt ||
      !sameFlags(g0.flags, g1.flags)
    )
      contentChanged.add(id);
  }

  const defaults = new Map<Role, Group>();
  const defaultOf = (role: Role) => {
    let g = defaults.get(role);
    if (!g) defaults.set(role, (g = effectiveDefaultGroup(after, role)));
    return g;
  };

  const roleChanges: RoleChange[] = [];
  const accessChanges: AccessChange[] = [];
  const membershipsAdded: MembershipChange[] = [];
  const membershipsRemoved: MembershipChange[] = [];
  let truncated = false;
  let builderDelta = 0;
  const affectedUsers = new Set<string>();

  for (const userId of affected) {
    const u1 = after.users.get(userId);
    if (!u1) continue;
    const u0 = before.users.get(userId);
    if (u0 && u0.role !== u1.role)
      roleChanges.push({ userId, email: u1.email, name: u1.name, from: u0.role, to: u1.role });
    builderDelta += Number(isBuilderSeat(u1)) - Number(isBuilderSeat(u0));
    let membershipChanged = false;
    for (const id of touched.groups) {
      const g0 = before.groups.get(id);
      const g1 = after.groups.get(id);
      const was = !!g0 && g0.kind === 'custom' && g0.deletedAt === undefined && g0.members.has(userId);
      const is = !!g1 && g1.kind === 'custom' && g1.deletedAt === undefined && g1.members.has(userId);
      const groupName = (g1 ?? g0)?.name ?? '';
      if (was && !is) membershipsRemoved.push({ userId, groupId: id, groupName });
      if (!was && is) membershipsAdded.push({ userId, groupId: id, groupName });
      if (was !== is) membershipChanged = true;
    }
    // A member whose user entity and memberships did not change, in groups whose permissions did not
    // change, keeps exactly the access they had.
    if (
      u0 === u1 &&
      !touched.defaultRoles.has(u1.role) &&
      !membershipChanged &&
      ![...touched.groups].some((id) => contentChanged.has(id) && isMemberOf(before, after, id, userId))
    )
      continue;
    if (truncated && u0 && u0.role !== u1.role) {
      affectedUsers.add(userId); // rows are already cut and the role change counts the user: skip the diff
      continue;
    }
    const a0 = u0 ? accessFor(before, userId) : null;
    const { groups, ignored } = afterGroups(before, after, u1, touched);
    const a1 = new UserAccess(u1, [defaultOf(u1.role), ...groups], ignored);
    let changed = false;
    for (const type of ['app', 'dataSource'] as const) {
      const pool = type === 'app' ? after.apps : after.dataSources;
      const ids = new Set<string>();
      for (const id of a0?.listedIds(type) ?? []) ids.add(id);
      for (const id of a1.listedIds(type)) ids.add(id);
      const none: ResourceAccess = { level: null, hidden: false, via: [] };
      const unchanged: string[] = [];
      const push = (
        resourceId: string,
        resourceName: string,
        x: ResourceAccess,
        y: ResourceAccess,
        exceptIds?: string[],
      ) => {
        changed = true;
        if (accessChanges.length >= MAX_ACCESS_CHANGES) {
          truncated = true;
          return;
        }
        accessChanges.push({
          userId,
          resourceType: type,
          resourceId,
          resourceName,
          before: x.level,
          after: y.level,
          hiddenBefore: x.hidden,
          hiddenAfter: y.hidden,
          ...(exceptIds && exceptIds.length > 0 ? { exceptIds } : {}),
        });
      };
      for (const id of ids) {
        const r = pool.get(id);
        if (!r || r.deletedAt !== undefined) continue;
        const l0 = a0?.hasAccess ? a0.level(type, id) : null;
        const l1 = a1.hasAccess ? a1.level(type, id) : null;
        const h0 = a0?.hasAccess ? a0.hidden(type, id) : false;
        const h1 = a1.hasAccess ? a1.hidden(type, id) : false;
        if (l0 !== l1 || h0 !== h1)
          push(id, r.name, { level: l0, hidden: h0, via: [] }, { level: l1, hidden: h1, via: [] });
        else unchanged.push(id);
      }
      const x = a0?.hasAccess ? a0.allOf(type) : none;
      const y = a1.hasAccess ? a1.allOf(type) : none;
      if (!sameAccess(x, y) && pool.size > ids.size)
        push('*', type === 'app' ? 'All other apps' : 'All other data sources', x, y, unchanged.sort());
    }
    if (changed || (u0 && u0.role !== u1.role)) affectedUsers.add(userId);
  }
  // A deleted app or data source: everyone who could use it loses it.
  for (const op of ops) {
    if (op.type !== 'entity.set' || (op.collection !== 'apps' && op.collection !== 'dataSources')) continue;
    if (op.fields.deletedAt === undefined) continue;
    const type = op.collection === 'apps' ? ('app' as const) : ('dataSource' as const);
    const resource = (type === 'app' ? before.apps : before.dataSources).get(op.id);
    if (!resource || resource.deletedAt !== undefined) continue;
    for (const user of before.users.values()) {
      const a = accessFor(before, user.id);
      if (!a?.hasAccess) continue;
      const level = a.level(type, op.id);
      if (level === null) continue;
      affectedUsers.add(user.id);
      if (accessChanges.length >= MAX_ACCESS_CHANGES) {
        truncated = true;
        continue;
      }
      accessChanges.push({
        userId: user.id,
        resourceType: type,
        resourceId: op.id,
        resourceName: resource.name,
        before: level,
        after: null,
        hiddenBefore: a.hidden(type, op.id),
        hiddenAfter: false,
      });
    }
  }
  const buildersBefore = countBuilders(before);
  return {
    roleChanges,
    accessChanges,
    accessChangesTruncated: truncated,
    membershipsAdded,
    membershipsRemoved,
    buildersBefore,
    buildersAfter: buildersBefore + builderDelta,
    builderDelta,
    usersAffected: affectedUsers.size,
  };
}
