/**
 * Group sync at sign-in, by the source rules (issue 13, SPEC §8): an SSO connection adds and removes only
 * its own memberships (`sso:<connection id>`), only in the groups its mapping names; memberships of any
 * other source (manual, SCIM, another connection) are never touched. A role mapping only ever raises a
 * role, so no sync downgrades anyone, the last active admin included. An upgrade (a role, or an End-user
 * joining a builder-level group) happens only through a mapping whose impact an admin confirmed when
 * saving it; otherwise it is held as a conflict for an admin.
 *
 * `syncSteps` is pure: the commands a sign-in would run. `previewSync` plans them for many users on the
 * current state (the mapping's "impact now"); the sign-in runs them through the live doc (sso-sign-in.ts).
 */
import {
  type Command,
  type Impact,
  type MembershipSource,
  plan,
  type Role,
  type RoleChange,
  roleRank,
  type WorkspaceState,
} from '../../../core/index.ts';
import type { SsoConnection, SsoGroupMapping, SsoUserGroups } from '../../storage/sso-store.ts';

export const ssoSource = (connectionId: string): MembershipSource => `sso:${connectionId}`;

export type SyncStep =
  | { readonly kind: 'role'; readonly command: Command; readonly role: Role; readonly confirmed: boolean }
  | {
      readonly kind: 'join';
      readonly command: Command;
      readonly groupId: string;
      readonly groupName: string;
      readonly confirmed: boolean;
    }
  | {
      readonly kind: 'leave';
      readonly command: Command;
      readonly groupId: string;
      readonly groupName: string;
      /** `idp-group`: the IdP no longer lists the person; `mapping-removed`: no mapping names the group. */
      readonly reason: LeaveReason;
    };
export type LeaveReason = 'idp-group' | 'mapping-removed';
type LeaveStep = Extract<SyncStep, { kind: 'leave' }>;

const leaveStep = (
  groupId: string,
  groupName: string,
  userId: string,
  source: MembershipSource,
  reason: LeaveReason,
): LeaveStep => ({
  kind: 'leave',
  groupId,
  groupName,
  reason,
  command: { type: 'group.removeMember', groupId, userId, source },
});

const isConfirmed = (m: SsoGroupMapping) => m.confirmedBy !== null;

/** The steps that bring `userId` in line with `idpGroups` under the connection's mappings, in order. */
export function syncSteps(
  state: WorkspaceState,
  connection: Pick<SsoConnection, 'id' | 'mappings'>,
  userId: string,
  idpGroups: readonly string[],
): SyncStep[] {
  const user = state.users.get(userId);
  if (!user || user.status === 'archived') return [];
  const source = ssoSource(connection.id);
  const inIdp = new Set(idpGroups);
  const matched = connection.mappings.filter((m) => inIdp.has(m.idpGroup));
  const steps: SyncStep[] = [];

  // The role first: a user made Builder here joins a builder-level group without a second upgrade.
  let best: SsoGroupMapping | null = null;
  for (const m of matched)
    if (
      m.role &&
      (best === null || roleRank(m.role) > roleRank(best.role!) || (m.role === best.role && isConfirmed(m)))
    )
      best = m;
  if (best?.role && roleRank(best.role) > roleRank(user.role)) {
    const confirmed = matched.some((m) => m.role === best.role && isConfirmed(m));
    steps.push({
      kind: 'role',
      role: best.role,
      confirmed,
      command: { type: 'user.setRole', userId, role: best.role, allowRoleChange: confirmed },
    });
  }

  const mappedGroups = new Set(connection.mappings.map((m) => m.groupId));
  for (const groupId of [...mappedGroups].sort()) {
    const group = state.groups.get(groupId);
    if (group?.kind !== 'custom' || group.deletedAt !== undefined) continue;
    const wanting = matched.filter((m) => m.groupId === groupId);
    const own = group.memberships.get(userId)?.some((m) => m.source === source) ?? false;
    if (wanting.length > 0 && !own) {
      const confirmed = wanting.some(isConfirmed);
      steps.push({
        kind: 'join',
        groupId,
        groupName: group.name,
        confirmed,
        command: { type: 'group.addMembers', groupId, userIds: [userId], source, allowRoleChange: confirmed },
      });
    } else if (wanting.length === 0 && own)
      steps.push(leaveStep(groupId, group.name, userId, source, 'idp-group'));
  }
  return steps;
}

/**
 * The connection's own memberships in groups that `mappings` no longer names (a mapping removed or
 * re-pointed, or the connection deleted: `[]`). Sign-ins only look at mapped groups, so saving the
 * mapping is what removes these; other sources' memberships in those groups are not listed.
 */
