/** Every command of SPEC §1–2: what it writes and how it refuses, one row per case. */
import { describe, expect, it } from 'vitest';
import { type Command, defaultGroupRestrictions, type ErrorCode, MESSAGES, plan } from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

function setup() {
  const ws = createTestWorkspace();
  const ada = ws.user('ada@corp.com', 'admin');
  const bob = ws.user('bob@corp.com', 'builder');
  const eve = ws.user('eve@corp.com');
  const zed = ws.user('zed@corp.com');
  ws.must({ type: 'user.archive', userId: zed });
  const hr = ws.group('HR');
  const sales = ws.group('Sales');
  const app = ws.app('Payroll', ['https://hr.corp.com/*']);
  const ds = ws.dataSource('Payroll DB');
  const roleGroup = (role: string) => [...ws.state().groups.values()].find((g) => g.role === role)!.id;
  const grantId = ws.must({
    type: 'grant.add',
    groupId: hr,
    grant: {
      name: 'HR apps',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [app],
      level: 'view',
      hideFromDashboard: false,
    },
  });
  ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
  return { ws, ada, bob, eve, zed, hr, sales, app, ds, grantId, roleGroup };
}
type Env = ReturnType<typeof setup>;

const app = (over: object = {}) => ({
  name: 'New',
  resourceType: 'app' as const,
  scope: 'all' as const,
  resourceIds: [] as string[],
  level: 'view' as const,
  hideFromDashboard: false,
  ...over,
});

