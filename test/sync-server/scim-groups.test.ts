/**
 * SCIM Groups with Entra- and Okta-shaped traffic (reference/identity.md): groups map to custom groups of
 * the connection; members by user id; renames; held upgrades into builder-level groups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapplyCommand } from '../../core/index.ts';
import { api, setup, startServer, type TestServer } from './helpers.ts';
import { GROUP, PATCH, type ScimClient, scimConnection, userBody } from './scim-helpers.ts';

let t: TestServer;
let admin: string;
let entra: ScimClient;
let okta: ScimClient;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t, 'acme');
  entra = await scimConnection(t, admin, 'acme', 'Entra ID');
  okta = await scimConnection(t, admin, 'acme', 'Okta');
  for (const name of ['ana', 'ben', 'cyd', 'dee']) {
    const r = await okta.call('POST', '/Users', userBody(`${name}@acme.test`));
    expect(r.status).toBe(201);
    ids[name] = r.body.id;
  }
});
afterAll(() => t.close());

const group = async (id: string) =>
  (await api(t.url, 'GET', '/api/workspaces/acme/groups', { token: admin })).body.groups.find(
    (g: { id: string }) => g.id === id,
  ) as { id: string; name: string; members?: string[]; memberIds?: string[] } | undefined;
const memberIds = async (id: string) => {
  const r = await api(t.url, 'GET', `/api/workspaces/acme/groups/${id}`, { token: admin });
  return ((r.body.group?.members ?? []) as ({ id: string } | string)[])
    .map((m) => (typeof m === 'string' ? m : m.id))
    .sort();
};

describe('SCIM Groups, Okta-shaped', () => {
  it('creates with members: [], renames with {id, displayName}, removes and adds members, replaces them all', async () => {
    const c = await okta.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Finance', members: [] });
    expect(c.status).toBe(201);
    const gid = c.body.id as string;
    expect(c.body).toMatchObject({ schemas: [GROUP], displayName: 'Finance', members: [] });
    expect((await group(gid))?.name).toBe('Finance');
    const add = await okta.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', value: { id: gid, displayName: 'Finance EU' } },
        {
          op: 'add',
          path: 'members',
          value: [{ value: ids.ana, display: 'ana@acme.test' }, { value: ids.ben }],
        },
      ],
    });
    expect([200, 204]).toContain(add.status);
    expect((await group(gid))?.name).toBe('Finance EU');
    expect(await memberIds(gid)).toEqual([ids.ana!, ids.ben!].sort());
    const swap = await okta.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', value: { id: gid, displayName: 'Finance EU' } },
        { op: 'remove', path: `members[value eq "${ids.ana}"]` },
        { op: 'add', path: 'members', value: [{ value: ids.cyd }] },
      ],
    });
    expect([200, 204]).toContain(swap.status);
    expect(await memberIds(gid)).toEqual([ids.ben!, ids.cyd!].sort());
    const all = await okta.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'members', value: [{ value: ids.dee }] }],
    });
    expect(all.status).toBe(200);
    expect(all.body.members.map((m: { value: string }) => m.value)).toEqual([ids.dee]);
    expect(await memberIds(gid)).toEqual([ids.dee]);
    const del = await okta.call('DELETE', `/Groups/${gid}`);
    expect(del.status).toBe(204);
    expect(await group(gid)).toBeUndefined();
    expect((await okta.call('GET', `/Groups/${gid}`)).status).toBe(404);
  });
});

describe('sources: a connection adds and removes only its own memberships', () => {
  it('keeps hand-added members through a replace and a removal by the IdP', async () => {
    const c = await okta.call('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Support',
      members: [{ value: ids.ben }],
    });
    const gid = c.body.id as string;
    const manual = await api(t.url, 'POST', `/api/workspaces/acme/groups/${gid}/members`, {
      token: admin,
      body: { userIds: [ids.ana, ids.ben] },
    });
    expect(manual.status).toBe(200);
    // The IdP's view: only its own member.
    expect(
      (await okta.call('GET', `/Groups/${gid}`)).body.members.map((m: { value: string }) => m.value),
    ).toEqual([ids.ben]);
    const replace = await okta.call('PUT', `/Groups/${gid}`, {
      schemas: [GROUP],
      displayName: 'Support',
      members: [{ value: ids.cyd }],
    });
    expect(replace.body.members.map((m: { value: string }) => m.value)).toEqual([ids.cyd]);
    // ben was in by hand too: the IdP's removal leaves that membership; ana was never the IdP's.
    expect(await memberIds(gid)).toEqual([ids.ana!, ids.ben!, ids.cyd!].sort());
    // Another connection's view of the same group: not its group at all.
    expect((await entra.call('GET', `/Groups/${gid}`)).status).toBe(404);
  });
});

describe('SCIM Groups, Entra-shaped', () => {
  it('filters by displayName with excludedAttributes=members, removes with a value array, answers 409 on a taken name', async () => {
    const q = `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Ops"')}`;
    expect((await entra.call('GET', q)).body).toMatchObject({ totalResults: 0, Resources: [] });
    const c = await entra.call('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Ops',
      externalId: 'aad-ops',
      members: [{ value: ids.ana }],
    });
    expect(c.status).toBe(201);
    const gid = c.body.id as string;
    const found = await entra.call('GET', q);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0]).toMatchObject({ id: gid, displayName: 'Ops', externalId: 'aad-ops' });
    expect(found.body.Resources[0].members).toBeUndefined();
    // Groups are per connection: Okta does not see Entra's group.
    expect((await okta.call('GET', q)).body.totalResults).toBe(0);
    const add = await entra.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Add', path: 'members', value: [{ value: ids.ben }] }],
    });
    expect(add.status).toBe(200);
    const rm = await entra.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: ids.ana }] }],
    });
    expect(rm.status).toBe(200);
    expect(await memberIds(gid)).toEqual([ids.ben]);
    const dup = await entra.call('POST', '/Groups', { schemas: [GROUP], displayName: 'ops' });
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe('uniqueness');
    const reserved = await entra.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Admin' });
    expect(reserved.status).toBe(400);
  });

  it('PATCH to a missing member is noTarget and changes nothing', async () => {
    const c = await entra.call('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Legal',
      members: [{ value: ids.cyd }],
    });
    const gid = c.body.id as string;
    const before = await memberIds(gid);
    const r = await entra.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'add', path: 'members', value: [{ value: ids.dee }] },
        { op: 'remove', path: `members[value eq "${ids.ana}"]` },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: '400', scimType: 'noTarget' });
    const unknown = await entra.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: 'nosuchuser' }] }],
    });
    expect(unknown.body.scimType).toBe('noTarget');
    expect(await memberIds(gid)).toEqual(before);
  });

  it('holds End-users joining a builder-level group unless the connection may upgrade roles', async () => {
    const c = await entra.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Builders of X' });
    const gid = c.body.id as string;
    const flags = await api(t.url, 'PUT', `/api/workspaces/acme/groups/${gid}/permissions`, {
      token: admin,
      body: { appCreate: true },
    });
    expect(flags.status).toBe(200);
    const r = await entra.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: ids.dee }] }],
    });
    expect(r.status).toBe(200);
    expect(await memberIds(gid)).toEqual([]);
    const conflicts = (await api(t.url, 'GET', '/api/workspaces/acme/conflicts', { token: admin })).body;
    expect(JSON.stringify(conflicts)).toContain('Builders of X');
    const users = (await api(t.url, 'GET', '/api/workspaces/acme/users', { token: admin })).body.users;
    expect(users.find((u: { id: string }) => u.id === ids.dee).role).toBe('end-user');
  });

  it("an admin's re-apply of the held membership adds it as the connection's, which the connection then removes", async () => {
    const ws = (await t.server.ctx.storage.workspaceBySlug('acme'))!;
    const held = await t.server.ctx.registry.with(ws, (live) =>
      [...live.state().conflicts.values()].find((c) => c.message.includes('Builders of X')),
    );
    const scim = `scim:${entra.connectionId}` as const;
    expect(held!.edits[0]!.source).toBe(scim);
    const gid = held!.entities.find((e) => e.collection === 'groups')!.id;
    const command = await t.server.ctx.registry.with(ws, (live) => reapplyCommand(live.state(), held!));
    expect(command).toEqual({ type: 'group.addMembers', groupId: gid, userIds: [ids.dee], source: scim });
    const actor = { accountId: null, email: 'admin@acme.test', name: 'Admin' };
    const r = await t.server.ctx.registry.with(ws, (live) =>
      live.submit({ kind: 'command', command: { ...command!, allowRoleChange: true } }, actor, 'api'),
    );
    expect(r.ok).toBe(true);
    const sources = () =>
      t.server.ctx.registry.with(ws, (live) =>
        (live.state().groups.get(gid)!.memberships.get(ids.dee!) ?? []).map((m) => m.source),
      );
    expect(await sources()).toEqual([scim]);
    // The connection owns it: its own removal takes it away (a manual membership would have stayed).
    const rm = await entra.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${ids.dee}"]` }],
    });
    expect([200, 204]).toContain(rm.status);
    expect(await sources()).toEqual([]);
  });
});
