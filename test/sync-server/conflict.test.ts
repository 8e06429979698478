/** Two admins' concurrent edits merge into a rule-breaking state: the server repairs and records a conflict. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readState } from '../../core/index.ts';
import { addUser, api, connect, run, setup, startServer, synced, type TestServer, until } from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(() => t.close());

it('repairs towards least privilege and shows the conflict, with both edits and authors, to every admin', async () => {
  const ada = await setup(t, 'acme', 'ada@acme.test');
  const bo = await addUser(t, ada, 'acme', 'bo@acme.test', 'admin');
  const eu = await addUser(t, ada, 'acme', 'eve@acme.test', 'end-user');
  const group = (
    await api(t.url, 'POST', '/api/workspaces/acme/groups', { token: ada, body: { name: 'Team' } })
  ).body.group;

  const a = connect(t, 'acme', ada);
  const b = connect(t, 'acme', bo.token);
  await Promise.all([synced(a), synced(b)]);
  b.provider.disconnect();
  // Ada makes the group builder-level (nobody in it: no role change)…
  run(a.doc, { type: 'group.setFlags', groupId: group.id, flags: { appCreate: true } });
  // …while Bo, offline, adds the end-user to it (not builder-level as Bo sees it).
  run(b.doc, { type: 'group.addMembers', groupId: group.id, userIds: [eu.userId] });
  await until(async () => {
    const g = await api(t.url, 'GET', `/api/workspaces/acme/groups/${group.id}`, { token: ada });
    return g.body.group.flags.appCreate === true;
  });
  b.provider.connect();

  await until(
    () => readState(a.doc).conflicts.size > 0 && readState(b.doc).conflicts.size > 0,
    5000,
    'conflict record',
  );
  for (const doc of [a.doc, b.doc]) {
    const s = readState(doc);
    expect(s.groups.get(group.id)!.members.has(eu.userId)).toBe(false);
    expect(s.users.get(eu.userId)!.role).toBe('end-user');
  }
  const res = await api(t.url, 'GET', '/api/workspaces/acme/conflicts', { token: bo.token });
  expect(res.status).toBe(200);
  const conflict = res.body.conflicts[0];
  expect(conflict.code).toBe('end-user-in-builder-group');
  const actors = conflict.edits.map((e: { actor: string }) => e.actor);
  expect(actors).toEqual(expect.arrayContaining(['Admin', 'bo']));
  // The repair is audited as the server's own change.
  const audit = await api(t.url, 'GET', '/api/workspaces/acme/audit?limit=5', { token: ada });
  expect(
    audit.body.entries.some(
      (e: { action: string; source: string }) => e.action === 'repair' && e.source === 'server',
    ),
  ).toBe(true);
  // Re-apply in one step: the admin confirms the role change.
  const again = await api(t.url, 'POST', `/api/workspaces/acme/groups/${group.id}/members`, {
    token: ada,
    body: { userIds: [eu.userId], allowRoleChange: true },
  });
  expect(again.status).toBe(200);
  const resolved = await api(t.url, 'POST', `/api/workspaces/acme/conflicts/${conflict.id}/resolve`, {
    token: ada,
  });
  expect(resolved.status).toBe(200);
  a.destroy();
  b.destroy();
});