describe('commands refuse what the rules forbid', () => {
  it.each<[string, (e: Env) => Command, ErrorCode, string?]>([
    [
      'create with a taken name',
      () => ({ type: 'group.create', name: 'hr' }),
      'name-taken',
      'Group name already exists',
    ],
    ['create with a reserved name', () => ({ type: 'group.create', name: 'End-Users' }), 'name-reserved'],
    ['create with 51 characters', () => ({ type: 'group.create', name: 'n'.repeat(51) }), 'name-too-long'],
    [
      'rename a default group',
      (e) => ({ type: 'group.rename', groupId: e.roleGroup('builder'), name: 'B' }),
      'default-group-rename',
      MESSAGES.defaultGroupRename,
    ],
    [
      'rename to another group’s name',
      (e) => ({ type: 'group.rename', groupId: e.hr, name: 'SALES' }),
      'name-taken',
    ],
    ['rename an unknown group', () => ({ type: 'group.rename', groupId: 'nope', name: 'X' }), 'not-found'],
    [
      'delete a default group',
      (e) => ({ type: 'group.delete', groupId: e.roleGroup('end-user') }),
      'default-group-delete',
      MESSAGES.defaultGroupDelete,
    ],
    [
      'duplicate with no part',
      (e) => ({
        type: 'group.duplicate',
        groupId: e.hr,
        parts: { users: false, permissions: false, apps: false, dataSources: false },
      }),
      'duplicate-needs-a-part',
    ],
    [
      'add an archived user',
      (e) => ({ type: 'group.addMembers', groupId: e.sales, userIds: [e.zed] }),
      'user-archived',
      MESSAGES.archivedMember,
    ],
    [
      'add an unknown user',
      (e) => ({ type: 'group.addMembers', groupId: e.sales, userIds: ['nobody'] }),
      'not-found',
    ],
    [
      'add only existing members',
      (e) => ({ type: 'group.addMembers', groupId: e.hr, userIds: [e.eve] }),
      'already-member',
    ],
    [
      'add members to a default group',
      (e) => ({ type: 'group.addMembers', groupId: e.roleGroup('builder'), userIds: [e.eve] }),
      'default-group-members',
    ],
    [
      'remove a non-member',
      (e) => ({ type: 'group.removeMember', groupId: e.hr, userId: e.bob }),
      'not-member',
    ],
    [
      'edit Admin’s flags',
      (e) => ({ type: 'group.setFlags', groupId: e.roleGroup('admin'), flags: { appCreate: false } }),
      'admin-group-not-editable',
      MESSAGES.adminNotEditable,
    ],
    [
      'give End-user a flag',
      (e) => ({ type: 'group.setFlags', groupId: e.roleGroup('end-user'), flags: { appCreate: true } }),
      'end-user-view-only',
      MESSAGES.endUserViewOnly,
    ],
    [
      'set an unknown flag',
      (e) => ({ type: 'group.setFlags', groupId: e.hr, flags: { rootAccess: true } as never }),
      'invalid-input',
    ],
    [
      'grant to Admin',
      (e) => ({ type: 'grant.add', groupId: e.roleGroup('admin'), grant: app() }),
      'admin-group-not-editable',
    ],
    [
      'End-user grant at Edit',
      (e) => ({ type: 'grant.add', groupId: e.roleGroup('end-user'), grant: app({ level: 'edit' }) }),
      'end-user-view-only',
      MESSAGES.endUserViewOnly,
    ],
    [
      'End-user data-source grant',
      (e) => ({
        type: 'grant.add',
        groupId: e.roleGroup('end-user'),
        grant: app({ resourceType: 'dataSource', level: 'use' }),
      }),
      'end-user-view-only',
    ],
    [
      'Builder grant with a custom list',
      (e) => ({
        type: 'grant.add',
        groupId: e.roleGroup('builder'),
        grant: app({ scope: 'custom', resourceIds: [e.app] }),
      }),
      'builder-group-scope-all-only',
    ],
    [
      'custom grant with no apps',
      (e) => ({ type: 'grant.add', groupId: e.sales, grant: app({ scope: 'custom' }) }),
      'grant-resources-required',
      MESSAGES.grantResourcesRequired,
    ],
    [
      'grant naming an unknown app',
      (e) => ({
        type: 'grant.add',
        groupId: e.sales,
        grant: app({ scope: 'custom', resourceIds: ['ghost'] }),
      }),
      'not-found',
    ],
    [
      'grant name taken in the group',
      (e) => ({ type: 'grant.add', groupId: e.hr, grant: app({ name: 'hr APPS' }) }),
      'grant-name-taken',
    ],
    [
      'grant name of 51 characters',
      (e) => ({ type: 'grant.add', groupId: e.hr, grant: app({ name: 'g'.repeat(51) }) }),
      'grant-name-too-long',
    ],
    [
      'app grant at Configure',
      (e) => ({ type: 'grant.add', groupId: e.sales, grant: app({ level: 'configure' }) }),
      'grant-invalid-level',
    ],
    [
      'data-source grant at View',
      (e) => ({ type: 'grant.add', groupId: e.sales, grant: app({ resourceType: 'dataSource' }) }),
      'grant-invalid-level',
    ],
    [
      'hide from dashboard with Edit',
      (e) => ({
        type: 'grant.add',
        groupId: e.sales,
        grant: app({ level: 'edit', hideFromDashboard: true }),
      }),
      'grant-hide-needs-view',
    ],
    [
      'update an unknown grant',
      (e) => ({ type: 'grant.update', groupId: e.hr, grantId: 'x', patch: { level: 'edit' } }),
      'not-found',
    ],
    [
      'update a grant to no apps',
      (e) => ({ type: 'grant.update', groupId: e.hr, grantId: e.grantId, patch: { resourceIds: [] } }),
      'grant-resources-required',
    ],
    [
      'update with no change',
      (e) => ({ type: 'grant.update', groupId: e.hr, grantId: e.grantId, patch: { level: 'view' } }),
      'nothing-to-change',
    ],
    [
      'invite a bad email',
      () => ({ type: 'user.invite', email: 'not-an-email', name: 'X', role: 'builder' }),
      'invalid-email',
    ],
    [
      'invite an existing email, any case',
      () => ({ type: 'user.invite', email: 'EVE@corp.com', name: 'Eve', role: 'builder' }),
      'user-exists',
    ],
    [
      'set the same role',
      (e) => ({ type: 'user.setRole', userId: e.bob, role: 'builder' }),
      'nothing-to-change',
    ],
    ['restore an active user', (e) => ({ type: 'user.restore', userId: e.eve }), 'user-not-archived'],
    ['archive twice', (e) => ({ type: 'user.archive', userId: e.zed }), 'user-archived'],
    [
      'app with a bad URL pattern',
      () => ({ type: 'app.create', name: 'X', urlPatterns: ['javascript:alert(1)'] }),
      'invalid-url-pattern',
    ],
    ['app with a taken slug', () => ({ type: 'app.create', name: 'X', slug: 'payroll' }), 'slug-taken'],
    ['app with a bad slug', () => ({ type: 'app.create', name: 'X', slug: 'Bad Slug' }), 'invalid-slug'],
    ['app with an empty name', () => ({ type: 'app.create', name: '  ' }), 'name-required'],
    [
      'data source with a bad kind',
      () => ({ type: 'dataSource.create', name: 'X', kind: 'Post Gres!' }),
      'invalid-input',
    ],
    ['delete an unknown app', () => ({ type: 'app.delete', appId: 'ghost' }), 'not-found'],
    ['an unknown command', () => ({ type: 'group.explode' }) as never, 'invalid-input'],
  ])('%s → %s', (_name, make, code, message) => {
    const e = setup();
    const before = Y_encode(e);
    const r = e.ws.run(make(e));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    if (message) expect(r.error.message).toBe(message);
    expect(Y_encode(e)).toBe(before);
  });
});

