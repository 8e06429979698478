/** `/api/workspaces/:ws/groups…`: groups, members, permissions and grants, all through core commands. */
import { z } from 'zod';
import { type Flags, type Group, isMembershipSource, roleRank } from '../../../core/index.ts';
import { executeCommand } from '../execute.ts';
import { changed, GrantJson, GroupJson, ImpactReply } from '../replies.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';
import {
  AddMembersBody,
  DuplicateBody,
  FlagsBody,
  GrantAddBody,
  GrantPatchBody,
  GroupCreateBody,
  GroupRenameBody,
  MemberExpiryBody,
} from '../schemas.ts';
import { grantJson, groupJson } from '../serialize.ts';

const G = '/api/workspaces/:ws/groups';
const tag = 'groups';
const DRY_RUN = [{ name: 'dryRun', description: 'true: return the impact and change nothing' }];

export const groupRoutes: Route[] = [
  route({
    method: 'GET',
    path: G,
    summary: 'List groups (default and custom)',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ groups: z.array(GroupJson) }) },
    handler: async ({ scope }) => {
      const state = scope.live.state();
      // A stable order: the roles (Admin, Builder, End-user), then custom groups by name.
      const order = (g: Group) => (g.kind === 'default' ? 2 - roleRank(g.role ?? 'end-user') : 3);
      const groups = [...state.groups.values()]
        .filter((g) => g.deletedAt === undefined)
        .sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1));
      return { status: 200, body: { groups: groups.map((g) => groupJson(state, g)) } };
    },
  }),
  route({
    method: 'POST',
    path: G,
    summary: 'Create a custom group',
    tag,
    auth: 'admin',
    body: GroupCreateBody,
    queryParams: DRY_RUN,
    reply: { status: 201, body: changed({ group: GroupJson }) },
    handler: (rc) =>
      executeCommand(
        rc,
        { type: 'group.create', name: rc.body.name },
        (p, s) => ({ group: groupJson(s, s.groups.get(p.createdId!)!) }),
        201,
      ),
  }),
  route({
    method: 'GET',
    path: `${G}/:id`,
    summary: 'Get a group',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ group: GroupJson }) },
    handler: async ({ scope, params }) => {
      const state = scope.live.state();
      const g = state.groups.get(params.id);
      if (!g || g.deletedAt !== undefined) throw new ApiError('not-found', 'Group not found');
      return { status: 200, body: { group: groupJson(state, g) } };
    },
  }),
  route({
    method: 'PATCH',
    path: `${G}/:id`,
    summary: 'Rename a group',
    tag,
    auth: 'admin',
    body: GroupRenameBody,
    queryParams: DRY_RUN,
    reply: { status: 200, body: changed({ group: GroupJson }) },
    handler: (rc) =>
      executeCommand(rc, { type: 'group.rename', groupId: rc.params.id, name: rc.body.name }, (_p, s) => ({
        group: groupJson(s, s.groups.get(rc.params.id)!),
      })),
  }),
  route({
    method: 'DELETE',
    path: `${G}/:id`,
    summary: 'Delete a custom group (the impact lists what members lose)',
    tag,
    auth: 'admin',
    queryParams: DRY_RUN,
    reply: { status: 200, body: ImpactReply },
    handler: (rc) => executeCommand(rc, { type: 'group.delete', groupId: rc.params.id }),
  }),
  route({
    method: 'POST',
    path: `${G}/:id/duplicate`,
    summary: 'Duplicate a group (named <name>_copy, _copy_1, …)',
    tag,
    auth: 'admin',
    body: DuplicateBody,
    queryParams: DRY_RUN,
    reply: { status: 201, body: changed({ group: GroupJson }) },
    handler: (rc) =>
      executeCommand(
        rc,
        { type: 'group.duplicate', groupId: rc.params.id, parts: rc.body.parts },
        (p, s) => ({ group: groupJson(s, s.groups.get(p.createdId!)!) }),
        201,
      ),
  }),
  route({
    method: 'POST',
    path: `${G}/:id/members`,
    summary: 'Add users to a group (409 role-change-needs-confirmation unless allowRoleChange)',
    tag,
    auth: 'admin',
    body: AddMembersBody,
    queryParams: DRY_RUN,
    reply: { status: 200, body: changed({ group: GroupJson }) },
    handler: (rc) =>
      executeCommand(
        rc,
        {
          type: 'group.addMembers',
          groupId: rc.params.id,
          userIds: rc.body.userIds,
          expiresAt: rc.body.expiresAt,
          allowRoleChange: rc.body.allowRoleChange,
        },
        (_p, s) => ({ group: groupJson(s, s.groups.get(rc.params.id)!) }),
      ),
  }),
  route({
    method: 'DELETE',
    path: `${G}/:id/members/:userId`,
    summary:
      'Remove a user from a group: every membership, or with ?source= only that source’s (manual, sso:<id>, scim:<id>); a synced one comes back at the next sync',
    tag,
    auth: 'admin',
    queryParams: [
      ...DRY_RUN,
      { name: 'source', description: 'Only this source’s membership (manual, sso:<id>, scim:<id>)' },
    ],
    reply: { status: 200, body: ImpactReply },
    handler: (rc) => {
      const source = rc.query.get('source');
      if (source !== null && !isMembershipSource(source))
        throw new ApiError(
          'invalid-input',
          'source must be manual, sso:<connection id> or scim:<connection id>',
        );
      return executeCommand(rc, {
        type: 'group.removeMember',
        groupId: rc.params.id,
        userId: rc.params.userId,
        ...(source === null ? {} : { source }),
      });
    },
  }),
  route({
    method: 'PATCH',
    path: `${G}/:id/members/:userId`,
    summary:
      'Extend, shorten or make permanent (expiresAt: null) a user’s manual membership (409 role-change-needs-confirmation when renewing an expired one upgrades them)',
    tag,
    auth: 'admin',
    body: MemberExpiryBody,
    queryParams: DRY_RUN,
    reply: { status: 200, body: changed({ group: GroupJson }) },
    handler: (rc) =>
      executeCommand(
        rc,
        {
          type: 'group.setMemberExpiry',
          groupId: rc.params.id,
          userId: rc.params.userId,
          expiresAt: rc.body.expiresAt,
          allowRoleChange: rc.body.allowRoleChange,
        },
        (_p, s) => ({ group: groupJson(s, s.groups.get(rc.params.id)!) }),
      ),
  }),
  route({
    method: 'PUT',
    path: `${G}/:id/permissions`,
    summary: 'Set workspace permission flags',
    tag,
    auth: 'admin',
    body: FlagsBody,
    queryParams: DRY_RUN,
    reply: { status: 200, body: changed({ group: GroupJson }) },
    handler: (rc) => {
      const { allowRoleChange, ...flags } = rc.body;
      return executeCommand(
        rc,
        { type: 'group.setFlags', groupId: rc.params.id, flags: flags as Partial<Flags>, allowRoleChange },
        (_p, s) => ({ group: groupJson(s, s.groups.get(rc.params.id)!) }),
      );
    },
  }),
  route({
    method: 'POST',
    path: `${G}/:id/grants`,
    summary: 'Add a granular permission',
    tag,
    auth: 'admin',
    body: GrantAddBody,
    queryParams: DRY_RUN,
    reply: { status: 201, body: changed({ grant: GrantJson.nullable() }) },
    handler: (rc) => {
      const { allowRoleChange, ...grant } = rc.body;
      return executeCommand(
        rc,
        { type: 'grant.add', groupId: rc.params.id, grant, allowRoleChange },
        (p, s) => {
          const g = s.groups.get(rc.params.id)?.grants.get(p.createdId!);
          return { grant: g ? grantJson(g) : null };
        },
        201,
      );
    },
  }),
  route({
    method: 'PATCH',
    path: `${G}/:id/grants/:grantId`,
    summary: 'Change a granular permission',
    tag,
    auth: 'admin',
    body: GrantPatchBody,
    queryParams: DRY_RUN,
    reply: { status: 200, body: changed({ grant: GrantJson.nullable() }) },
    handler: (rc) => {
      const { allowRoleChange, ...patch } = rc.body;
      const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      return executeCommand(
        rc,
        {
          type: 'grant.update',
          groupId: rc.params.id,
          grantId: rc.params.grantId,
          patch: clean,
          allowRoleChange,
        },
        (_p, s) => {
          const g = s.groups.get(rc.params.id)?.grants.get(rc.params.grantId);
          return { grant: g ? grantJson(g) : null };
        },
      );
    },
  }),
  route({
    method: 'DELETE',
    path: `${G}/:id/grants/:grantId`,
    summary: 'Remove a granular permission',
    tag,
    auth: 'admin',
    queryParams: DRY_RUN,
    reply: { status: 200, body: ImpactReply },
    handler: (rc) =>
      executeCommand(rc, { type: 'grant.remove', groupId: rc.params.id, grantId: rc.params.grantId }),
  }),
];
