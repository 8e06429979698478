/** Access matrix: levels per user × app from core, filters, and the access-review CSV. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
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
