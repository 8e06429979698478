/**
 * Issue 11 #8: a conflict card names only the edits that caused the conflict, each with its direction —
 * not the unrelated edits of the same group minutes earlier (a rename, an un-ticked flag).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readState } from '../../core/index.ts';
import { causingEdits } from '../../sync-server/sync/repair-runner.ts';
import { addUser, api, connect, run, setup, startServer, synced, type TestServer, until } from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

it('lists the two edits that met, in order, with what each did', async () => {
  const ada = await setup(t, 'acme', 'ada@acme.test');
  const bo = await addUser(t, ada, 'acme', 'bo@acme.test', 'admin');
  const eu = await addUser(t, ada, 'acme', 'eve@acme.test', 'end-user');
  const W = '/api/workspaces/acme';
  const group = (await api(t.url, 'POST', `${W}/groups`, { token: ada, body: { name: 'Team' } })).body.group;
  // Unrelated edits of the same group, earlier: a rename, a flag ticked and un-ticked.
  await api(t.url, 'PATCH', `${W}/groups/${group.id}`, { token: ada, body: { name: 'Team A' } });
  for (const on of [true, false])
    await api(t.url, 'PUT', `${W}/groups/${group.id}/permissions`, {
      token: ada,
      body: { dataSourceCreate: on, allowRoleChange: true },
    });

  const a = connect(t, 'acme', ada);
  const b = connect(t, 'acme', bo.token);
  await Promise.all([synced(a), synced(b)]);
  b.provider.disconnect();
  run(a.doc, { type: 'group.setFlags', groupId: group.id, flags: { appCreate: true } });
  run(b.doc, { type: 'group.addMembers', groupId: group.id, userIds: [eu.userId] });
  await until(async () => {
    const g = await api(t.url, 'GET', `${W}/groups/${group.id}`, { token: ada });
    return g.body.group.flags.appCreate === true;
  });
  b.provider.connect();
  await until(() => readState(a.doc).conflicts.size > 0, 5000, 'conflict record');

  const res = await api(t.url, 'GET', `${W}/conflicts`, { token: ada });
  const conflict = res.body.conflicts[0];
  expect(conflict.code).toBe('end-user-in-builder-group');
  const edits = conflict.edits.map((e: { actor: string; summary: string }) => [e.actor, e.summary]);
  expect(edits).toEqual([
    ['Admin', '“Team A”: Apps: create off → on'],
    ['bo', 'Added eve@acme.test to “Team A”'],
  ]);
  a.destroy();
  b.destroy();
});

it('takes, per cause, the newest audited edit of that field; one line per edit, oldest first', () => {
  const entry = (
    id: number,
    at: number,
    actorName: string,
    entities: { id: string; fields: string[] }[],
  ) => ({
    id,
    at,
    workspaceId: 'w',
    actorId: null,
    actorEmail: null,
    actorName,
    source: 'sync',
    action: 'doc.update',
    summary: 'as the audit says it',
    entities: entities.map((e) => ({ collection: 'groups', ...e })),
  });
  // Newest first, as recentAuditFor answers.
  const recent = [
    entry(4, 40, 'Bo', [{ id: 'g', fields: ['members'] }]),
    entry(3, 30, 'Ada', [{ id: 'g', fields: ['appCreate', 'appDelete'] }]),
    entry(2, 20, 'Ada', [{ id: 'g', fields: ['name'] }]),
    entry(1, 10, 'Ada', [{ id: 'g', fields: ['appCreate'] }]),
  ];
  const edits = causingEdits(
    {
      causes: [
        { entityId: 'g', fields: ['members'], text: 'Added eve to “G”' },
        { entityId: 'g', fields: ['appCreate'], text: '“G”: Apps: create off → on' },
        { entityId: 'g', fields: ['appDelete'], text: '“G”: Apps: delete off → on' },
        { entityId: 'g', fields: ['folderCRUD'], text: 'never audited' },
      ],
    },
    recent,
  );
  expect(edits).toEqual([
    { actor: 'Ada', at: 30, summary: '“G”: Apps: create off → on; “G”: Apps: delete off → on' },
    { actor: 'Bo', at: 40, summary: 'Added eve to “G”' },
  ]);
});
