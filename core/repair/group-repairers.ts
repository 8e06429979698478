/** Repairers of groups: members of deleted groups, default-group limits, dangling grants, who may be a member. */
import {
  FLAG_LABELS,
  FLAGS,
  type Grant,
  type Group,
  LEVEL_LABELS,
  type User,
  type WorkspaceState,
} from '../model.ts';
import { hasAnyFlag, isBuilderLevelGrant } from '../rules/builder-level.ts';
import { defaultGroupGrantViolation } from '../rules/default-groups.ts';
import { meetsGroupRole } from '../rules/roles.ts';
import {
  type ConflictCause,
  groupRef,
  type Repairer,
  type RepairStep,
  sortedByAge,
  userRef,
} from './repair-step.ts';

function liveCustomGroups(state: WorkspaceState): Group[] {
  return sortedByAge(state.groups.values()).filter((g) => g.kind === 'custom' && g.deletedAt === undefined);
}

function liveGroupsWithGrants(step: RepairStep, visit: (g: Group, grant: Grant) => void): void {
  for (const g of sortedByAge(step.state.groups.values())) {
    if (g.deletedAt !== undefined) continue;
    for (const grant of sortedByAge(g.grants.values())) if (grant.deletedAt === undefined) visit(g, grant);
  }
}

const names = (users: readonly User[]) => users.map((u) => u.name || u.email).join(', ');
const emails = (users: readonly User[]) => users.map((u) => u.email).join(', ');

/** The edit that added `users` to `g` (a membership: its direction is "added"). */
const joinedCause = (g: Group, users: readonly User[]): ConflictCause => ({
  entityId: g.id,
  fields: ['members'],
  text: `Added ${emails(users)} to “${g.name}”`,
});

/** The edits that turned each of `g`'s flags on (each: off → on). */
function flagCauses(g: Group): ConflictCause[] {
  return FLAGS.filter((f) => g.flags[f]).map((f) => ({
    entityId: g.id,
    fields: [f],
    text: `“${g.name}”: ${FLAG_LABELS[f]} off → on`,
  }));
}

/** The edit that added (or changed) a permission of `g`, with what it gives now. */
const grantCause = (g: Group, grant: Grant): ConflictCause => ({
  entityId: g.id,
  fields: ['grants'],
  text: `“${g.name}”: permission “${grant.name}” set to ${LEVEL_LABELS[grant.level]}${
    grant.scope === 'all' ? ` on all ${grant.resourceType === 'app' ? 'apps' : 'data sources'}` : ''
  }`,
});

/** What makes `g` builder-level (rule 3): its flags that are on, its Edit and data-source permissions. */
function builderLevelCauses(g: Group): ConflictCause[] {
  const grants = sortedByAge(g.grants.values()).filter(
    (x) => x.deletedAt === undefined && isBuilderLevelGrant(x),
  );
  return [...flagCauses(g), ...grants.map((x) => grantCause(g, x))];
}

/** A member added while another admin deleted the group. */
export const membersOfDeletedGroups: Repairer = (step) => {
  for (const g of sortedByAge(step.state.groups.values())) {
    if (g.deletedAt === undefined || g.kind !== 'custom' || g.members.size === 0) continue;
    for (const userId of [...g.members].sort()) step.op({ type: 'member.remove', groupId: g.id, userId });
    const users = [...g.members]
      .sort()
      .map((id) => step.state.users.get(id))
      .filter((u) => u !== undefined);
    step.record(
      `Users were added to “${g.name}” while it was deleted`,
      [groupRef(g)],
      `Removed ${g.members.size} membership(s) of the deleted group`,
      [{ entityId: g.id, fields: ['deletedAt'], text: `Deleted “${g.name}”` }, joinedCause(g, users)],
    );
  }
};

/** Grants Builder or End-user may not hold (concurrent edits of the default groups). */
export const defaultGroupGrants: Repairer = (step) =>
  liveGroupsWithGrants(step, (g, grant) => {
    if (g.kind !== 'default' || !g.role || g.role === 'admin' || !defaultGroupGrantViolation(g.role, grant))
      return;
    step.op({ type: 'grant.set', groupId: g.id, grantId: grant.id, fields: { deletedAt: step.now } });
    step.record(
      `The ${g.name} group got a permission it may not hold (“${grant.name}”)`,
      [groupRef(g)],
      `Removed “${grant.name}”`,
      [grantCause(g, grant)],
    );
  });

