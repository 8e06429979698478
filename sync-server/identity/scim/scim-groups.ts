/**
 * `/Groups` ↔ the custom groups this connection created (its links): list (filter, paging, oldest first;
 * `excludedAttributes=members`), read, create, replace, patch (members add / remove / replace, rename),
 * delete. Members are users by id; this connection's memberships only (scim-memberships.ts). Adding
 * End-users to a builder-level group makes them Builders only when the connection may upgrade roles;
 * otherwise they are held as a conflict an admin re-applies in one step (core's reapply).
 */

import { z } from 'zod';
import { type Command, type Group, isBuilderLevel, isLive } from '../../../core/index.ts';
import type { ScimLink } from '../../storage/scim-store.ts';
import { holdForAdmin, run, runAll, type ScimContext } from './scim-context.ts';
import { notFound, ScimError } from './scim-error.ts';
import { checkIfMatch, etagOf } from './scim-etag.ts';
import { compileFilter, type FilterVocabulary } from './scim-filter.ts';
import { excluded, listResponse, pageOf } from './scim-list.ts';
import { addMembersCommand, connectionMembers, removeMemberCommand } from './scim-memberships.ts';
import { applyPatch, memberOfPath, normalisePatch } from './scim-patch-ops.ts';
import { GROUP_SCHEMA, MAX_OPERATIONS } from './scim-schemas.ts';
import { checkSchemas, versionOf } from './scim-users.ts';
import { parseBody } from './scim-values.ts';

interface GroupView {
  readonly group: Group;
  readonly link: ScimLink;
  /** The members this connection put there. */
  readonly mine: ReadonlySet<string>;
}

const iso = (ms: number) => new Date(ms).toISOString();

function groupResource(sc: ScimContext, v: GroupView, withMembers = true): Record<string, unknown> {
  const users = sc.live.state().users;
  const members = [...v.mine].sort().map((id) => ({
    value: id,
    display: users.get(id)?.email,
    $ref: `${sc.base}/Users/${id}`,
  }));
  const r: Record<string, unknown> = {
    schemas: [GROUP_SCHEMA],
    id: v.group.id,
    ...(v.link.externalId ? { externalId: v.link.externalId } : {}),
    displayName: v.group.name,
    members,
  };
  const meta = {
    resourceType: 'Group',
    created: iso(v.group.createdAt),
    lastModified: iso(Math.max(v.group.createdAt, v.link.updatedAt)),
    location: `${sc.base}/Groups/${v.group.id}`,
    version: etagOf(r),
  };
  if (!withMembers) delete r.members;
  return { ...r, meta };
}

const VOCABULARY: FilterVocabulary<GroupView> = {
  schemas: [GROUP_SCHEMA],
  attributes: {
    id: { get: (v) => v.group.id, caseExact: true },
    displayname: { get: (v) => v.group.name },
    externalid: { get: (v) => v.link.externalId, caseExact: true },
    'members.value': { get: (v) => [...v.mine], caseExact: true },
  },
  complex: { members: { items: (v) => [...v.mine].map((value) => ({ value })) } },
};

/** This connection's live groups, oldest first. */
async function connectionGroups(sc: ScimContext): Promise<GroupView[]> {
  const groups = sc.live.state().groups;
  const out: GroupView[] = [];
  for (const link of await sc.ctx.storage.scimLinks(sc.connection.id, 'group')) {
    const group = groups.get(link.resourceId);
    if (isLive(group) && group.kind === 'custom')
      out.push({ group, link, mine: connectionMembers(group, sc.connection.id) });
  }
  return out.sort((a, b) => a.group.createdAt - b.group.createdAt || (a.group.id < b.group.id ? -1 : 1));
}

export async function listGroups(sc: ScimContext, query: URLSearchParams) {
  const page = pageOf(query);
  const text = query.get('filter');
  let views = await connectionGroups(sc);
  if (text) {
    const f = compileFilter(text, VOCABULARY);
    views = views.filter(f.test);
  }
  const withMembers = !excluded(query).has('members');
  const slice = views.slice(page.startIndex - 1, page.startIndex - 1 + page.count);
  return listResponse(
    slice.map((v) => groupResource(sc, v, withMembers)),
    views.length,
    page,
  );
}

async function findGroup(sc: ScimContext, id: string): Promise<GroupView> {
  const group = sc.live.state().groups.get(id);
  const [link] = isLive(group) ? await sc.ctx.storage.scimLinks(sc.connection.id, 'group', [id]) : [];
  if (!group || !link) throw notFound('Group');
  return { group, link, mine: connectionMembers(group, sc.connection.id) };
}

export async function readGroup(sc: ScimContext, id: string, query: URLSearchParams) {
  return groupResource(sc, await findGroup(sc, id), !excluded(query).has('members'));
}

const Member = z.looseObject({ value: z.string().min(1).max(64) });
const GroupBody = z.looseObject({
  displayName: z.string().trim().min(1, 'displayName is required').max(200),
  externalId: z.string().trim().max(256).nullish(),
  members: z.array(Member).max(MAX_OPERATIONS).nullish(),
});

interface DesiredGroup {
  readonly displayName: string;
  readonly externalId: string | null;
  readonly members: readonly string[];
}

function desiredGroup(body: unknown): DesiredGroup {
  const b = parseBody(GroupBody, body);
  return {
    displayName: b.displayName,
    externalId: b.externalId || null,
    members: [...new Set((b.members ?? []).map((m) => m.value))],
  };
}

/**
 * The commands that make the group's name `name` and this connection's members exactly `wanted`
 * (removes, then one add), and the End-users held back: joining a builder-level group would make them
 * Builders and the connection may not upgrade roles.
 */
