/** SPEC.md §2, one table per rule, one row per case. */
import { describe, expect, it } from 'vitest';
import {
  ALL_FLAGS,
  accessFor,
  checkKeepsAnAdmin,
  duplicateName,
  type Grant,
  isBuilderLevel,
  type Level,
  NO_FLAGS,
  validateGroupName,
} from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

const grant = (p: Partial<Grant>): Grant => ({
  id: 'g',
  name: 'g',
  resourceType: 'app',
  scope: 'all',
  resourceIds: [],
  level: 'view',
  hideFromDashboard: false,
  createdAt: 0,
  ...p,
});

/** One grant of a custom group Bob (a Builder whose own role grants nothing) is in: `all` or on the resource. */
interface GrantRow {
  readonly type?: 'app' | 'dataSource';
  readonly level: Level;
  readonly hide?: boolean;
  readonly scope?: 'all' | 'custom';
}

/** Bob's access to one app and one data source when each grant sits in a group of its own. */
function accessThrough(grants: readonly GrantRow[]) {
  const ws = createTestWorkspace();
  ws.user('ada@corp.com', 'admin');
  const bob = ws.user('bob@corp.com', 'builder');
  const ids = { app: ws.app('Payroll'), dataSource: ws.dataSource('Payroll DB') };
  const builderGroup = [...ws.state().groups.values()].find((g) => g.role === 'builder')!;
  for (const g of builderGroup.grants.values())
    ws.must({ type: 'grant.remove', groupId: builderGroup.id, grantId: g.id });
  grants.forEach((row, i) => {
    const groupId = ws.group(`G${i}`);
    ws.must({ type: 'group.addMembers', groupId, userIds: [bob] });
    const type = row.type ?? 'app';
    const scope = row.scope ?? 'all';
    ws.must({
      type: 'grant.add',
      groupId,
      grant: {
        name: 'p',
        resourceType: type,
        scope,
        resourceIds: scope === 'custom' ? [ids[type]] : [],
        level: row.level,
        hideFromDashboard: row.hide ?? false,
      },
    });
  });
  const access = accessFor(ws.state(), bob)!;
  // The compact path (matrix, impact) and the full path (summaries, with via) must say the same.
  const of = (type: 'app' | 'dataSource') => {
    const full = access.resource(type, ids[type]);
    expect(access.level(type, ids[type])).toBe(full.level);
    expect(access.hidden(type, ids[type])).toBe(full.hidden);
    return full;
  };
  return { app: of('app'), dataSource: of('dataSource') };
}

describe('rule 1: highest wins', () => {
  it.each<[string, GrantRow[], Level | null]>([
    ['no grant', [], null],
    ['View', [{ level: 'view' }], 'view'],
    ['Edit', [{ level: 'edit' }], 'edit'],
    ['View + Edit', [{ level: 'view' }, { level: 'edit' }], 'edit'],
    ['Edit on all + View on the app', [{ level: 'edit' }, { level: 'view', scope: 'custom' }], 'edit'],
    ['View on all + Edit on the app', [{ level: 'view' }, { level: 'edit', scope: 'custom' }], 'edit'],
    [
      'hidden View + Edit on the app',
      [
        { level: 'view', hide: true },
        { level: 'edit', scope: 'custom' },
      ],
      'edit',
    ],
  ])('apps: %s → %s', (_name, grants, want) => {
    const access = accessThrough(grants);
    expect(access.app.level).toBe(want);
    expect(access.app.via).toHaveLength(grants.length);
  });

  it.each<[string, GrantRow[], Level | null]>([
    ['no grant', [], null],
    ['Build with', [{ type: 'dataSource', level: 'use' }], 'use'],
    [
      'Configure + Build with',
      [
        { type: 'dataSource', level: 'configure' },
        { type: 'dataSource', level: 'use' },
      ],
      'configure',
    ],
    [
      'Build with on all + Configure on the data source',
      [
        { type: 'dataSource', level: 'use' },
        { type: 'dataSource', level: 'configure', scope: 'custom' },
      ],
      'configure',
    ],
    ['an app grant gives no data-source access', [{ level: 'edit' }], null],
  ])('data sources: %s → %s', (_name, grants, want) => {
    expect(accessThrough(grants).dataSource.level).toBe(want);
  });

  it('unions the role default group and every custom group, flags OR-ed', () => {
    const ws = createTestWorkspace();
    const bob = ws.user('bob@corp.com', 'builder');
    ws.user('ada@corp.com', 'admin');
    const app = ws.app('Payroll');
    const a = ws.group('A');
    const b = ws.group('B');
    ws.must({ type: 'group.setFlags', groupId: a, flags: { folderCRUD: true } });
    ws.must({ type: 'group.addMembers', groupId: a, userIds: [bob] });
    ws.must({ type: 'group.addMembers', groupId: b, userIds: [bob] });
    const builderGroup = [...ws.state().groups.values()].find((g) => g.role === 'builder')!;
    for (const g of builderGroup.grants.values())
      ws.must({ type: 'grant.remove', groupId: builderGroup.id, grantId: g.id });
    ws.must({ type: 'group.setFlags', groupId: builderGroup.id, flags: { ...NO_FLAGS } });
    ws.must({
      type: 'grant.add',
      groupId: b,
      grant: {
        name: 'p',
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [app],
        level: 'edit',
        hideFromDashboard: false,
      },
    });
    const access = accessFor(ws.state(), bob)!;
    expect(access.flags.folderCRUD).toBe(true);
    expect(access.flags.appCreate).toBe(false);
    expect(access.app(app).level).toBe('edit');
    expect(access.app(app).via.map((v) => v.groupName)).toEqual(['B']);
  });
});

