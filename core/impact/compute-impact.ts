/**
 * Rule 9: the impact of a change, as a diff between the state before and after its ops, restricted to the
 * users the ops can affect. Access is compared in compact form, so "every other app" is one row ('*').
 */

import type { User, WorkspaceState } from '../model.ts';
import type { Op } from '../ops.ts';
import { accessDiff, deletedResourceLosses } from './access-diff.ts';
import {
  affectedUsers,
  ImpactDiff,
  type ImpactShortcuts,
  IS_MEMBER,
  isBuilderSeat,
  isPaidSeat,
  type Touched,
  touchedBy,
  WAS_MEMBER,
} from './impact-diff.ts';
import type { Impact } from './impact-types.ts';

export type { AccessChange, Impact, MembershipChange, RoleChange } from './impact-types.ts';
export { MAX_ACCESS_CHANGES } from './impact-types.ts';

/** The user's memberships the ops added or removed; true when there is any. */
function membershipChanges(d: ImpactDiff, userId: string): boolean {
  let changed = false;
  const { groups, bits } = d.touchedGroupsOf(userId);
  for (let i = 0; i < groups.length; i++) {
    const was = (bits[i]! & WAS_MEMBER) !== 0;
    const is = (bits[i]! & IS_MEMBER) !== 0;
    if (was === is) continue;
    const { id: groupId, name: groupName } = groups[i]!;
    (was ? d.membershipsRemoved : d.membershipsAdded).push({ userId, groupId, groupName });
    changed = true;
  }
  return changed;
}

/**
 * A member whose user entity changed nothing access reads (a rename) and whose memberships did not
 * change, in groups whose permissions did not change, keeps exactly the access they had.
 */
function keepsAccess(d: ImpactDiff, u0: User | undefined, u1: User, membershipChanged: boolean): boolean {
  if (!d.keepsUserAccess(u0, u1) || d.touched.defaultRoles.has(u1.role) || membershipChanged) return false;
  for (const g of d.touchedGroupsOf(u1.id).groups) if (d.contentChanged.has(g.id)) return false;
  return true;
}

/** Step 2, for one affected user: role change, seat, memberships and access, before against after. */
function diffUser(d: ImpactDiff, userId: string): void {
  const u1 = d.after.users.get(userId);
  if (!u1) return;
  const u0 = d.before.users.get(userId);
  const roleChanged = u0 !== undefined && u0.role !== u1.role;
  if (roleChanged) d.roleChanges.push({ userId, email: u1.email, name: u1.name, from: u0.role, to: u1.role });
  d.builderDelta += Number(isBuilderSeat(u1)) - Number(isBuilderSeat(u0));
  d.seatDelta += Number(isPaidSeat(u1)) - Number(isPaidSeat(u0));
  const membershipChanged = membershipChanges(d, userId);
  if (keepsAccess(d, u0, u1, membershipChanged)) return;
  // Rows are already cut and the role change counts the user (or the caller wants only the rows), or the
  // caller knows the access is the same on every resource (history's diff, from compiled codes): no diff.
  const cut = d.access.truncated && (roleChanged || d.shortcuts.rowsOnly === true);
  const skip = cut || d.shortcuts.sameAccess?.(userId) === true;
  const changed = !skip && accessDiff(d, u0, u1);
  if (changed || roleChanged) d.affectedUsers.add(userId);
}

export function computeImpact(before: WorkspaceState, after: WorkspaceState, ops: readonly Op[]): Impact {
  return impactBetween(before, after, ops, touchedBy(before, after, ops));
}

/** `computeImpact` the full way: every access from the states' O(workspace) indexes (the fast path's reference). */
export function computeImpactFull(before: WorkspaceState, after: WorkspaceState, ops: readonly Op[]): Impact {
  return impactBetween(before, after, ops, touchedBy(before, after, ops), true);
}

/**
 * The impact between two states given what differs between them (`touched`) and the ops of any resource
 * deletions: for history (issue 15), where the two states are two moments, not one change's ops. It reads
 * `before`'s access from its compiled form, kept incrementally, so a one-entity change costs O(change);
 * `full` reads the O(workspace) access index instead (the reference the fast path is tested against).
 */
export function impactBetween(
  before: WorkspaceState,
  after: WorkspaceState,
  ops: readonly Op[],
  touched: Touched,
  full = false,
  shortcuts: ImpactShortcuts = {},
): Impact {
  const d = new ImpactDiff(before, after, touched, full, shortcuts);
  for (const userId of affectedUsers(before, after, touched)) diffUser(d, userId);
  deletedResourceLosses(d, ops);
  return d.result();
}