export function unmappedSteps(
  state: WorkspaceState,
  connectionId: string,
  mappings: readonly Pick<SsoGroupMapping, 'groupId'>[],
): { readonly userId: string; readonly step: LeaveStep }[] {
  const source = ssoSource(connectionId);
  const mapped = new Set(mappings.map((m) => m.groupId));
  const out: { userId: string; step: LeaveStep }[] = [];
  for (const [groupId, group] of [...state.groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (mapped.has(groupId) || group.kind !== 'custom' || group.deletedAt !== undefined) continue;
    for (const [userId, ms] of group.memberships)
      if (ms.some((m) => m.source === source))
        out.push({ userId, step: leaveStep(groupId, group.name, userId, source, 'mapping-removed') });
  }
  return out;
}

/** What saving a mapping would change now, from each user's last known IdP groups. */
export interface SyncPreview {
  readonly joins: readonly { userId: string; email: string; groupId: string; groupName: string }[];
  readonly leaves: readonly {
    userId: string;
    email: string;
    groupId: string;
    groupName: string;
    reason: LeaveReason;
  }[];
  readonly roleChanges: readonly RoleChange[];
  /** Upgrades that would wait as conflicts because their mapping is not confirmed. */
  readonly held: readonly { userId: string; email: string; what: string }[];
  readonly seatsBefore: number;
  readonly seatsAfter: number;
  readonly seatDelta: number;
  /** Users whose IdP groups are known (they signed in through this connection at least once). */
  readonly usersKnown: number;
}

const upgrades = (i: Impact) => i.roleChanges.some((r) => roleRank(r.to) > roleRank(r.from));

/**
 * Plans the removal of the connection's memberships in groups no longer mapped (every holder, known or
 * not), then every known user's steps, one after the other on the current state (nothing is written). Each
 * upgrade is planned as if confirmed, so the preview shows what confirming the mapping would do; the
 * upgrades of unconfirmed mappings are listed as held too.
 */
export function previewSync(
  state: WorkspaceState,
  connection: Pick<SsoConnection, 'id' | 'mappings'>,
  known: readonly SsoUserGroups[],
  now: number,
): SyncPreview {
  let s = state;
  const joins: SyncPreview['joins'][number][] = [];
  const leaves: SyncPreview['leaves'][number][] = [];
  const roleChanges: RoleChange[] = [];
  const held: SyncPreview['held'][number][] = [];
  let seatsBefore: number | null = null;
  let seatsAfter: number | null = null;
  // Each user's steps touch only that user, and the unmapped ones only groups the sign-in steps skip.
  const steps = [
    ...unmappedSteps(state, connection.id, connection.mappings),
    ...known.flatMap((k) =>
      syncSteps(state, connection, k.userId, k.groups).map((step) => ({ userId: k.userId, step })),
    ),
  ];
  for (const { userId, step } of steps) {
    const p = plan(s, { ...step.command, allowRoleChange: true }, { now });
    if (!p.ok) continue;
    const email = s.users.get(userId)?.email ?? '';
    const { impact } = p.value;
    seatsBefore ??= impact.seatsBefore;
    seatsAfter = impact.seatsAfter;
    roleChanges.push(...impact.roleChanges);
    if (step.kind === 'join') joins.push({ userId, email, groupId: step.groupId, groupName: step.groupName });
    if (step.kind === 'leave')
      leaves.push({ userId, email, groupId: step.groupId, groupName: step.groupName, reason: step.reason });
    if (step.kind !== 'leave' && !step.confirmed && upgrades(impact))
      held.push({ userId, email, what: describeStep(step) });
    s = p.value.after;
  }
  const before = seatsBefore ?? 0;
  const after = seatsAfter ?? before;
  return {
    joins,
    leaves,
    roleChanges,
    held,
    seatsBefore: before,
    seatsAfter: after,
    seatDelta: after - before,
    usersKnown: known.length,
  };
}

const ROLE_NAMES: Readonly<Record<Role, string>> = {
  admin: 'Admin',
  builder: 'Builder',
  'end-user': 'End-user',
};

export function describeStep(step: SyncStep): string {
  if (step.kind === 'role') return `role raised to ${ROLE_NAMES[step.role]}`;
  if (step.kind === 'join') return `joined ${step.groupName}`;
  return `left ${step.groupName}${step.reason === 'mapping-removed' ? ' (mapping removed)' : ''}`;
}