it('a malformed command is misuse: plan throws and nothing is written', () => {
  const e = setup();
  const before = Y_encode(e);
  const malformed = { type: 'group.addMembers', groupId: e.hr, userIds: 7 } as never;
  expect(() => plan(e.ws.state(), malformed)).toThrow();
  expect(Y_encode(e)).toBe(before);
});

function Y_encode(e: Env): string {
  const s = e.ws.state();
  return JSON.stringify([
    [...s.groups.values()].map((g) => [g.name, g.flags, [...g.members], [...g.grants.values()]]),
    [...s.users.values()],
    [...s.apps.values()],
  ]);
}

describe('commands write what they say', () => {
  it('create, rename, delete a group', () => {
    const { ws, eve } = setup();
    const id = ws.must({ type: 'group.create', name: '  Finance ' });
    expect(ws.state().groups.get(id)).toMatchObject({ name: 'Finance', kind: 'custom' });
    ws.must({ type: 'group.rename', groupId: id, name: 'Finance team' });
    expect(ws.state().groups.get(id)!.name).toBe('Finance team');
    ws.must({ type: 'group.addMembers', groupId: id, userIds: [eve] });
    ws.must({ type: 'group.delete', groupId: id });
    const g = ws.state().groups.get(id)!;
    expect(g.deletedAt).toBeTypeOf('number');
    expect(g.members.size).toBe(0);
  });

  it.each([
    [{ users: true, permissions: true, apps: true, dataSources: true }, 1, true, 2],
    [{ users: false, permissions: true, apps: true, dataSources: true }, 0, true, 2],
    [{ users: true, permissions: false, apps: false, dataSources: false }, 1, false, 0],
    [{ users: false, permissions: false, apps: true, dataSources: false }, 0, false, 1],
    [{ users: false, permissions: false, apps: false, dataSources: true }, 0, false, 1],
  ])('duplicate %j', (parts, members, flag, grants) => {
    const { ws, hr, ds } = setup();
    ws.must({ type: 'group.setFlags', groupId: hr, flags: { folderCRUD: true }, allowRoleChange: true });
    ws.must({
      type: 'grant.add',
      groupId: hr,
      grant: app({
        name: 'DB',
        resourceType: 'dataSource',
        scope: 'custom',
        resourceIds: [ds],
        level: 'use',
      }),
    });
    const id = ws.must({ type: 'group.duplicate', groupId: hr, parts });
    const copy = ws.state().groups.get(id)!;
    expect(copy.name).toBe('HR_copy');
    expect(copy.members.size).toBe(members);
    expect(copy.flags.folderCRUD).toBe(flag);
    expect(copy.grants.size).toBe(grants);
    const again = ws.must({ type: 'group.duplicate', groupId: hr, parts });
    expect(ws.state().groups.get(again)!.name).toBe('HR_copy_1');
  });

  it('grant update switches level, clears Hide with Edit, and edits the list', () => {
    const { ws, hr, grantId, app: payroll } = setup();
    const other = ws.app('Benefits');
    ws.must({ type: 'grant.update', groupId: hr, grantId, patch: { hideFromDashboard: true } });
    expect(ws.state().groups.get(hr)!.grants.get(grantId)!.hideFromDashboard).toBe(true);
    ws.must({ type: 'grant.update', groupId: hr, grantId, patch: { resourceIds: [payroll, other] } });
    expect(ws.state().groups.get(hr)!.grants.get(grantId)!.resourceIds).toEqual([payroll, other].sort());
    ws.must({ type: 'grant.update', groupId: hr, grantId, patch: { level: 'edit' }, allowRoleChange: true });
    expect(ws.state().groups.get(hr)!.grants.get(grantId)).toMatchObject({
      level: 'edit',
      hideFromDashboard: false,
    });
    ws.must({ type: 'grant.remove', groupId: hr, grantId });
    expect(ws.state().groups.get(hr)!.grants.get(grantId)!.deletedAt).toBeTypeOf('number');
  });

  it('invite, activate, rename, set role, archive, restore', () => {
    const { ws } = setup();
    const id = ws.must({ type: 'user.invite', email: ' New@Corp.com ', name: 'New', role: 'builder' });
    expect(ws.state().users.get(id)).toMatchObject({
      email: 'new@corp.com',
      role: 'builder',
      status: 'invited',
    });
    ws.must({ type: 'user.activate', userId: id });
    ws.must({ type: 'user.rename', userId: id, name: 'Newton' });
    ws.must({ type: 'user.setRole', userId: id, role: 'admin', allowRoleChange: true });
    ws.must({ type: 'user.archive', userId: id });
    ws.must({ type: 'user.restore', userId: id });
    expect(ws.state().users.get(id)).toMatchObject({ name: 'Newton', role: 'admin', status: 'active' });
  });

  it('deleting an app or a data source shows who loses it', () => {
    const { ws, ada, bob, eve, app: payroll, ds } = setup();
    const r = ws.run({ type: 'dataSource.delete', dataSourceId: ds });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const losers = r.value.impact.accessChanges.filter((c) => c.resourceId === ds);
    expect(losers.map((c) => [c.userId, c.before, c.after]).sort()).toEqual(
      [
        [ada, 'configure', null],
        [bob, 'configure', null],
      ].sort(),
    );
    expect(r.value.impact.usersAffected).toBe(2);
    const a = ws.run({ type: 'app.delete', appId: payroll });
    expect(
      a.ok &&
        a.value.impact.accessChanges.some((c) => c.userId === eve && c.before === 'view' && c.after === null),
    ).toBe(true);
  });

  it('apps and data sources: create, update, delete; a deleted resource leaves every grant', () => {
    const { ws, hr, grantId, app: payroll, ds } = setup();
    // Names are unique like group names (SPEC clarification), ignoring case and look-alikes.
    for (const name of ['payroll', ' PAYROLL ', 'Раyroll'])
      expect(ws.run({ type: 'app.create', name })).toMatchObject({
        ok: false,
        error: { code: 'name-taken' },
      });
    expect(ws.run({ type: 'dataSource.create', name: 'payroll db', kind: 'postgres' })).toMatchObject({
      ok: false,
      error: { code: 'name-taken' },
    });
    // A different name whose slug is taken gets the next free slug.
    const id = ws.must({ type: 'app.create', name: 'Payroll!', urlPatterns: ['HTTPS://Pay.Corp.com/*'] });
    expect(ws.state().apps.get(id)).toMatchObject({
      slug: 'payroll-2',
      urlPatterns: ['https://pay.corp.com/*'],
    });
    ws.must({ type: 'app.update', appId: id, name: 'Pay', slug: 'pay', urlPatterns: [] });
    expect(ws.state().apps.get(id)).toMatchObject({ name: 'Pay', slug: 'pay', urlPatterns: [] });
    ws.must({ type: 'app.delete', appId: payroll });
    const grant = ws.state().groups.get(hr)!.grants.get(grantId)!;
    expect(grant.resourceIds).toEqual([]);
    expect(grant.deletedAt).toBeTypeOf('number');
    ws.must({ type: 'dataSource.update', dataSourceId: ds, name: 'Payroll (prod)', kind: 'mysql' });
    expect(ws.state().dataSources.get(ds)).toMatchObject({ name: 'Payroll (prod)', kind: 'mysql' });
    ws.must({ type: 'dataSource.delete', dataSourceId: ds });
    expect(ws.state().dataSources.get(ds)!.deletedAt).toBeTypeOf('number');
  });
});

describe('default group restrictions, for disabled controls', () => {
  it.each([
    ['admin', false, false, [], false],
    ['builder', true, true, ['all'], true],
    ['end-user', false, true, ['all', 'custom'], false],
  ] as const)('%s', (role, flags, grants, scopes, ds) => {
    const r = defaultGroupRestrictions(role);
    expect(r).toMatchObject({
      canRename: false,
      canDelete: false,
      canEditFlags: flags,
      canEditGrants: grants,
      allowsDataSourceGrants: ds,
    });
    expect(r.allowedScopes).toEqual(scopes);
    expect(r.reason.length).toBeGreaterThan(10);
  });
});
