/**
 * Check access over REST (issue 14): `GET …/users/:id/access` is the very summary the user reads at
 * `GET …/access`, and `GET …/users/:id/explain?resource=…` core's explanation in the sentences the user
 * sees; admins read anyone's, other people only their own (403 before any lookup).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, setup, startServer, type TestServer } from './helpers.ts';

let t: TestServer;
let admin: string;
let eve: { userId: string; token: string };
let ivy: { userId: string; token: string };
const W = '/api/workspaces/acme';
const ids: Record<string, string> = {};

const ok = async (
  p: Promise<{ status: number; text: string; body: Record<string, { id: string }> }>,
  key: string,
) => {
  const r = await p;
  if (r.status >= 300) throw new Error(`${r.status} ${r.text}`);
  return r.body[key]!.id;
};

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t, 'acme');
  eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  ivy = await addUser(t, admin, 'acme', 'ivy@acme.test', 'end-user');
  const groups = (await api(t.url, 'GET', `${W}/groups`, { token: admin })).body.groups as {
    id: string;
    role: string | null;
    grants: { id: string }[];
  }[];
  const endUser = groups.find((g) => g.role === 'end-user')!;
  for (const g of endUser.grants)
    expect(
      (await api(t.url, 'DELETE', `${W}/groups/${endUser.id}/grants/${g.id}`, { token: admin })).status,
    ).toBe(200);
  for (const name of ['Payroll', 'CRM'])
    ids[name] = await ok(api(t.url, 'POST', `${W}/apps`, { token: admin, body: { name } }), 'app');
  ids.hr = await ok(api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'HR' } }), 'group');
  const grant = await api(t.url, 'POST', `${W}/groups/${ids.hr}/grants`, {
    token: admin,
    body: { name: 'CRM view', resourceType: 'app', scope: 'custom', resourceIds: [ids.CRM], level: 'view' },
  });
  expect(grant.status, grant.text).toBeLessThan(300);
  const join = await api(t.url, 'POST', `${W}/groups/${ids.hr}/members`, {
    token: admin,
    body: { userIds: [ivy.userId] },
  });
  expect(join.status, join.text).toBeLessThan(300);
});
afterAll(() => t.close());

describe('GET …/users/:id/access', () => {
  it('gives an admin the very summary the user reads (same bytes and ETag), with ?url= too', async () => {
    const own = await api(t.url, 'GET', `${W}/access`, { token: eve.token });
    const asAdmin = await api(t.url, 'GET', `${W}/users/${eve.userId}/access`, { token: admin });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.text).toBe(own.text);
    expect(asAdmin.headers.get('etag')).toBe(own.headers.get('etag'));
    expect(asAdmin.body.user.email).toBe('eve@acme.test');
    const again = await api(t.url, 'GET', `${W}/users/${eve.userId}/access`, {
      token: admin,
      headers: { 'if-none-match': asAdmin.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    const url = 'https://crm.example.test/x';
    const withUrl = await api(
      t.url,
      'GET',
      `${W}/users/${eve.userId}/access?url=${encodeURIComponent(url)}`,
      {
        token: admin,
      },
    );
    expect(withUrl.text).toBe(
      (await api(t.url, 'GET', `${W}/access?url=${encodeURIComponent(url)}`, { token: eve.token })).text,
    );
  });

  it('lets people read their own only: another user, or an id that exists nowhere, is a 403', async () => {
    expect((await api(t.url, 'GET', `${W}/users/${eve.userId}/access`, { token: eve.token })).status).toBe(
      200,
    );
    const other = await api(t.url, 'GET', `${W}/users/${ivy.userId}/access`, { token: eve.token });
    expect(other.status).toBe(403);
    expect(other.body.error.message).toContain('Only admins');
    expect((await api(t.url, 'GET', `${W}/users/nobody/access`, { token: eve.token })).text).toBe(other.text);
    expect((await api(t.url, 'GET', `${W}/users/nobody/access`, { token: admin })).status).toBe(404);
  });
});

describe('GET …/users/:id/explain', () => {
  const explainAs = (token: string, userId: string, resource: string) =>
    api(t.url, 'GET', `${W}/users/${userId}/explain?resource=${encodeURIComponent(resource)}`, { token });

  it('gives an admin core’s explanation in the user’s own sentences, with the group that would give access', async () => {
    const r = await explainAs(admin, eve.userId, 'app:CRM');
    expect(r.status, r.text).toBe(200);
    const ex = r.body.explanation;
    expect(ex).toMatchObject({ resource: { type: 'app', id: ids.CRM, name: 'CRM' }, level: null });
    expect(ex.text).toContain('No group of eve grants access to “CRM”.');
    expect(ex.suggestions.map((s: { text: string }) => s.text)).toContain('Member of “HR” would give View');
    // The user asking about themselves reads the same sentences, without groups they are not in.
    const own = await explainAs(eve.token, eve.userId, `app:${ids.CRM}`);
    expect(own.body.explanation.text).toEqual(ex.text);
    expect(own.body.explanation.suggestions.some((s: { groupId: string | null }) => s.groupId)).toBe(false);
  });

  it('explains a yes with its grant path, by slug or name, and data sources too', async () => {
    const r = await explainAs(admin, ivy.userId, 'app:crm');
    expect(r.body.explanation.level).toBe('view');
    expect(r.body.explanation.text.join(' ')).toContain('via group “HR” (permission “CRM view”');
    const db = await ok(
      api(t.url, 'POST', `${W}/data-sources`, { token: admin, body: { name: 'Payroll DB' } }),
      'dataSource',
    );
    const d = await explainAs(admin, ivy.userId, 'data_source:payroll db');
    expect(d.status, d.text).toBe(200);
    expect(d.body.explanation.resource).toMatchObject({ type: 'dataSource', id: db });
  });

  it.each([
    ['no resource', '', 400],
    ['an unknown type', 'group:HR', 400],
    ['no name', 'app:', 400],
    ['an unknown app', 'app:nothing-here', 404],
  ])('answers %s with a clear error', async (_name, resource, status) => {
    const r = await explainAs(admin, eve.userId, resource);
    expect(r.status).toBe(status);
    expect(r.body.error.message.length).toBeGreaterThan(10);
  });

  it('refuses other people’s explanations to non-admins; both routes are in the OpenAPI document', async () => {
    expect((await explainAs(eve.token, ivy.userId, 'app:CRM')).status).toBe(403);
    const doc = (await api(t.url, 'GET', '/api/openapi.json')).body;
    expect(doc.paths['/api/workspaces/{ws}/users/{id}/access'].get).toBeDefined();
    expect(
      doc.paths['/api/workspaces/{ws}/users/{id}/explain'].get.parameters.map(
        (p: { name: string }) => p.name,
      ),
    ).toContain('resource');
  });
});