/** Grants naming apps or data sources that were deleted meanwhile; a grant left naming nothing goes. */
export const grantsOfDeletedResources: Repairer = (step) => {
  const { state, now } = step;
  liveGroupsWithGrants(step, (g, grant) => {
    if (grant.scope !== 'custom') return;
    const pool = grant.resourceType === 'app' ? state.apps : state.dataSources;
    const gone = grant.resourceIds.filter((id) => pool.get(id)?.deletedAt !== undefined || !pool.has(id));
    if (gone.length === 0) return;
    const left = grant.resourceIds.length - gone.length;
    step.op({ type: 'grant.resources', groupId: g.id, grantId: grant.id, add: [], remove: gone });
    if (left === 0)
      step.op({ type: 'grant.set', groupId: g.id, grantId: grant.id, fields: { deletedAt: now } });
    const what = grant.resourceType === 'app' ? 'app(s)' : 'data source(s)';
    const kind = grant.resourceType === 'app' ? 'app' : 'data source';
    const deleted = gone.map((id) => ({
      entityId: id,
      fields: ['deletedAt'],
      text: `Deleted ${kind} “${pool.get(id)?.name ?? id}”`,
    }));
    step.record(
      `Permission “${grant.name}” of “${g.name}” named ${gone.length} ${what} deleted meanwhile`,
      [groupRef(g)],
      left === 0
        ? 'Removed the permission, which named nothing else'
        : 'Removed the deleted resource(s) from the permission',
      [
        { entityId: g.id, fields: ['grants'], text: `“${g.name}”: permission “${grant.name}” edited` },
        ...deleted,
      ],
    );
  });
};

/** The End-user group never holds workspace permissions. */
export const endUserGroupFlags: Repairer = (step) => {
  for (const g of sortedByAge(step.state.groups.values())) {
    if (g.deletedAt !== undefined || g.kind !== 'default' || g.role !== 'end-user' || !hasAnyFlag(g.flags))
      continue;
    const off: Record<string, boolean> = {};
    for (const [f, on] of Object.entries(g.flags)) if (on) off[f] = false;
    step.op({ type: 'entity.set', collection: 'groups', id: g.id, fields: off });
    step.record(
      'The End-user group got workspace permissions',
      [groupRef(g)],
      'Turned them off',
      flagCauses(g),
    );
  }
};

/**
 * Rule 7: a user archived before the merge was added to a group by an edit that had not seen the archive.
 * (A member archived after joining keeps the membership: restoring them is lossless.)
 */
export const archivedMembersAdded: Repairer = (step) => {
  const { state, previous } = step;
  if (!previous) return;
  for (const g of liveCustomGroups(state)) {
    const was = previous.groups.get(g.id);
    const added: User[] = [];
    for (const userId of [...g.members].sort()) {
      const user = state.users.get(userId);
      if (was?.members.has(userId) || user?.status !== 'archived') continue;
      if (previous.users.get(userId)?.status === 'archived') added.push(user);
    }
    if (added.length === 0) continue;
    for (const u of added) step.op({ type: 'member.remove', groupId: g.id, userId: u.id });
    step.record(
      `${names(added)} (archived) ended up in “${g.name}”`,
      [groupRef(g), ...added.map(userRef)],
      `Removed them from “${g.name}”. Restore them first to add them again.`,
      [
        joinedCause(g, added),
        ...added.map((u) => ({ entityId: u.id, fields: ['status'], text: `Archived ${u.email}` })),
      ],
    );
  }
};

/** Rules 4–5: members are users holding the group's role; an End-user in a builder-level group leaves it. */
export const membersBelowGroupRole: Repairer = (step) => {
  const { state } = step;
  for (const g of liveCustomGroups(state)) {
    const tooLow: User[] = [];
    for (const userId of [...g.members].sort()) {
      const user = state.users.get(userId);
      // A member that is no user is dropped without a record: every reader already ignores it.
      if (!user) step.op({ type: 'member.remove', groupId: g.id, userId });
      else if (!meetsGroupRole(user, g)) tooLow.push(user);
    }
    if (tooLow.length === 0) continue;
    for (const u of tooLow) step.op({ type: 'member.remove', groupId: g.id, userId: u.id });
    step.record(
      `${names(tooLow)} (End-user) ended up in “${g.name}”, a builder-level group`,
      [groupRef(g), ...tooLow.map(userRef)],
      `Removed them from “${g.name}”. Re-apply to add them again and make them Builders.`,
      [
        joinedCause(g, tooLow),
        ...builderLevelCauses(g),
        ...tooLow.map((u) => ({
          entityId: u.id,
          fields: ['role'],
          text: `${u.email}: role changed to End-user`,
        })),
      ],
    );
  }
};
