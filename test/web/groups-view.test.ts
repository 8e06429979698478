/** Groups view models: sections, search, members, addable users, grants, default-group restrictions. */
import { describe, expect, it } from 'vitest';
import { freeGrantName } from '../../core/index.ts';
import {
  ADDABLE_LIMIT,
  addableUsers,
  grantsOf,
  groupMembers,
  groupSections,
  restrictionsOf,
} from '../../web/src/lib/state/groups.svelte.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

function workspace() {
  const ws = createTestWorkspace();
  const ada = ws.user('ada@corp.com', 'admin');
  const bob = ws.user('bob@corp.com', 'builder');
  const eve = ws.user('eve@corp.com', 'end-user');
  const old = ws.user('old@corp.com', 'end-user');
  ws.must({ type: 'user.archive', userId: old });
  const hr = ws.group('HR');
  const sales = ws.group('Sales');
  ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
  return { ws, ada, bob, eve, old, hr, sales };
}

describe('groupSections', () => {
  it('puts the three roles first, in role order, and custom groups by name', () => {
    const { ws } = workspace();
    const s = groupSections(ws.state(), '');
    expect(s.roles.map((r) => r.group.name)).toEqual(['Admin', 'Builder', 'End-user']);
    expect(s.custom.map((r) => r.group.name)).toEqual(['HR', 'Sales']);
  });

  it('counts role members without archived users and custom members as stored', () => {
    const { ws } = workspace();
    const s = groupSections(ws.state(), '');
    expect(s.roles.map((r) => r.memberCount)).toEqual([1, 1, 1]);
    expect(s.custom.find((r) => r.group.name === 'HR')?.memberCount).toBe(1);
  });

  it('searches both sections ignoring case', () => {
    const { ws } = workspace();
    const s = groupSections(ws.state(), 'h');
    expect(s.roles).toEqual([]);
    expect(s.custom.map((r) => r.group.name)).toEqual(['HR']);
    expect(groupSections(ws.state(), 'BUILD').roles.map((r) => r.group.name)).toEqual(['Builder']);
  });

  it('drops deleted groups', () => {
    const { ws, sales } = workspace();
    ws.must({ type: 'group.delete', groupId: sales });
    expect(groupSections(ws.state(), '').custom.map((r) => r.group.name)).toEqual(['HR']);
  });
});

describe('group page selectors', () => {
  it('lists the members of a custom group and filters them', () => {
    const { ws, hr } = workspace();
    const g = ws.state().groups.get(hr)!;
    expect(groupMembers(ws.state(), g, '').map((u) => u.email)).toEqual(['eve@corp.com']);
    expect(groupMembers(ws.state(), g, 'zzz')).toEqual([]);
  });

  it('lists users with the role as members of a default group', () => {
    const { ws } = workspace();
    const builder = [...ws.state().groups.values()].find((g) => g.role === 'builder')!;
    expect(groupMembers(ws.state(), builder, '').map((u) => u.email)).toEqual(['bob@corp.com']);
  });

  it('offers only non-members that are not archived (rule 7)', () => {
    const { ws, hr } = workspace();
    const g = ws.state().groups.get(hr)!;
    expect(addableUsers(ws.state(), g, '').map((u) => u.email)).toEqual(['ada@corp.com', 'bob@corp.com']);
    expect(addableUsers(ws.state(), g, 'ada').map((u) => u.email)).toEqual(['ada@corp.com']);
  });

  it('splits grants by resource type', () => {
    const { ws, hr } = workspace();
    ws.app('Payroll');
    ws.must({
      type: 'grant.add',
      groupId: hr,
      grant: {
        name: 'Apps',
        resourceType: 'app',
        scope: 'all',
        resourceIds: [],
        level: 'view',
        hideFromDashboard: false,
      },
    });
    const grants = grantsOf(ws.state().groups.get(hr)!);
    expect(grants.apps.map((g) => g.name)).toEqual(['Apps']);
    expect(grants.dataSources).toEqual([]);
  });

  it("lists the Admin group's built-in grants (all apps Edit, all data sources Configure)", () => {
    const { ws } = workspace();
    const state = ws.state();
    const admin = [...state.groups.values()].find((g) => g.role === 'admin')!;
    const grants = grantsOf(admin, state);
    expect(grants.apps.map((g) => [g.scope, g.level])).toEqual([['all', 'edit']]);
    expect(grants.dataSources.map((g) => [g.scope, g.level])).toEqual([['all', 'configure']]);
  });

  it('gives default groups their restrictions and custom groups none', () => {
    const { ws, hr } = workspace();
    const admin = [...ws.state().groups.values()].find((g) => g.role === 'admin')!;
    expect(restrictionsOf(admin)?.canEditFlags).toBe(false);
    expect(restrictionsOf(admin)?.reason).toMatch(/not editable/);
    expect(restrictionsOf(ws.state().groups.get(hr)!)).toBeNull();
  });
});

describe('issue 11: the grant name proposed, the first users listed', () => {
  it('proposes “Apps”, then “Apps 2”, “Apps 3”… ignoring case (#5)', () => {
    const { ws, hr } = workspace();
    const add = (name: string) =>
      ws.must({
        type: 'grant.add',
        groupId: hr,
        grant: {
          name,
          resourceType: 'app',
          scope: 'all',
          resourceIds: [],
          level: 'view',
          hideFromDashboard: false,
        },
      });
    expect(freeGrantName(ws.state().groups.get(hr)!, 'Apps')).toBe('Apps');
    add('apps');
    expect(freeGrantName(ws.state().groups.get(hr)!, 'Apps')).toBe('Apps 2');
    add('Apps 2');
    expect(freeGrantName(ws.state().groups.get(hr)!, 'Apps')).toBe('Apps 3');
    expect(freeGrantName(ws.state().groups.get(hr)!, 'Data sources')).toBe('Data sources');
  });

  it('lists the first users before any search, at most ADDABLE_LIMIT', () => {
    const { ws, hr } = workspace();
    for (let i = 0; i < ADDABLE_LIMIT + 5; i++)
      ws.user(`u${String(i).padStart(2, '0')}@corp.com`, 'end-user');
    const g = ws.state().groups.get(hr)!;
    const first = addableUsers(ws.state(), g, '');
    expect(first).toHaveLength(ADDABLE_LIMIT);
    expect(first[0]?.email).toBe('ada@corp.com');
  });
});

describe('group list rows', () => {
  it('are computed once per state and filtered by their lower-case key', async () => {
    const { groupListRows, filterSections } = await import('../../web/src/lib/state/groups.svelte.ts');
    const { ws } = workspace();
    const state = ws.state();
    expect(groupListRows(state)).toBe(groupListRows(state));
    const s = filterSections(groupListRows(state), ' hR ');
    expect(s.custom.map((r) => r.group.name)).toEqual(['HR']);
    expect(s.roles).toEqual([]);
  });
});