describe('rule 2: hidden only when every granting grant hides', () => {
  it.each<[string, GrantRow[], boolean]>([
    ['no grants', [], false],
    ['one hiding View', [{ level: 'view', hide: true }], true],
    ['hiding View + plain View', [{ level: 'view', hide: true }, { level: 'view' }], false],
    ['hiding View + Edit', [{ level: 'view', hide: true }, { level: 'edit' }], false],
    [
      'two hiding Views',
      [
        { level: 'view', hide: true },
        { level: 'view', hide: true, scope: 'custom' },
      ],
      true,
    ],
    [
      'hiding View on all + plain View on the app',
      [
        { level: 'view', hide: true },
        { level: 'view', scope: 'custom' },
      ],
      false,
    ],
    [
      'plain View on all + hiding View on the app',
      [{ level: 'view' }, { level: 'view', hide: true, scope: 'custom' }],
      false,
    ],
    ['hiding View on the app only', [{ level: 'view', hide: true, scope: 'custom' }], true],
  ])('%s → hidden %s', (_name, grants, hidden) => {
    const access = accessThrough(grants);
    expect(access.app.hidden).toBe(hidden);
    if (hidden) expect(access.app.level).toBe('view');
  });
});

describe('rule 3: builder-level groups', () => {
  const g = (flags = NO_FLAGS, grants: Partial<Grant>[] = []) => ({
    flags,
    grants: new Map(grants.map((x, i) => [String(i), grant(x)])),
  });
  it.each<[string, ReturnType<typeof g>, boolean]>([
    ['empty group', g(), false],
    ['View on apps', g(NO_FLAGS, [{ level: 'view' }]), false],
    ['hidden View', g(NO_FLAGS, [{ level: 'view', hideFromDashboard: true }]), false],
    ['any flag on', g({ ...NO_FLAGS, orgConstantCRUD: true }), true],
    ['all flags', g(ALL_FLAGS), true],
    ['Edit on an app', g(NO_FLAGS, [{ level: 'edit', scope: 'custom', resourceIds: ['a'] }]), true],
    ['Build with a data source', g(NO_FLAGS, [{ resourceType: 'dataSource', level: 'use' }]), true],
    ['Configure a data source', g(NO_FLAGS, [{ resourceType: 'dataSource', level: 'configure' }]), true],
    ['a removed Edit grant', g(NO_FLAGS, [{ level: 'edit', deletedAt: 5 }]), false],
  ])('%s → %s', (_name, group, want) => {
    expect(isBuilderLevel(group)).toBe(want);
  });
});

