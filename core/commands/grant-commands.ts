/** Granular permission commands: add, update, remove. */
import { fail, MESSAGES } from '../errors.ts';
import type { Grant, WorkspaceState } from '../model.ts';
import { grantFields, type Op } from '../ops.ts';
import { isBuilderLevel } from '../rules/builder-level.ts';
import { type GrantDraft, grantToDraft, validateGrant } from '../rules/grants.ts';
import type { CommandBody } from './command.ts';
import { draft, findGroup, isFailure, type Planner } from './planner.ts';
import { upgradeOps } from './upgrade-ops.ts';

type Of<T extends CommandBody['type']> = Extract<CommandBody, { type: T }>;

export const planGrantAdd: Planner<Of<'grant.add'>> = ({ state, now, newId }, c) => {
  const group = findGroup(state, c.groupId);
  if (isFailure(group)) return group;
  const valid = validateGrant(state, group, c.grant);
  if (!valid.ok) return valid;
  const g = valid.value;
  const grantId = newId();
  const ops: Op[] = [
    {
      type: 'grant.create',
      groupId: group.id,
      grantId,
      fields: grantFields(g, now),
      resourceIds: g.resourceIds,
    },
  ];
  if (group.kind === 'custom' && !isBuilderLevel(group)) {
    const grants = new Map<string, Grant>(group.grants).set(grantId, { ...g, id: grantId, createdAt: now });
    ops.push(...upgradeOps(state, group.members, { flags: group.flags, grants }));
  }
  return draft(ops, grantId);
};

export const planGrantUpdate: Planner<Of<'grant.update'>> = ({ state }, c) => {
  const found = findEditableGrant(state, c.groupId, c.grantId);
  if (isFailure(found)) return found;
  const { group, grant } = found;
  const patched: GrantDraft = { ...grantToDraft(grant), ...definedOnly(c.patch) };
  // Hide from dashboard only exists with View: switching to another level clears it.
  const merged = patched.level === 'view' ? patched : { ...patched, hideFromDashboard: false };
  const valid = validateGrant(state, group, merged, grant.id);
  if (!valid.ok) return valid;
  const g = valid.value;
  const fields: Record<string, string | boolean> = {};
  if (g.name !== grant.name) fields.name = g.name;
  // The shape is written whole when any part of it changes: concurrent edits then merge to one edit's
  // shape (one client wins every field), never to one edit's level on the other's resource type.
  const SHAPE = ['resourceType', 'scope', 'level', 'hideFromDashboard'] as const;
  if (SHAPE.some((k) => g[k] !== grant[k])) for (const k of SHAPE) fields[k] = g[k];
  const ops: Op[] = [];
  if (Object.keys(fields).length > 0)
    ops.push({ type: 'grant.set', groupId: group.id, grantId: grant.id, fields });
  const before = new Set(grant.resourceIds);
  const after = new Set(g.resourceIds);
  const add = g.resourceIds.filter((id) => !before.has(id));
  const remove = grant.resourceIds.filter((id) => !after.has(id));
  if (add.length > 0 || remove.length > 0)
    ops.push({ type: 'grant.resources', groupId: group.id, grantId: grant.id, add, remove });
  if (ops.length === 0) return fail('nothing-to-change', 'Nothing to change');
  const nextGrants = new Map<string, Grant>(group.grants);
  nextGrants.set(grant.id, { ...grant, ...g });
  if (group.kind === 'custom')
    ops.push(...upgradeOps(state, group.members, { flags: group.flags, grants: nextGrants }));
  return draft(ops);
};

export const planGrantRemove: Planner<Of<'grant.remove'>> = ({ state, now }, c) => {
  const found = findEditableGrant(state, c.groupId, c.grantId);
  if (isFailure(found)) return found;
  const { group, grant } = found;
  return draft([{ type: 'grant.set', groupId: group.id, grantId: grant.id, fields: { deletedAt: now } }]);
};

/** The live grant of a group whose grants an admin may edit (not Admin's, which are fixed). */
function findEditableGrant(state: WorkspaceState, groupId: string, grantId: string) {
  const group = findGroup(state, groupId);
  if (isFailure(group)) return group;
  if (group.role === 'admin') return fail('admin-group-not-editable', MESSAGES.adminNotEditable);
  const grant = group.grants.get(grantId);
  if (!grant || grant.deletedAt !== undefined) return fail('not-found', 'Permission not found', { grantId });
  return { group, grant };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
