/**
 * Membership commands: add members (with a source and an optional expiry), remove one source's
 * memberships, and change a membership's expiry (extend, shorten, make permanent). A connection (SSO,
 * SCIM) names its own source and so adds and removes only its own memberships (SPEC §8).
 */
import { fail } from '../errors.ts';
import type { Group, MembershipSource } from '../model.ts';
import type { Op } from '../ops.ts';
import { DEFAULT_GROUP_MESSAGES } from '../rules/default-groups.ts';
import { checkExpiry, checkSource, isLiveMembership } from '../rules/memberships.ts';
import { checkCanJoinGroup } from '../rules/roles.ts';
import type { CommandBody } from './command.ts';
import { draft, findGroup, findUser, isFailure, type Planner } from './planner.ts';
import { upgradeOps } from './upgrade-ops.ts';

type Of<T extends CommandBody['type']> = Extract<CommandBody, { type: T }>;

/** A live custom group, or the failure to return. */
function customGroup(state: Parameters<typeof findGroup>[0], groupId: string) {
  const group = findGroup(state, groupId);
  if (isFailure(group)) return group;
  if (group.kind === 'default') return fail('default-group-members', DEFAULT_GROUP_MESSAGES.members);
  return group;
}

const held = (group: Group, userId: string, source: MembershipSource) =>
  group.memberships.get(userId)?.find((m) => m.source === source);

/**
 * Adds each user's membership of `source` (default manual) until `expiresAt` (default permanent). A user
 * who already holds that source's membership for at least as long is left as is: adding never shortens.
 * Joining a builder-level group upgrades End-users (rule 4: consent).
 */
export const planAddMembers: Planner<Of<'group.addMembers'>> = ({ state, now }, c) => {
  const group = customGroup(state, c.groupId);
  if (isFailure(group)) return group;
  const source = checkSource(c.source);
  if (!source.ok) return source;
  const expiry = checkExpiry(c.expiresAt, now);
  if (!expiry.ok) return expiry;
  if (c.userIds.length === 0) return fail('invalid-input', 'Select at least one user');
  const ops: Op[] = [];
  const joining: string[] = [];
  for (const userId of new Set(c.userIds)) {
    const user = findUser(state, userId);
    if (isFailure(user)) return user;
    const can = checkCanJoinGroup(user);
    if (!can.ok) return can;
    const current = held(group, userId, source.value);
    const lasts =
      current !== undefined &&
      isLiveMembership(current, now) &&
      (current.expiresAt === undefined || (expiry.value !== undefined && current.expiresAt >= expiry.value));
    if (lasts) continue;
    if (!group.members.has(userId)) joining.push(userId);
    ops.push({
      type: 'member.add',
      groupId: group.id,
      userId,
      at: now,
      source: source.value,
      expiresAt: expiry.value,
    });
  }
  if (ops.length === 0) return fail('already-member', 'The selected users are already in this group');
  ops.push(...upgradeOps(state, joining, group));
  return draft(ops);
};

/** Removes the user's memberships of `source`, or of every source when it is omitted (the user leaves). */
export const planRemoveMember: Planner<Of<'group.removeMember'>> = ({ state, now }, c) => {
  const group = customGroup(state, c.groupId);
  if (isFailure(group)) return group;
  let source: MembershipSource | undefined;
  if (c.source !== undefined) {
    const checked = checkSource(c.source);
    if (!checked.ok) return checked;
    source = checked.value;
  }
  const has = source === undefined ? group.memberships.has(c.userId) : held(group, c.userId, source);
  if (!has)
    return fail(
      'not-member',
      source === undefined
        ? 'The user is not in this group'
        : `The user has no ${source} membership of this group`,
    );
  return draft([{ type: 'member.remove', groupId: group.id, userId: c.userId, source, at: now }]);
};

/** Sets the expiry of the user's membership of `source` (default manual): a later or earlier time, or null (permanent). */
export const planSetMemberExpiry: Planner<Of<'group.setMemberExpiry'>> = ({ state, now }, c) => {
  const group = customGroup(state, c.groupId);
  if (isFailure(group)) return group;
  const source = checkSource(c.source);
  if (!source.ok) return source;
  const expiry = checkExpiry(c.expiresAt, now);
  if (!expiry.ok) return expiry;
  const user = findUser(state, c.userId);
  if (isFailure(user)) return user;
  const current = held(group, c.userId, source.value);
  if (!current) return fail('not-member', `The user has no ${source.value} membership of this group`);
  if (current.expiresAt === expiry.value)
    return fail('nothing-to-change', 'The membership already ends then');
  const ops: Op[] = [];
  const joining = !group.members.has(c.userId);
  if (joining) {
    // Renewing an expired membership joins the group again: the rules of joining apply.
    const can = checkCanJoinGroup(user);
    if (!can.ok) return can;
  }
  ops.push({
    type: 'member.add',
    groupId: group.id,
    userId: c.userId,
    at: now,
    source: source.value,
    expiresAt: expiry.value,
  });
  if (joining) ops.push(...upgradeOps(state, [c.userId], group));
  return draft(ops);
};