describe('rule 4: upgrades need consent', () => {
  const setup = () => {
    const ws = createTestWorkspace();
    ws.user('ada@corp.com', 'admin');
    const eve = ws.user('eve@corp.com');
    const bob = ws.user('bob@corp.com', 'builder');
    const g = ws.group('Ops');
    return { ws, eve, bob, g };
  };
  it.each([
    ['add end-users to a builder-level group', 'addMembers'],
    ['turn a flag on with end-users inside', 'setFlags'],
    ['add an Edit grant with end-users inside', 'grantEdit'],
    ['add a data-source grant with end-users inside', 'grantDataSource'],
  ])('%s: refused without consent, nothing changes; applied with consent', (_name, kind) => {
    const { ws, eve, bob, g } = setup();
    const ds = ws.dataSource('DB');
    const cmd = (allowRoleChange: boolean) => {
      switch (kind) {
        case 'addMembers':
          ws.must({ type: 'group.setFlags', groupId: g, flags: { appCreate: true } });
          return { type: 'group.addMembers' as const, groupId: g, userIds: [eve, bob], allowRoleChange };
        case 'setFlags':
          ws.must({ type: 'group.addMembers', groupId: g, userIds: [eve] });
          return { type: 'group.setFlags' as const, groupId: g, flags: { appCreate: true }, allowRoleChange };
        case 'grantEdit':
          ws.must({ type: 'group.addMembers', groupId: g, userIds: [eve] });
          return {
            type: 'grant.add' as const,
            groupId: g,
            allowRoleChange,
            grant: {
              name: 'e',
              resourceType: 'app' as const,
              scope: 'all' as const,
              resourceIds: [],
              level: 'edit' as const,
              hideFromDashboard: false,
            },
          };
        default:
          ws.must({ type: 'group.addMembers', groupId: g, userIds: [eve] });
          return {
            type: 'grant.add' as const,
            groupId: g,
            allowRoleChange,
            grant: {
              name: 'd',
              resourceType: 'dataSource' as const,
              scope: 'custom' as const,
              resourceIds: [ds],
              level: 'use' as const,
              hideFromDashboard: false,
            },
          };
      }
    };
    const first = cmd(false);
    const before = JSON.stringify(
      [...ws.state().groups.values()].map((x) => [x.id, x.flags, [...x.members], x.grants.size]),
    );
    const refused = ws.run(first);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('role-change-needs-confirmation');
    const impact = refused.error.details as {
      roleChanges: { userId: string; from: string; to: string }[];
      builderDelta: number;
    };
    expect(impact.roleChanges).toEqual([
      expect.objectContaining({ userId: eve, from: 'end-user', to: 'builder' }),
    ]);
    expect(impact.builderDelta).toBe(1);
    expect(ws.state().users.get(eve)!.role).toBe('end-user');
    expect(
      JSON.stringify(
        [...ws.state().groups.values()].map((x) => [x.id, x.flags, [...x.members], x.grants.size]),
      ),
    ).toBe(before);
    const applied = ws.run({ ...first, allowRoleChange: true });
    expect(applied.ok).toBe(true);
    expect(ws.state().users.get(eve)!.role).toBe('builder');
  });

  it('a group that is not builder-level takes end-users without any role change', () => {
    const { ws, eve, g } = setup();
    const r = ws.run({ type: 'group.addMembers', groupId: g, userIds: [eve] });
    expect(r.ok && r.value.impact.roleChanges).toEqual([]);
  });
});

