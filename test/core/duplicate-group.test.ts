/** Issue 11 #3: a duplicate copies exactly what the dialog says — default groups included, nothing dropped silently. */
import { describe, expect, it } from 'vitest';
import { accessFor, duplicateContents, FLAGS, type Role } from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

const ALL = { users: true, permissions: true, apps: true, dataSources: true };

function setup() {
  const ws = createTestWorkspace();
  const ada = ws.user('ada@corp.com', 'admin');
  const ann = ws.user('ann@corp.com', 'admin');
  const bob = ws.user('bob@corp.com', 'builder');
  const eve = ws.user('eve@corp.com', 'end-user');
  const emma = ws.user('emma@corp.com', 'end-user', 'invited');
  const old = ws.user('old@corp.com', 'end-user');
  ws.must({ type: 'user.archive', userId: old });
  const crm = ws.app('CRM');
  ws.dataSource('Payroll DB');
  return { ws, ada, ann, bob, eve, emma, old, crm };
}

function duplicateRole(ws: ReturnType<typeof setup>['ws'], role: Role, parts = ALL) {
  const id = ws.must({ type: 'group.duplicate', groupId: ws.groupByName(roleName(role)), parts });
  return ws.state().groups.get(id)!;
}

const roleName = (r: Role) => ({ admin: 'Admin', builder: 'Builder', 'end-user': 'End-user' })[r];

describe('duplicating a default group', () => {
  it('Admin → a custom group with every flag, Edit all apps, Configure all data sources and the admins', () => {
    const { ws, ada, ann } = setup();
    const copy = duplicateRole(ws, 'admin');
    expect(copy.kind).toBe('custom');
    expect(copy.name).toBe('Admin_copy');
    expect(FLAGS.every((f) => copy.flags[f])).toBe(true);
    const grants = [...copy.grants.values()].map((g) => [g.resourceType, g.scope, g.level]);
    expect(grants).toEqual(
      expect.arrayContaining([
        ['app', 'all', 'edit'],
        ['dataSource', 'all', 'configure'],
      ]),
    );
    expect([...copy.members].sort()).toEqual([ada, ann].sort());
  });

  it('End-user → its grants and the end-users who are not archived (invited ones included)', () => {
    const { ws, eve, emma, old, crm } = setup();
    const copy = duplicateRole(ws, 'end-user');
    expect([...copy.grants.values()].map((g) => g.level)).toEqual(['view']);
    expect([...copy.members].sort()).toEqual([eve, emma].sort());
    expect(copy.members.has(old)).toBe(false);
    // The members keep their role, and their access does not change.
    expect(ws.state().users.get(eve)!.role).toBe('end-user');
    expect(accessFor(ws.state(), eve)!.app(crm).level).toBe('view');
  });

  it('Builder → its stored flags (as edited) and grants, and the builders', () => {
    const { ws, bob } = setup();
    ws.must({ type: 'group.setFlags', groupId: ws.groupByName('Builder'), flags: { folderCRUD: false } });
    const copy = duplicateRole(ws, 'builder');
    expect(copy.flags.folderCRUD).toBe(false);
    expect(copy.flags.appCreate).toBe(true);
    expect(copy.grants.size).toBe(2);
    expect([...copy.members]).toEqual([bob]);
  });

  it('copies only the ticked parts', () => {
    const { ws } = setup();
    const copy = duplicateRole(ws, 'admin', {
      users: false,
      permissions: false,
      apps: true,
      dataSources: false,
    });
    expect(copy.members.size).toBe(0);
    expect(FLAGS.some((f) => copy.flags[f])).toBe(false);
    expect([...copy.grants.values()].map((g) => g.resourceType)).toEqual(['app']);
  });
});

describe('duplicateContents (what the dialog shows)', () => {
  it('is what the command writes, with a note for default groups', () => {
    const { ws } = setup();
    const group = ws.state().groups.get(ws.groupByName('End-user'))!;
    const shown = duplicateContents(ws.state(), group, ALL);
    const copy = duplicateRole(ws, 'end-user');
    expect(shown.name).toBe(copy.name);
    expect(shown.members.map((u) => u.id).sort()).toEqual([...copy.members].sort());
    expect(shown.grants.map((g) => g.name)).toEqual([...copy.grants.values()].map((g) => g.name));
    expect(shown.flagsOn).toEqual([]);
    expect(shown.note).toContain('End-user');
  });

  it('lists the members it leaves out, with the reason', () => {
    const { ws, eve } = setup();
    const hr = ws.group('HR');
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
    // An archived member (archived after joining) is kept by the group but not copied.
    const sam = ws.user('sam@corp.com', 'end-user');
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [sam] });
    ws.must({ type: 'user.archive', userId: sam });
    const shown = duplicateContents(ws.state(), ws.state().groups.get(hr)!, ALL);
    expect(shown.members.map((u) => u.id)).toEqual([eve]);
    expect(shown.skipped.map((s) => [s.user.email, s.reason])).toEqual([
      ['sam@corp.com', expect.stringMatching(/archived/i)],
    ]);
    expect(shown.note).toBeNull();
  });
});