function groupChange(
  sc: ScimContext,
  v: GroupView,
  change: { name?: string | undefined; wanted?: readonly string[] | undefined },
): { commands: Command[]; held: string[] } {
  const state = sc.live.state();
  const commands: Command[] = [];
  if (change.name !== undefined && change.name.trim() !== v.group.name)
    commands.push({ type: 'group.rename', groupId: v.group.id, name: change.name });
  if (!change.wanted) return { commands, held: [] };
  for (const id of change.wanted)
    if (!state.users.has(id)) throw new ScimError(400, `No user with id ${id}`, 'noTarget');
  const wanted = new Set(change.wanted);
  for (const id of v.mine)
    if (!wanted.has(id)) commands.push(removeMemberCommand(v.group.id, id, sc.connection.id));
  const joining = change.wanted.filter((id) => !v.mine.has(id));
  const upgrades = isBuilderLevel(v.group) && !sc.connection.mayUpgradeRoles;
  const held = upgrades
    ? joining.filter((id) => !v.group.members.has(id) && state.users.get(id)?.role === 'end-user')
    : [];
  const now = joining.filter((id) => !held.includes(id));
  if (now.length > 0)
    commands.push(addMembersCommand(v.group.id, now, sc.connection.id, sc.connection.mayUpgradeRoles));
  return { commands, held };
}

/** Makes the change (every command checked before the first runs), then holds what it may not do. */
async function applyGroupChange(sc: ScimContext, v: GroupView, change: Parameters<typeof groupChange>[2]) {
  const { commands, held } = groupChange(sc, v, change);
  await runAll(sc, commands);
  if (held.length === 0) return;
  const state = sc.live.state();
  const group = state.groups.get(v.group.id)!;
  await holdForAdmin(sc, {
    code: 'end-user-in-builder-group',
    message: `${sc.actor.name} asked to add ${held.length} End-user(s) to “${group.name}”, which would make them Builders; this connection may not upgrade roles`,
    entities: [
      { collection: 'groups', id: group.id, name: group.name },
      ...held.map((id) => ({ collection: 'users' as const, id, name: state.users.get(id)?.email })),
    ],
    repair:
      'Not added: an admin may add them (confirming the role change), or let the connection upgrade roles',
  });
}

/** 409 when another group of this connection has `externalId`. */
async function checkExternalId(sc: ScimContext, groupId: string | null, externalId: string | null) {
  if (!externalId) return;
  const other = await sc.ctx.storage.scimLinkByExternalId(sc.connection.id, 'group', externalId);
  if (other && other.resourceId !== groupId)
    throw new ScimError(409, `externalId “${externalId}” is already in use`, 'uniqueness');
}

async function saveLink(
  sc: ScimContext,
  groupId: string,
  externalId: string | null,
  before: ScimLink | null,
) {
  if (before && before.externalId === externalId) return;
  const now = Date.now();
  await sc.ctx.storage.putScimLink({
    connectionId: sc.connection.id,
    kind: 'group',
    resourceId: groupId,
    externalId,
    userName: null,
    attributes: {},
    createdAt: before?.createdAt ?? now,
    updatedAt: now,
  });
}

export async function createGroup(sc: ScimContext, body: unknown) {
  checkSchemas(body, GROUP_SCHEMA);
  const d = desiredGroup(body);
  const state = sc.live.state();
  for (const id of d.members)
    if (!state.users.has(id)) throw new ScimError(400, `No user with id ${id}`, 'noTarget');
  await checkExternalId(sc, null, d.externalId);
  const planned = await run(sc, { type: 'group.create', name: d.displayName });
  const groupId = planned.createdId!;
  await saveLink(sc, groupId, d.externalId, null);
  await applyGroupChange(sc, await findGroup(sc, groupId), { wanted: d.members });
  return groupResource(sc, await findGroup(sc, groupId));
}

/** PUT, and PATCH once its operations are applied: the group becomes `d`, all checked before the first change. */
async function replaceWith(sc: ScimContext, v: GroupView, d: DesiredGroup) {
  await checkExternalId(sc, v.group.id, d.externalId);
  await applyGroupChange(sc, v, { name: d.displayName, wanted: d.members });
  await saveLink(sc, v.group.id, d.externalId, v.link);
  return groupResource(sc, await findGroup(sc, v.group.id));
}

export async function replaceGroup(sc: ScimContext, id: string, body: unknown, ifMatch?: string) {
  const v = await findGroup(sc, id);
  checkIfMatch(ifMatch, versionOf(groupResource(sc, v)));
  checkSchemas(body, GROUP_SCHEMA);
  return replaceWith(sc, v, desiredGroup(body));
}

export async function patchGroup(sc: ScimContext, id: string, body: unknown, ifMatch?: string) {
  const v = await findGroup(sc, id);
  const current = groupResource(sc, v);
  checkIfMatch(ifMatch, versionOf(current));
  const ops = normalisePatch(body, [GROUP_SCHEMA]);
  if (ops.length === 0) return null;
  for (const op of ops) {
    const member = op.path ? memberOfPath(op.path) : null;
    if (op.op === 'remove' && member !== null && !v.mine.has(member))
      throw new ScimError(400, `${member} is not a member of this group`, 'noTarget');
  }
  const patched = applyPatch(current, ops);
  if (patched.id !== current.id) throw new ScimError(400, 'The id of a resource cannot change', 'mutability');
  return replaceWith(sc, v, desiredGroup(patched));
}

export async function deleteGroup(sc: ScimContext, id: string, ifMatch?: string) {
  const v = await findGroup(sc, id);
  checkIfMatch(ifMatch, versionOf(groupResource(sc, v)));
  await run(sc, { type: 'group.delete', groupId: id });
  await sc.ctx.storage.deleteScimLink(sc.connection.id, 'group', id);
}