describe('rule 5: downgrade cleans up', () => {
  it.each([
    [
      'builder → end-user leaves builder-level groups only',
      'builder',
      'end-user',
      ['Flags'],
      ['Viewers', 'Flags'],
    ],
    ['admin → builder keeps every group', 'admin', 'builder', [], ['Viewers', 'Flags']],
    ['admin → end-user leaves builder-level groups', 'admin', 'end-user', ['Flags'], ['Viewers', 'Flags']],
  ] as const)('%s', (_n, from, to, leaves, joined) => {
    const ws = createTestWorkspace();
    ws.user('ada@corp.com', 'admin');
    const u = ws.user('u@corp.com', from);
    const viewers = ws.group('Viewers');
    const flags = ws.group('Flags');
    ws.must({ type: 'group.setFlags', groupId: flags, flags: { appCreate: true } });
    for (const name of joined)
      ws.must({ type: 'group.addMembers', groupId: ws.groupByName(name), userIds: [u] });
    const r = ws.run({ type: 'user.setRole', userId: u, role: to, allowRoleChange: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.impact.membershipsRemoved.map((m) => m.groupName)).toEqual(leaves);
    expect(ws.state().groups.get(viewers)!.members.has(u)).toBe(true);
    expect(ws.state().groups.get(flags)!.members.has(u)).toBe(!leaves.includes('Flags' as never));
  });
  it('the preview lists the groups before anything changes', () => {
    const ws = createTestWorkspace();
    ws.user('ada@corp.com', 'admin');
    const u = ws.user('u@corp.com', 'builder');
    const g = ws.group('Flags');
    ws.must({ type: 'group.setFlags', groupId: g, flags: { appCreate: true } });
    ws.must({ type: 'group.addMembers', groupId: g, userIds: [u] });
    const r = ws.run({ type: 'user.setRole', userId: u, role: 'end-user' });
    expect(!r.ok && r.error.code).toBe('role-change-needs-confirmation');
    if (r.ok) return;
    expect((r.error.details as { membershipsRemoved: { groupName: string }[] }).membershipsRemoved).toEqual([
      expect.objectContaining({ groupName: 'Flags' }),
    ]);
    expect(ws.state().groups.get(g)!.members.has(u)).toBe(true);
  });
});

describe('rule 6: at least one admin', () => {
  it.each([
    [
      'downgrade the last admin',
      (id: string) => ({
        type: 'user.setRole' as const,
        userId: id,
        role: 'builder' as const,
        allowRoleChange: true,
      }),
      'Cannot change role of last present admin, please add another admin and change the role',
    ],
    [
      'archive the last admin',
      (id: string) => ({ type: 'user.archive' as const, userId: id }),
      'Cannot archive the last active admin, please add another admin first',
    ],
  ])('%s is refused', (_n, cmd, message) => {
    const ws = createTestWorkspace();
    const ada = ws.user('ada@corp.com', 'admin');
    const r = ws.run(cmd(ada));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'last-admin', message });
  });
  it.each([
    ['another active admin', 'active', true],
    ['another admin only invited', 'invited', false],
  ] as const)('with %s: allowed = %s', (_n, status, allowed) => {
    const ws = createTestWorkspace();
    const ada = ws.user('ada@corp.com', 'admin');
    ws.user('bea@corp.com', 'admin', status);
    expect(checkKeepsAnAdmin(ws.state(), ada).ok).toBe(allowed);
    expect(ws.run({ type: 'user.archive', userId: ada }).ok).toBe(allowed);
  });
});

describe('rule 7: archived users', () => {
  it('restoring a user who never accepted the invitation leaves them invited', () => {
    const ws = createTestWorkspace();
    ws.user('ada@corp.com', 'admin');
    const inv = ws.user('inv@corp.com', 'builder', 'invited');
    ws.must({ type: 'user.archive', userId: inv });
    ws.must({ type: 'user.restore', userId: inv });
    expect(ws.state().users.get(inv)!.status).toBe('invited');
  });

  it('keep memberships, lose all access, cannot be added, and restore losslessly', () => {
    const ws = createTestWorkspace();
    ws.user('ada@corp.com', 'admin');
    const eve = ws.user('eve@corp.com');
    const app = ws.app('Payroll');
    const hr = ws.group('HR');
    const other = ws.group('Other');
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
    const before = accessFor(ws.state(), eve)!.app(app).level;
    ws.must({ type: 'user.archive', userId: eve });
    expect(ws.state().groups.get(hr)!.members.has(eve)).toBe(true);
    expect(accessFor(ws.state(), eve)!.app(app).level).toBeNull();
    const r = ws.run({ type: 'group.addMembers', groupId: other, userIds: [eve] });
    expect(!r.ok && r.error).toMatchObject({
      code: 'user-archived',
      message: 'An archived user cannot be added to a group',
    });
    ws.must({ type: 'user.restore', userId: eve });
    expect(accessFor(ws.state(), eve)!.app(app).level).toBe(before);
  });
});

