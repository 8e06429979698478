/**
 * SCIM Users with Entra- and Okta-shaped traffic (reference/identity.md) against a real server on
 * loopback: create, filters, paging, PUT, PATCH in both IdPs' shapes, deprovisioning and restore, roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, setup, startServer, type TestServer } from './helpers.ts';
import { PATCH, ROLE_EXT, type ScimClient, scimConnection, USER, userBody } from './scim-helpers.ts';

let t: TestServer;
let admin: string;
let entra: ScimClient;
let okta: ScimClient;

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t, 'acme');
  entra = await scimConnection(t, admin, 'acme', 'Entra ID');
  okta = await scimConnection(t, admin, 'acme', 'Okta');
});
afterAll(() => t.close());

const users = async () =>
  (await api(t.url, 'GET', '/api/workspaces/acme/users', { token: admin })).body.users as {
    id: string;
    email: string;
    name: string;
    role: string;
    status: string;
  }[];

describe('SCIM Users, Entra-shaped', () => {
  it('answers an unknown user (Test connection) with an empty list, in application/scim+json', async () => {
    const r = await entra.call(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "f8a2b5c4-nobody@acme.test"')}`,
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(r.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('creates, finds by userName / externalId / work email, soft-deletes with "False" and restores', async () => {
    const create = await entra.call('POST', '/Users', {
      ...userBody('nia.ode@acme.test'),
      externalId: 'e-0001',
      displayName: 'Nia Ode',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '42' },
      title: 'Engineer',
    });
    expect(create.status).toBe(201);
    const id = create.body.id as string;
    expect(create.headers.get('location')).toBe(create.body.meta.location);
    expect(create.headers.get('etag')).toMatch(/^W\/"/);
    expect(create.body).toMatchObject({
      schemas: [USER, ROLE_EXT],
      userName: 'nia.ode@acme.test',
      externalId: 'e-0001',
      displayName: 'Nia Ode',
      active: true,
      emails: [{ value: 'nia.ode@acme.test', type: 'work', primary: true }],
      [ROLE_EXT]: { role: 'end-user' },
    });
    expect(create.body.title).toBeUndefined(); // not supported: ignored, not stored
    const u = (await users()).find((x) => x.id === id)!;
    expect(u).toMatchObject({ email: 'nia.ode@acme.test', role: 'end-user', status: 'invited' });

    for (const f of [
      'userName eq "Nia.Ode@acme.test"',
      'externalId eq "e-0001"',
      'emails[type eq "work"].value eq "nia.ode@acme.test"',
    ]) {
      const r = await entra.call('GET', `/Users?filter=${encodeURIComponent(f)}`);
      expect(r.status, f).toBe(200);
      expect(r.body.totalResults, f).toBe(1);
      expect(r.body.Resources[0].id, f).toBe(id);
    }
    expect(
      (await entra.call('GET', `/Users?filter=${encodeURIComponent('externalId eq "E-0001"')}`)).body
        .totalResults,
    ).toBe(0);

    // Entra's default PATCH: capitalised op, string boolean.
    const off = await entra.call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await users()).find((x) => x.id === id)!.status).toBe('archived');
    // An inactive user is still returned by GET and filters.
    expect((await entra.call('GET', `/Users/${id}`)).body.active).toBe(false);
    expect(
      (
        await entra.call(
          'GET',
          `/Users?filter=${encodeURIComponent('userName eq "nia.ode@acme.test" and active eq false')}`,
        )
      ).body.totalResults,
    ).toBe(1);

    // With aadOptscim062020: path-less replace with dotted and URN keys.
    const on = await entra.call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        {
          op: 'replace',
          value: {
            active: true,
            'name.givenName': 'Nia B.',
            displayName: 'Nia B. Ode',
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': '43',
          },
        },
      ],
    });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ active: true, displayName: 'Nia B. Ode', name: { givenName: 'Nia B.' } });
    const after = (await users()).find((x) => x.id === id)!;
    expect(after).toMatchObject({ status: 'invited', name: 'Nia B. Ode' }); // never accepted: restore keeps it invited

    // Attributes Gatehouse does not keep are ignored, whatever the op (a remove of a missing one included).
    const ignored = await entra.call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Add', path: 'addresses[type eq "work"].formatted', value: '1 Main St' },
        { op: 'Remove', path: 'phoneNumbers[type eq "fax"]' },
        {
          op: 'Replace',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
          value: { value: 'm1' },
        },
      ],
    });
    expect(ignored.status).toBe(200);
    expect(ignored.body.meta.version).toBe(on.body.meta.version);
    expect(ignored.body.addresses).toBeUndefined();

    // Microsoft's validator: an empty Operations array is a no-op.
    const noop = await entra.call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [] });
    expect(noop.status).toBe(200);
    expect(noop.body.meta.version).toBe(on.body.meta.version);
  });

  it('audits every change with the connection as the actor', async () => {
    const r = await api(t.url, 'GET', '/api/workspaces/acme/audit?limit=50', { token: admin });
    expect(r.status).toBe(200);
    const mine = (r.body.entries as { actor: { id: string; name: string } | null; action: string }[]).filter(
      (e) => e.actor?.id === `scim:${entra.connectionId}` && e.actor.name === 'SCIM: Entra ID',
    );
    expect(mine.map((e) => e.action)).toEqual(
      expect.arrayContaining(['user.invite', 'user.archive', 'user.restore', 'user.rename']),
    );
  });
});

describe('SCIM Users, Okta-shaped', () => {
  it('looks up, creates, gets 409 on a duplicate, updates by PUT, deactivates by PATCH, never deletes', async () => {
    const q = `/Users?filter=${encodeURIComponent('userName eq "sam.lee@acme.test"')}&startIndex=1&count=100`;
    expect((await okta.call('GET', q)).body.totalResults).toBe(0);
    const body = userBody('sam.lee@acme.test', { externalId: '00u1', displayName: 'Sam Lee' });
    const c = await okta.call('POST', '/Users', body);
    expect(c.status).toBe(201);
    const dup = await okta.call('POST', '/Users', body);
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
    });
    const found = await okta.call('GET', q);
    expect(found.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    const id = found.body.Resources[0].id;
    const put = await okta.call('PUT', `/Users/${id}`, {
      ...body,
      id,
      name: { givenName: 'Samuel', familyName: 'Lee' },
      displayName: 'Samuel Lee',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      displayName: 'Samuel Lee',
      name: { givenName: 'Samuel', familyName: 'Lee' },
      externalId: '00u1',
    });
    const deact = await okta.call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(deact.status).toBe(200);
    expect(deact.body.active).toBe(false);
    // A create of the deprovisioned person restores them (memberships kept: SPEC rule 7).
    const again = await okta.call('POST', '/Users', body);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id, active: true });
  });

  it('pages in a stable order with integer startIndex, count and totalResults', async () => {
    for (let i = 0; i < 7; i++)
      expect((await okta.call('POST', '/Users', userBody(`p${i}.page@acme.test`))).status).toBe(201);
    const all = await okta.call('GET', '/Users?count=100');
    const ids = (all.body.Resources as { id: string }[]).map((r) => r.id);
    expect(all.body.totalResults).toBe(ids.length);
    const seen: string[] = [];
    for (let start = 1; start <= ids.length; start += 3) {
      const p = await okta.call('GET', `/Users?startIndex=${start}&count=3`);
      expect(p.body.startIndex).toBe(start);
      expect(p.body.totalResults).toBe(ids.length);
      seen.push(...(p.body.Resources as { id: string }[]).map((r) => r.id));
    }
    expect(seen).toEqual(ids);
    const sw = await okta.call(
      'GET',
      `/Users?filter=${encodeURIComponent('userName sw "p" and userName co ".page@" or displayName eq "nobody"')}`,
    );
    expect(sw.body.totalResults).toBe(7);
    const pr = await okta.call('GET', `/Users?filter=${encodeURIComponent('externalId pr')}`);
    expect((pr.body.Resources as { externalId?: string }[]).every((r) => r.externalId)).toBe(true);
    expect(pr.body.totalResults).toBe(1); // only Okta's own link (00u1): Entra's externalId is Entra's
  });
});

describe('roles through the Gatehouse extension', () => {
  it('holds an upgrade as a conflict unless the connection may upgrade roles; downgrades go through', async () => {
    const c = await entra.call('POST', '/Users', {
      ...userBody('rae.builder@acme.test'),
      [ROLE_EXT]: { role: 'builder' },
    });
    expect(c.status).toBe(201);
    expect(c.body[ROLE_EXT].role).toBe('end-user');
    const conflicts = (await api(t.url, 'GET', '/api/workspaces/acme/conflicts', { token: admin })).body;
    expect(JSON.stringify(conflicts)).toContain('rae.builder@acme.test');
    const refused = await api(t.url, 'PATCH', `/api/workspaces/acme/scim-connections/${entra.connectionId}`, {
      token: admin,
      body: { mayUpgradeRoles: true },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.endUsers.map((u: { email: string }) => u.email)).toContain(
      'rae.builder@acme.test',
    );
    const ok = await api(t.url, 'PATCH', `/api/workspaces/acme/scim-connections/${entra.connectionId}`, {
      token: admin,
      body: { mayUpgradeRoles: true, confirm: true },
    });
    expect(ok.status).toBe(200);
    const up = await entra.call('PATCH', `/Users/${c.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: `${ROLE_EXT}:role`, value: 'builder' }],
    });
    expect(up.status).toBe(200);
    expect(up.body[ROLE_EXT].role).toBe('builder');
    const down = await entra.call('PUT', `/Users/${c.body.id}`, {
      ...userBody('rae.builder@acme.test'),
      [ROLE_EXT]: { role: 'end-user' },
    });
    expect(down.body[ROLE_EXT].role).toBe('end-user');
  });

  it('never downgrades the last admin', async () => {
    const me = (await users()).find((u) => u.role === 'admin')!;
    const r = await entra.call('PUT', `/Users/${me.id}`, {
      ...userBody(me.email),
      [ROLE_EXT]: { role: 'end-user' },
    });
    expect(r.status).toBe(400);
    expect(r.body.scimType).toBe('mutability');
    const r2 = await entra.call('DELETE', `/Users/${me.id}`);
    expect(r2.status).toBe(400);
    expect((await users()).find((u) => u.id === me.id)).toMatchObject({ role: 'admin', status: 'active' });
  });
});
