/** Access matrix: levels per user × app from core, filters, and the access-review CSV. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { explain, liveGrants } from '../../core/index.ts';
import { createDatabase, openReplica, resetReplica } from '../../web/src/lib/db/index.ts';
import { buildMatrix, matrixCsvRows } from '../../web/src/lib/state/access-matrix.svelte.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

const ALL = { groupId: '', role: '', app: '', user: '' };

function fixture() {
  const ws = createTestWorkspace();
  const bob = ws.user('bob@corp.com', 'builder');
  const eve = ws.user('eve@corp.com', 'end-user');
  const payroll = ws.app('Payroll');
  ws.app('CRM');
  const hr = ws.group('HR');
  ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
  return { ws, bob, eve, payroll, hr };
}

describe('buildMatrix', () => {
  it('gives each user the level core computes', () => {
    const { ws } = fixture();
    const m = buildMatrix(ws.state(), ALL);
    expect(m.apps.map((a) => a.name)).toEqual(['CRM', 'Payroll']);
    expect(m.users.map((u) => u.email)).toEqual(['bob@corp.com', 'eve@corp.com']);
    expect(m.levels).toEqual([
      ['edit', 'edit'],
      ['view', 'view'],
    ]);
  });

  it('filters by group, role and app name', () => {
    const { ws, hr } = fixture();
    expect(buildMatrix(ws.state(), { ...ALL, groupId: hr }).users.map((u) => u.email)).toEqual([
      'eve@corp.com',
    ]);
    expect(buildMatrix(ws.state(), { ...ALL, role: 'builder' }).users.map((u) => u.email)).toEqual([
      'bob@corp.com',
    ]);
    expect(buildMatrix(ws.state(), { ...ALL, app: 'pay' }).apps.map((a) => a.name)).toEqual(['Payroll']);
  });

  it('writes one CSV line per user and app with the groups it comes via', () => {
    const { ws } = fixture();
    const rows = matrixCsvRows(ws.state(), buildMatrix(ws.state(), { ...ALL, user: 'eve' }));
    expect(rows[0]).toEqual(['email', 'name', 'role', 'status', 'app', 'level', 'hidden', 'via']);
    expect(rows.slice(1).map((r) => [r[4], r[5], r[7]])).toEqual([
      ['CRM', 'view', 'End-user'],
      ['Payroll', 'view', 'End-user'],
    ]);
  });
});

describe('matrix suggestions (issue 11 #7)', () => {
  /** Eve (End-user) with no access to Payroll: the End-user role's "all apps" grant is removed. */
  function noAccess() {
    const f = fixture();
    const endUsers = f.ws.groupByName('End-user');
    for (const g of liveGrants(f.ws.state().groups.get(endUsers)!))
      f.ws.must({ type: 'grant.remove', groupId: endUsers, grantId: g.id });
    const grant = (groupId: string, level: 'view' | 'edit') =>
      f.ws.must({
        type: 'grant.add',
        groupId,
        grant: {
          name: 'Payroll',
          resourceType: 'app',
          scope: 'custom',
          resourceIds: [f.payroll],
          level,
          hideFromDashboard: false,
        },
      });
    return { ...f, grant };
  }

  it('states the access the user would really end with when the group makes them a Builder', () => {
    const { ws, eve, payroll, grant } = noAccess();
    const sales = ws.group('Sales');
    grant(sales, 'view');
    ws.must({ type: 'group.setFlags', groupId: sales, flags: { appCreate: true } });
    const s = explain(ws.state(), eve, { type: 'app', id: payroll })!;
    expect(s.level).toBeNull();
    const viaSales = s.suggestions.find((x) => x.groupName === 'Sales')!;
    expect(viaSales).toMatchObject({ level: 'edit', roleChange: 'builder' });
    expect(viaSales.text).toBe(
      'Member of “Sales” would give Edit (and make them a Builder: the Builder role gives Edit)',
    );
  });

  it('says what a group gives when the role stays, and what a role gives', () => {
    const { ws, eve, payroll, grant } = noAccess();
    const ops = ws.group('Ops');
    grant(ops, 'view');
    const s = explain(ws.state(), eve, { type: 'app', id: payroll })!;
    expect(s.suggestions.map((x) => x.text)).toEqual([
      'Member of “Ops” would give View',
      'Role Builder would give Edit',
      'Role Admin would give Edit',
    ]);
  });
});

describe('resetReplica', () => {
  it('throws the local replica away and starts a new, empty generation', async () => {
    const db = createDatabase('reset-test');
    const first = await openReplica(db, 'acme');
    first.doc.getMap('meta').set('name', 'Acme');
    await new Promise((r) => setTimeout(r, 50));
    first.release();
    await resetReplica(db, first);
    const second = await openReplica(db, 'acme');
    expect(second.key).toBe('acme#2');
    expect(second.doc.getMap('meta').get('name')).toBeUndefined();
    expect(await db.workspaces.count()).toBe(1);
    second.release();
    db.close();
  });
});
