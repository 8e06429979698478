/**
 * What a duplicate copies (issue 11 #3), once for the command and the dialog that shows it.
 *
 * The copy is always a custom group named `<name>_copy` (`_copy_1`, …). A custom group's copy takes the
 * ticked parts as stored. A default group's copy takes its *effective* permissions — Admin's built-in
 * flags and grants, Builder's and End-user's as access reads them — and, with Users ticked, the users who
 * have that role now (they keep their role). Members are copied only where the rules allow (not archived,
 * a role high enough for the copy); every one left out is listed with the reason, never dropped silently.
 */
import {
  FLAGS,
  type Flag,
  type Flags,
  type Grant,
  type Group,
  NO_FLAGS,
  ROLE_LABELS,
  type User,
  type WorkspaceState,
} from '../model.ts';
import { effectiveDefaultGroup } from '../rules/default-groups.ts';
import { duplicateName } from '../rules/names.ts';
import { checkCanJoinGroup, isDefaultGroupMember, meetsGroupRole } from '../rules/roles.ts';
import type { DuplicateParts } from './command.ts';

/** A user the copy will not hold, and why. */
export interface SkippedMember {
  readonly user: User;
  readonly reason: string;
}

export interface DuplicateContents {
  /** The copy's name. */
  readonly name: string;
  /** The flags the copy will have (all off unless Permissions is ticked). */
  readonly flags: Flags;
  /** The flags that will be on, in FLAGS order (what the dialog lists). */
  readonly flagsOn: readonly Flag[];
  /** The grants copied: app grants with App access, data-source grants with Data source access. */
  readonly grants: readonly Grant[];
  /** The users who become members, by email. */
  readonly members: readonly User[];
  /** Users of the original (members, or the role's users) left out, with the reason. */
  readonly skipped: readonly SkippedMember[];
  /**
   * For a default group: how its copy differs from the original (a custom group holding the role's
   * permissions; members are the role's users now). Null for a custom group.
   */
  readonly note: string | null;
}

function byEmail(a: User, b: User): number {
  return a.email < b.email ? -1 : a.email > b.email ? 1 : 0;
}

/** The users a group holds: a custom group's members, or the users with a default group's role. */
function originalUsers(state: WorkspaceState, group: Group): User[] {
  const out: User[] = [];
  if (group.kind === 'default') {
    const role = group.role;
    // Archived users of that role are not members of the role's group, so not "left out" either.
    if (role) for (const u of state.users.values()) if (isDefaultGroupMember(u, role)) out.push(u);
  } else
    for (const id of group.members) {
      const u = state.users.get(id);
      if (u) out.push(u);
    }
  return out.sort(byEmail);
}

/** Exactly what duplicating `group` with `parts` creates (the command writes this, the dialog shows it). */
export function duplicateContents(
  state: WorkspaceState,
  group: Group,
  parts: DuplicateParts,
): DuplicateContents {
  const source = group.kind === 'default' && group.role ? effectiveDefaultGroup(state, group.role) : group;
  const flags = parts.permissions ? source.flags : NO_FLAGS;
  const grants: Grant[] = [];
  for (const g of source.grants.values()) {
    if (g.deletedAt !== undefined) continue;
    if (g.resourceType === 'app' ? parts.apps : parts.dataSources) grants.push(g);
  }
  grants.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const copy = { flags, grants: new Map(grants.map((g) => [g.id, g])) };
  const members: User[] = [];
  const skipped: SkippedMember[] = [];
  if (parts.users)
    for (const user of originalUsers(state, group)) {
      const can = checkCanJoinGroup(user);
      if (!can.ok) skipped.push({ user, reason: can.error.message });
      else if (!meetsGroupRole(user, copy))
        skipped.push({
          user,
          reason: `${ROLE_LABELS[user.role]}s cannot be in a group with these permissions (a merge left this membership invalid)`,
        });
      else members.push(user);
    }
  const role = group.kind === 'default' ? group.role : undefined;
  const note = role
    ? `The copy is a custom group with the ${ROLE_LABELS[role]} role’s permissions as they are now${
        parts.users
          ? `; its users are the users who have the ${ROLE_LABELS[role]} role now (their role does not change)`
          : ''
      }.`
    : null;
  return {
    name: duplicateName(state, group.name),
    flags,
    flagsOn: FLAGS.filter((f) => flags[f]),
    grants,
    members,
    skipped,
    note,
  };
}
