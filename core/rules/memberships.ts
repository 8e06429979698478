/**
 * Memberships with a source and an expiry (SPEC §8, §11). A membership is live until its expiry: from that
 * moment it gives no access anywhere, whether or not the server has removed it yet. Readers decide at the
 * time they read a group (read-entities.ts `readGroup`): its `members` holds only users with a live
 * membership, so every rule, access computation, impact and repair sees an expired membership as absent.
 * The server's clock is the one that decides (its reader, its summaries, its cleanup); a replica may show
 * an expiry but a client never enforces it alone.
 *
 * Roles never expire: a membership only ever adds a custom group, and admin access comes from the role,
 * so no expiry can leave a workspace without an admin (rule 6).
 */

import { isMembershipSource, MAX_EXPIRY_MS } from '../doc/member-tokens.ts';
import { fail, ok, type Result } from '../errors.ts';
import type { Group, Membership, MembershipSource, WorkspaceState } from '../model.ts';

export { isMembershipSource } from '../doc/member-tokens.ts';

/** True while a membership gives access: permanent, or `now` before its expiry. */
export const isLiveMembership = (m: Membership, now: number): boolean =>
  m.expiresAt === undefined || now < m.expiresAt;

/** The users holding at least one live membership at `now`. */
export function liveMembers(
  memberships: ReadonlyMap<string, readonly Membership[]>,
  now: number,
): Set<string> {
  const out = new Set<string>();
  for (const [userId, held] of memberships)
    for (const m of held)
      if (isLiveMembership(m, now)) {
        out.add(userId);
        break;
      }
  return out;
}

/** When a user's membership of a group ends: undefined while any source's is permanent, else the latest expiry. */
export function membershipEnd(held: readonly Membership[]): number | undefined {
  let end = 0;
  for (const m of held) {
    if (m.expiresAt === undefined) return undefined;
    end = Math.max(end, m.expiresAt);
  }
  return end;
}

/** One user's memberships of a group, as shells list them. */
export interface GroupMembership {
  readonly userId: string;
  /** One entry per source, expired ones included until removed. */
  readonly memberships: readonly Membership[];
  /** True when a membership is live at the time asked: the user is a member. */
  readonly live: boolean;
  /** When the user stops being a member (undefined: permanent through some source). */
  readonly expiresAt?: number | undefined;
}

/**
 * Every membership of a custom group with its sources, sorted by user id; with `source`, only the users
 * holding a membership of that source (an SSO or SCIM connection's own). Undefined for an unknown group.
 */
export function groupMemberships(
  state: WorkspaceState,
  groupId: string,
  now: number,
  source?: MembershipSource,
): GroupMembership[] | undefined {
  const group = state.groups.get(groupId);
  if (!group) return undefined;
  const out: GroupMembership[] = [];
  for (const [userId, held] of group.memberships) {
    if (source !== undefined && !held.some((m) => m.source === source)) continue;
    const live = held.filter((m) => isLiveMembership(m, now));
    out.push({
      userId,
      memberships: held,
      live: live.length > 0,
      expiresAt: membershipEnd(live.length ? live : held),
    });
  }
  return out.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

const nextCache = new WeakMap<Group, number>();

/** The first expiry of `group` after `now` (Infinity: none). Memoised per group object past `now`. */
export function groupNextExpiry(group: Group, now: number): number {
  const cached = nextCache.get(group);
  if (cached !== undefined && cached > now) return cached;
  let next = Number.POSITIVE_INFINITY;
  if (group.kind === 'custom' && group.deletedAt === undefined)
    for (const held of group.memberships.values())
      for (const m of held)
        if (m.expiresAt !== undefined && m.expiresAt > now && m.expiresAt < next) next = m.expiresAt;
  nextCache.set(group, next);
  return next;
}

/** The first membership expiry of the workspace after `now` (Infinity: none): when to read access again. */
export function nextExpiry(state: WorkspaceState, now: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const g of state.groups.values()) next = Math.min(next, groupNextExpiry(g, now));
  return next;
}

/** A stored membership that has expired (what the server removes and audits as "expired"). */
export interface ExpiredMembership {
  readonly groupId: string;
  readonly userId: string;
  readonly source: MembershipSource;
  readonly expiresAt: number;
}

/** Every stored membership expired at `now`, in live custom groups, by group then user. */
export function expiredMemberships(state: WorkspaceState, now: number): ExpiredMembership[] {
  const out: ExpiredMembership[] = [];
  for (const g of state.groups.values()) {
    if (g.kind !== 'custom' || g.deletedAt !== undefined) continue;
    for (const [userId, held] of g.memberships)
      for (const m of held)
        if (m.expiresAt !== undefined && !isLiveMembership(m, now))
          out.push({ groupId: g.id, userId, source: m.source, expiresAt: m.expiresAt });
  }
  return out.sort((a, b) => a.groupId.localeCompare(b.groupId) || a.userId.localeCompare(b.userId));
}

/** A command's membership expiry: absent (permanent), or an integer time after `now`. */
export function checkExpiry(expiresAt: unknown, now: number): Result<number | undefined> {
  if (expiresAt === undefined || expiresAt === null) return ok(undefined);
  if (typeof expiresAt !== 'number' || !Number.isInteger(expiresAt) || expiresAt > MAX_EXPIRY_MS)
    return fail('invalid-input', 'The expiry must be a time (epoch milliseconds)');
  if (expiresAt <= now) return fail('invalid-input', 'The expiry must be in the future');
  return ok(expiresAt);
}

/** A command's membership source: absent means manual. */
export function checkSource(source: unknown): Result<MembershipSource> {
  if (source === undefined) return ok('manual');
  if (isMembershipSource(source)) return ok(source);
  return fail('invalid-input', 'The source must be manual, sso:<connection id> or scim:<connection id>');
}
