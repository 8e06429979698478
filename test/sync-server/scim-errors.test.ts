/**
 * The SCIM service's refusals (RFC 7644 §3.12) and its edges: tokens (wrong, revoked, another
 * workspace's, a session's), malformed and unsupported filters, oversized and malformed bodies, ETags,
 * discovery exactly as supported, the request log, and that a refused call changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, setup, startServer, type TestServer } from './helpers.ts';
import { GROUP, PATCH, ROLE_EXT, type ScimClient, scimConnection, USER, userBody } from './scim-helpers.ts';

let t: TestServer;
let admin: string;
let scim: ScimClient;
let otherAdmin: string;
let userId: string;

beforeAll(async () => {
  t = await startServer({ allowWorkspaceCreation: 'all' });
  admin = await setup(t, 'acme');
  scim = await scimConnection(t, admin, 'acme', 'Okta');
  const ws = await api(t.url, 'POST', '/api/workspaces', {
    token: admin,
    body: { name: 'Other', slug: 'other' },
  });
  expect(ws.status).toBe(201);
  otherAdmin = admin;
  userId = (await scim.call('POST', '/Users', userBody('kim@acme.test'))).body.id;
});
afterAll(() => t.close());

const auditCount = async () =>
  (await api(t.url, 'GET', '/api/workspaces/acme/audit?limit=200', { token: admin })).body.entries
    .length as number;

const raw = (path: string, init: RequestInit) => fetch(`${t.url}/api/workspaces/acme/scim/v2${path}`, init);

describe('SCIM tokens', () => {
  it('answers 401 in the Error schema to no token, a wrong one, a session, API or decision token, another workspace’s', async () => {
    const other = await scimConnection(t, otherAdmin, 'other', 'Other IdP');
    const apiToken = await api(t.url, 'POST', '/api/workspaces/acme/tokens', {
      token: admin,
      body: { name: 'ci' },
    });
    const decisionToken = await api(t.url, 'POST', '/api/workspaces/acme/decision-tokens', {
      token: admin,
      body: { name: 'nginx' },
    });
    expect([apiToken.status, decisionToken.status]).toEqual([201, 201]);
    const cases: Record<string, Record<string, string>> = {
      none: {},
      wrong: { authorization: 'Bearer ghscim_notarealtoken' },
      session: { authorization: `Bearer ${admin}` },
      'API token': { authorization: `Bearer ${apiToken.body.secret}` },
      'decision token': { authorization: `Bearer ${decisionToken.body.secret}` },
      'other workspace': { authorization: `Bearer ${other.token}` },
      'not bearer': { authorization: `Basic ${Buffer.from(`x:${other.token}`).toString('base64')}` },
    };
    for (const [name, headers] of Object.entries(cases)) {
      const r = await raw('/Users', { headers });
      expect(r.status, name).toBe(401);
      expect(r.headers.get('www-authenticate'), name).toMatch(/^Bearer/);
      expect(await r.json(), name).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '401',
      });
    }
    // The other workspace's token works there, and a SCIM token is nothing on the REST API.
    expect((await other.call('GET', '/Users')).status).toBe(200);
    expect((await api(t.url, 'GET', '/api/workspaces/acme/users', { token: scim.token })).status).toBe(401);
  });

  it('a revoked token is refused at once; tokens are shown once and listed without their secret', async () => {
    const extra = await api(
      t.url,
      'POST',
      `/api/workspaces/acme/scim-connections/${scim.connectionId}/tokens`,
      { token: admin },
    );
    const secret = extra.body.secret as string;
    expect(secret).toMatch(/^ghscim_/);
    const headers = { authorization: `Bearer ${secret}` };
    expect((await raw('/Users', { headers })).status).toBe(200);
    const list = await api(t.url, 'GET', '/api/workspaces/acme/scim-connections', { token: admin });
    expect(list.text).not.toContain(secret);
    const mine = list.body.connections.find((c: { id: string }) => c.id === scim.connectionId);
    expect(mine.baseUrl).toBe(`${t.url}/api/workspaces/acme/scim/v2`);
    expect(mine.tokens.length).toBe(2);
    const del = await api(
      t.url,
      'DELETE',
      `/api/workspaces/acme/scim-connections/${scim.connectionId}/tokens/${extra.body.token.id}`,
      {
        token: admin,
      },
    );
    expect(del.status).toBe(204);
    expect((await raw('/Users', { headers })).status).toBe(401);
  });
});

describe('SCIM errors change nothing', () => {
  it('filters: malformed and unsupported attributes are 400 invalidFilter', async () => {
    for (const f of [
      'userName eq',
      'userName xx "a"',
      'title eq "Boss"',
      'password pr',
      'emails[nosuch eq "x"]',
    ]) {
      const r = await scim.call('GET', `/Users?filter=${encodeURIComponent(f)}`);
      expect(r.status, f).toBe(400);
      expect(r.body, f).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    }
  });

  it('refuses bad bodies with the right status and scimType, and nothing is stored', async () => {
    const before = await auditCount();
    const big = JSON.stringify({
      schemas: [USER],
      userName: 'big@acme.test',
      filler: 'x'.repeat(600 * 1024),
    });
    const tooBig = await raw('/Users', {
      method: 'POST',
      headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json' },
      body: big,
    });
    expect(tooBig.status).toBe(413);
    const notJson = await raw('/Users', {
      method: 'POST',
      headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json' },
      body: '{"userName":',
    });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).scimType).toBe('invalidSyntax');
    const cases: [string, string, unknown, number, string | undefined][] = [
      ['POST', '/Users', { schemas: [USER] }, 400, 'invalidValue'],
      ['POST', '/Users', { schemas: [GROUP], userName: 'x@acme.test' }, 400, 'invalidValue'],
      ['POST', '/Users', userBody('not-an-email'), 400, 'invalidValue'],
      ['POST', '/Users', userBody('kim@acme.test'), 409, 'uniqueness'],
      [
        'POST',
        '/Users',
        { ...userBody('new@acme.test'), [ROLE_EXT]: { role: 'owner' } },
        400,
        'invalidValue',
      ],
      ['PUT', `/Users/${userId}`, userBody('changed@acme.test'), 400, 'mutability'],
      [
        'PATCH',
        `/Users/${userId}`,
        { schemas: [PATCH], Operations: [{ op: 'Move', path: 'active' }] },
        400,
        'invalidSyntax',
      ],
      [
        'PATCH',
        `/Users/${userId}`,
        { schemas: [PATCH], Operations: [{ op: 'replace', path: 'id', value: 'x' }] },
        400,
        'mutability',
      ],
      [
        'PATCH',
        `/Users/${userId}`,
        { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] },
        400,
        'invalidValue',
      ],
      ['PATCH', `/Users/${userId}`, { schemas: ['urn:x'], Operations: [] }, 400, 'invalidSyntax'],
      ['PUT', '/Users/nosuchid', userBody('kim@acme.test'), 404, undefined],
      ['DELETE', '/Users/nosuchid', undefined, 404, undefined],
      ['GET', '/Nothing', undefined, 404, undefined],
      ['POST', '/Groups', { schemas: [GROUP], displayName: '' }, 400, 'invalidValue'],
      [
        'POST',
        '/Groups',
        { schemas: [GROUP], displayName: 'G', members: [{ value: 'ghost' }] },
        400,
        'noTarget',
      ],
    ];
    for (const [method, path, body, status, scimType] of cases) {
      const r = await scim.call(method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`).toBe(status);
      expect(r.body.status).toBe(String(status));
      expect(r.body.scimType).toBe(scimType);
    }
    expect(await auditCount()).toBe(before);
    const kim = await scim.call('GET', `/Users/${userId}`);
    expect(kim.body).toMatchObject({ userName: 'kim@acme.test', active: true });
  });

  it('a change refused halfway changes nothing: every command is checked before the first runs', async () => {
    const users = (await api(t.url, 'GET', '/api/workspaces/acme/users', { token: admin })).body.users;
    const me = users.find((u: { role: string }) => u.role === 'admin');
    // Rename (fine) + archive the last admin (refused): the rename is not made either.
    const put = await scim.call('PUT', `/Users/${me.id}`, {
      ...userBody(me.email),
      displayName: 'Renamed Admin',
      active: false,
    });
    expect(put.status).toBe(400);
    const after = (await api(t.url, 'GET', '/api/workspaces/acme/users', { token: admin })).body.users;
    expect(after.find((u: { id: string }) => u.id === me.id)).toMatchObject({
      name: me.name,
      status: 'active',
    });
    // A group: new members (fine) + a reserved name (refused): no member is added.
    const g = await scim.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Atomic' });
    const bad = await scim.call('PUT', `/Groups/${g.body.id}`, {
      schemas: [GROUP],
      displayName: 'Admin',
      members: [{ value: userId }],
    });
    expect(bad.status).toBe(400);
    const again = await scim.call('GET', `/Groups/${g.body.id}`);
    expect(again.body).toMatchObject({ displayName: 'Atomic', members: [] });
  });

  it('weak ETags: If-None-Match answers 304, a stale If-Match 412', async () => {
    const r = await scim.call('GET', `/Users/${userId}`);
    const etag = r.headers.get('etag')!;
    expect(etag).toMatch(/^W\/".+"$/);
    expect(r.body.meta.version).toBe(etag);
    expect((await scim.call('GET', `/Users/${userId}`, undefined, { 'if-none-match': etag })).status).toBe(
      304,
    );
    const stale = await scim.call(
      'PATCH',
      `/Users/${userId}`,
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Kim K' }] },
      { 'if-match': 'W/"old"' },
    );
    expect(stale.status).toBe(412);
    const ok = await scim.call(
      'PATCH',
      `/Users/${userId}`,
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Kim K' }] },
      { 'if-match': etag },
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).not.toBe(etag);
  });
});

describe('SCIM discovery', () => {
  it('describes what is supported', async () => {
    const spc = await scim.call('GET', '/ServiceProviderConfig');
    expect(spc.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      sort: { supported: false },
      etag: { supported: true },
      changePassword: { supported: false },
      authenticationSchemes: [{ type: 'oauthbearertoken' }],
    });
    const types = await scim.call('GET', '/ResourceTypes');
    expect(types.body.Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group']);
    const schemas = await scim.call('GET', '/Schemas');
    const user = schemas.body.Resources.find((s: { id: string }) => s.id === USER);
    expect(user.attributes.map((a: { name: string }) => a.name)).toEqual([
      'userName',
      'name',
      'displayName',
      'emails',
      'active',
    ]);
    expect((await scim.call('GET', `/Schemas/${ROLE_EXT}`)).body.attributes[0].name).toBe('role');
    expect((await scim.call('GET', '/Schemas/urn:nothing')).status).toBe(404);
  });

  it('logs each request of the connection with its outcome', async () => {
    const r = await api(
      t.url,
      'GET',
      `/api/workspaces/acme/scim-connections/${scim.connectionId}/requests?limit=200`,
      { token: admin },
    );
    expect(r.status).toBe(200);
    const reqs = r.body.requests as { method: string; path: string; status: number; outcome: string }[];
    expect(
      reqs.some(
        (x) =>
          x.method === 'POST' &&
          x.path === '/Users' &&
          x.status === 201 &&
          x.outcome.includes('kim@acme.test'),
      ),
    ).toBe(true);
    expect(reqs.some((x) => x.status === 409 && x.outcome.includes('already'))).toBe(true);
  });
});

// Last: afterwards this address is refused for a minute.
describe('SCIM limits', () => {
  it('refused tokens from one address are rate-limited before any lookup', async () => {
    let limited = 0;
    for (let i = 0; i < 40; i++) {
      const r = await raw('/Users', { headers: { authorization: `Bearer ghscim_guess${i}` } });
      if (r.status === 429) {
        limited++;
        expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      } else expect(r.status).toBe(401);
    }
    expect(limited).toBeGreaterThan(0);
    // Only this workspace is refused from this address: IdPs share addresses across tenants.
    const other = await scimConnection(t, otherAdmin, 'other', 'Another IdP');
    expect((await other.call('GET', '/Users')).status).toBe(200);
  });
});
