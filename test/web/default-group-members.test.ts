/**
 * Issue 9, disagreement 2: the admin app and the REST API list the same members of every group — an
 * archived admin is in neither's Admin group. A real server holds the workspace; the web's store reads
 * the same doc, synced from that server (fake-indexeddb for its replica).
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { GroupPage, GroupsList } from '../../web/src/lib/state/groups.svelte.ts';
import { UsersList } from '../../web/src/lib/state/users.svelte.ts';
import { workspace } from '../../web/src/lib/state/workspace.svelte.ts';
import {
  addUser,
  api,
  type Client,
  connect,
  run,
  setup,
  startServer,
  synced,
  type TestServer,
  until,
} from '../sync-server/helpers.ts';

const WS = 'acme';
let t: TestServer;
let admin = '';
let client: Client;
const ids: Record<string, string> = {};

interface GroupJson {
  readonly id: string;
  readonly name: string;
  readonly kind: 'default' | 'custom';
  readonly members: readonly string[];
}

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t, WS);
  for (const [email, role] of [
    ['ann@acme.test', 'admin'],
    ['bob@acme.test', 'builder'],
    ['carl@acme.test', 'builder'],
    ['eve@acme.test', 'end-user'],
  ] as const)
    ids[email] = (await addUser(t, admin, WS, email, role)).userId;
  const invited = await api(t.url, 'POST', `/api/workspaces/${WS}/users`, {
    token: admin,
    body: { email: 'ivy@acme.test', name: 'Ivy', role: 'admin' },
  });
  expect(invited.status).toBe(201);
  ids['ivy@acme.test'] = invited.body.user.id;

  client = connect(t, WS, admin);
  await synced(client);
  // A custom group that keeps an archived member (rule 7: archived users keep their memberships).
  const hr = run(client.doc, { type: 'group.create', name: 'HR' })!;
  run(client.doc, { type: 'group.addMembers', groupId: hr, userIds: [ids['eve@acme.test']!] });
  for (const email of ['ann@acme.test', 'bob@acme.test', 'eve@acme.test']) {
    const r = await api(t.url, 'POST', `/api/workspaces/${WS}/users/${ids[email]}/archive`, { token: admin });
    expect(r.status).toBe(200);
  }
  await until(
    () =>
      [...client.doc.getMap('users').values()].filter(
        (u) => (u as Y.Map<unknown>).get('status') === 'archived',
      ).length === 3,
    5000,
    'the archives to reach the client',
  );

  await workspace.open(WS, { connect: false });
  Y.applyUpdate(workspace.doc!, Y.encodeStateAsUpdate(client.doc));
  workspace.refresh();
});

afterAll(async () => {
  workspace.close();
  client?.destroy();
  await t?.close();
});

async function restGroups(): Promise<GroupJson[]> {
  const r = await api<{ groups: GroupJson[] }>(t.url, 'GET', `/api/workspaces/${WS}/groups`, {
    token: admin,
  });
  expect(r.status).toBe(200);
  return r.body.groups;
}

describe('group members: the admin app and REST agree', () => {
  it('each group page lists the members GET /groups/:id lists (an archived admin in neither)', async () => {
    const groups = await restGroups();
    expect(groups.map((g) => g.name)).toEqual(['Admin', 'Builder', 'End-user', 'HR']);
    for (const g of groups) {
      const one = await api<{ group: GroupJson }>(t.url, 'GET', `/api/workspaces/${WS}/groups/${g.id}`, {
        token: admin,
      });
      expect(one.status).toBe(200);
      const web = new GroupPage(g.id);
      expect(web.members.map((u) => u.id).sort(), g.name).toEqual([...one.body.group.members].sort());
      expect(web.memberCount, g.name).toBe(one.body.group.members.length);
    }
    const adminGroup = groups.find((g) => g.name === 'Admin')!;
    expect(adminGroup.members).not.toContain(ids['ann@acme.test']);
    expect(adminGroup.members).toContain(ids['ivy@acme.test']); // invited: a member, not yet active
    expect(groups.find((g) => g.name === 'HR')!.members).toEqual([ids['eve@acme.test']]);
  });

  it('the Groups list counts what GET /groups lists', async () => {
    const groups = await restGroups();
    const rows = new GroupsList().rows;
    expect(rows.map((r) => [r.group.name, r.memberCount])).toEqual(
      groups.map((g) => [g.name, g.members.length]),
    );
  });

  it('the Users page’s last admin is core’s sole active admin (archived and invited admins do not count)', () => {
    const list = new UsersList();
    const setupAdmin = [...(workspace.state?.users.values() ?? [])].find(
      (u) => u.email === 'admin@acme.test',
    );
    expect(list.soleAdmin).toBe(setupAdmin?.id);
  });
});