describe('rule 8: group names', () => {
  const ws = createTestWorkspace();
  ws.group('Sales');
  it.each([
    ['  HR  ', true, 'HR'],
    ['', false, 'name-required'],
    ['   ', false, 'name-required'],
    ['x'.repeat(50), true, 'x'.repeat(50)],
    ['x'.repeat(51), false, 'name-too-long'],
    ['admin', false, 'name-reserved'],
    ['Admin', false, 'name-reserved'],
    ['BUILDER', false, 'name-reserved'],
    ['end-user', false, 'name-reserved'],
    ['End-Users', false, 'name-reserved'],
    ['All Users', false, 'name-reserved'],
    ['sales', false, 'name-taken'],
    [' SALES ', false, 'name-taken'],
    ['Sales team', true, 'Sales team'],
    ['Admin\u200b', false, 'name-invalid-characters'],
    ['HR\u0000', false, 'name-invalid-characters'],
    ['HR\ud800', false, 'name-invalid-characters'],
    ['\uff21dmin', false, 'name-reserved'],
    ['\uff33ales', false, 'name-taken'],
  ])('“%s” → ok=%s (%s)', (name, okWanted, want) => {
    const r = validateGroupName(ws.state(), name);
    expect(r.ok).toBe(okWanted);
    expect(r.ok ? r.value : r.error.code).toBe(want);
  });
  it('a group may keep its own name when renamed', () => {
    const id = ws.groupByName('Sales');
    expect(validateGroupName(ws.state(), 'SALES', id).ok).toBe(true);
  });
  it.each([
    [['HR'], 'HR', 'HR_copy'],
    [['HR', 'HR_copy'], 'HR', 'HR_copy_1'],
    [['HR', 'HR_copy', 'HR_copy_1'], 'HR', 'HR_copy_2'],
    [['HR', 'HR_copy', 'HR_copy_2'], 'HR', 'HR_copy_1'],
    [['y'.repeat(50)], 'y'.repeat(50), `${'y'.repeat(45)}_copy`],
  ])('duplicate of %j named %s → %s', (existing, name, want) => {
    const w = createTestWorkspace();
    for (const n of existing) w.group(n);
    expect(duplicateName(w.state(), name)).toBe(want);
  });
});

describe('rule 9: impact before commit', () => {
  it('deleting a group shows what its members lose, and changes nothing until committed', () => {
    const ws = createTestWorkspace();
    ws.user('ada@corp.com', 'admin');
    const eve = ws.user('eve@corp.com');
    const app = ws.app('Payroll');
    const endUser = [...ws.state().groups.values()].find((g) => g.role === 'end-user')!;
    for (const g of endUser.grants.values())
      ws.must({ type: 'grant.remove', groupId: endUser.id, grantId: g.id });
    const hr = ws.group('HR');
    ws.must({
      type: 'grant.add',
      groupId: hr,
      grant: {
        name: 'p',
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [app],
        level: 'view',
        hideFromDashboard: false,
      },
    });
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
    const r = ws.run({ type: 'group.delete', groupId: hr });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.impact.accessChanges).toEqual([
      expect.objectContaining({ userId: eve, resourceId: app, before: 'view', after: null }),
    ]);
    expect(r.value.impact.membershipsRemoved).toEqual([
      expect.objectContaining({ userId: eve, groupName: 'HR' }),
    ]);
  });
  it("a '*' row only when live resources without their own row remain (deleted apps do not count)", () => {
    const ws = createTestWorkspace();
    ws.user('ada@corp.com', 'admin');
    const eve = ws.user('eve@corp.com');
    const payroll = ws.app('Payroll');
    const wiki = ws.app('Wiki');
    ws.must({ type: 'app.delete', appId: wiki });
    const hr = ws.group('HR');
    ws.must({
      type: 'grant.add',
      groupId: hr,
      grant: {
        name: 'p',
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [payroll],
        level: 'view',
        hideFromDashboard: false,
      },
    });
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
    // Eve sees every app through End-user and Payroll through HR: taking End-user's grant away leaves
    // Payroll, and no other live app, so there is nothing for an “All other apps” row to say.
    const endUser = [...ws.state().groups.values()].find((g) => g.role === 'end-user')!;
    const grant = [...endUser.grants.values()][0]!;
    const r = ws.run({ type: 'grant.remove', groupId: endUser.id, grantId: grant.id });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.impact.accessChanges.filter((c) => c.userId === eve)).toEqual([]);
  });
});
