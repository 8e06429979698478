/** Group commands: create, rename, delete, duplicate, flags (members: member-commands.ts). */
import { fail, MESSAGES } from '../errors.ts';
import { FLAGS, type Flags, NO_FLAGS } from '../model.ts';
import type { Op } from '../ops.ts';
import { grantFields } from '../ops.ts';
import { hasAnyFlag } from '../rules/builder-level.ts';
import { validateGroupName } from '../rules/names.ts';
import type { CommandBody } from './command.ts';
import { duplicateContents } from './duplicate-contents.ts';
import { draft, findGroup, isFailure, type PlanEnv, type Planner } from './planner.ts';
import { upgradeOps } from './upgrade-ops.ts';

type Of<T extends CommandBody['type']> = Extract<CommandBody, { type: T }>;

export const planGroupCreate: Planner<Of<'group.create'>> = ({ state, now, newId }, c) => {
  const name = validateGroupName(state, c.name);
  if (!name.ok) return name;
  const id = newId();
  return draft(
    [
      {
        type: 'entity.create',
        collection: 'groups',
        id,
        fields: { name: name.value, kind: 'custom', createdAt: now, ...NO_FLAGS },
      },
    ],
    id,
  );
};

export const planGroupRename: Planner<Of<'group.rename'>> = ({ state }, c) => {
  const group = findGroup(state, c.groupId);
  if (isFailure(group)) return group;
  if (group.kind === 'default') return fail('default-group-rename', MESSAGES.defaultGroupRename);
  const name = validateGroupName(state, c.name, group.id);
  if (!name.ok) return name;
  return draft([{ type: 'entity.set', collection: 'groups', id: group.id, fields: { name: name.value } }]);
};

export const planGroupDelete: Planner<Of<'group.delete'>> = ({ state, now }, c) => {
  const group = findGroup(state, c.groupId);
  if (isFailure(group)) return group;
  if (group.kind === 'default') return fail('default-group-delete', MESSAGES.defaultGroupDelete);
  // Members leave with the group, so a member still listed under a tombstone can only come from a merge.
  // Expired memberships not yet removed go too.
  const ops: Op[] = [...group.memberships.keys()]
    .sort()
    .map((userId) => ({ type: 'member.remove', groupId: group.id, userId, at: now }));
  ops.push({ type: 'entity.set', collection: 'groups', id: group.id, fields: { deletedAt: now } });
  return draft(ops);
};

export const planGroupDuplicate: Planner<Of<'group.duplicate'>> = (env, c) => {
  const { state, now, newId } = env;
  const group = findGroup(state, c.groupId);
  if (isFailure(group)) return group;
  const { parts } = c;
  if (!parts.users && !parts.permissions && !parts.apps && !parts.dataSources)
    return fail('duplicate-needs-a-part', 'Select at least one part of the group to duplicate');
  const copy = duplicateContents(state, group, parts);
  const id = newId();
  const ops: Op[] = [
    {
      type: 'entity.create',
      collection: 'groups',
      id,
      fields: { name: copy.name, kind: 'custom', createdAt: now, ...copy.flags },
    },
  ];
  for (const g of copy.grants)
    ops.push({
      type: 'grant.create',
      groupId: id,
      grantId: newId(),
      fields: grantFields(g, now),
      resourceIds: g.resourceIds,
    });
  for (const user of copy.members) ops.push({ type: 'member.add', groupId: id, userId: user.id, at: now });
  return draft(ops, id);
};

export const planSetFlags: Planner<Of<'group.setFlags'>> = (env: PlanEnv, c) => {
  const { state } = env;
  const group = findGroup(state, c.groupId);
  if (isFailure(group)) return group;
  if (group.role === 'admin') return fail('admin-group-not-editable', MESSAGES.adminNotEditable);
  const fields: Record<string, boolean> = {};
  const next = { ...group.flags } as Record<keyof Flags, boolean>;
  for (const f of FLAGS) {
    const v = c.flags[f];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') return fail('invalid-input', `Flag ${f} must be true or false`);
    fields[f] = v;
    next[f] = v;
  }
  for (const k of Object.keys(c.flags))
    if (!(FLAGS as readonly string[]).includes(k)) return fail('invalid-input', `Unknown permission “${k}”`);
  if (group.role === 'end-user' && hasAnyFlag(next))
    return fail('end-user-view-only', MESSAGES.endUserViewOnly);
  const ops: Op[] = [{ type: 'entity.set', collection: 'groups', id: group.id, fields }];
  if (group.kind === 'custom')
    ops.push(...upgradeOps(state, group.members, { flags: next, grants: group.grants }));
  return draft(ops);
};
