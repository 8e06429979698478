/**
 * `/access` and `/access/catalog` over a real server (issue 10): the catalog's ETag moves only with apps,
 * data sources or the workspace name; a user's summary only with their own access; and neither reveals
 * more than the single summary did (no names of groups or grants the caller is not in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, setup, startServer, type TestServer } from './helpers.ts';

const W = '/api/workspaces/acme';
let t: TestServer;
let admin: string;
let eve: { token: string; userId: string };
let bob: { token: string; userId: string };
let secretGroup: string;

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t);
  const as = (method: string, path: string, body?: unknown) =>
    api(t.url, method, W + path, { token: admin, body });
  eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  bob = await addUser(t, admin, 'acme', 'bob@acme.test', 'end-user');
  await as('POST', '/apps', { name: 'Payroll', urlPatterns: ['https://payroll.acme.test/*'] });
  // The End-user role views nothing; the secret group grants an app to Bob only.
  const groups = (await as('GET', '/groups')).body.groups as {
    id: string;
    role: string | null;
    grants: { id: string }[];
  }[];
  const endUsers = groups.find((g) => g.role === 'end-user')!;
  for (const g of endUsers.grants) await as('DELETE', `/groups/${endUsers.id}/grants/${g.id}`);
  secretGroup = (await as('POST', '/groups', { name: 'Secret project' })).body.group.id;
  await as('POST', `/groups/${secretGroup}/members`, { userIds: [bob.userId] });
  const app = (await as('GET', '/apps')).body.apps.find((a: { name: string }) => a.name === 'Payroll');
  await as('POST', `/groups/${secretGroup}/grants`, {
    name: 'Codename grant',
    resourceType: 'app',
    scope: 'custom',
    resourceIds: [app.id],
    level: 'view',
  });
});
afterAll(() => t.close());

const get = (path: string, token: string, etag?: string) =>
  api(t.url, 'GET', W + path, { token, headers: etag ? { 'if-none-match': etag } : {} });

describe('/access and /access/catalog', () => {
  it('a membership edit keeps the catalog ETag and the summaries of people it does not touch', async () => {
    const catalog = await get('/access/catalog', eve.token);
    const summary = await get('/access', eve.token);
    const bobs = await get('/access', bob.token);
    const carl = await addUser(t, admin, 'acme', 'carl@acme.test', 'end-user');
    await api(t.url, 'POST', `${W}/groups/${secretGroup}/members`, {
      token: admin,
      body: { userIds: [carl.userId] },
    });
    expect((await get('/access/catalog', eve.token, catalog.headers.get('etag')!)).status).toBe(304);
    expect((await get('/access', eve.token, summary.headers.get('etag')!)).status).toBe(304);
    expect((await get('/access', bob.token, bobs.headers.get('etag')!)).status).toBe(304);
    // Every member reads the same catalog.
    expect((await get('/access/catalog', bob.token)).headers.get('etag')).toBe(catalog.headers.get('etag'));
  });

  it('an app rename changes the catalog and the summaries that name it', async () => {
    const catalog = await get('/access/catalog', eve.token);
    const summary = await get('/access', eve.token);
    const apps = (await api(t.url, 'GET', `${W}/apps`, { token: admin })).body.apps as {
      id: string;
      name: string;
    }[];
    const payroll = apps.find((a) => a.name === 'Payroll')!;
    await api(t.url, 'PATCH', `${W}/apps/${payroll.id}`, { token: admin, body: { name: 'Payroll 2' } });
    const next = await get('/access/catalog', eve.token, catalog.headers.get('etag')!);
    expect(next.status).toBe(200);
    expect(next.body.apps.map((a: { name: string }) => a.name)).toContain('Payroll 2');
    const again = await get('/access', eve.token, summary.headers.get('etag')!);
    expect(again.status).toBe(200);
    expect(`"${again.body.catalog}"`).toBe(next.headers.get('etag'));
  });

  it('reveals no group or grant the caller is not in; lists only what they reach', async () => {
    const catalog = await get('/access/catalog', eve.token);
    const eves = await get('/access', eve.token);
    for (const body of [catalog.body, eves.body]) {
      expect(JSON.stringify(body)).not.toContain('Secret project');
      expect(JSON.stringify(body)).not.toContain('Codename grant');
    }
    expect(eves.body.apps).toEqual({ all: null, listed: [] });
    const bobs = await get('/access', bob.token);
    expect(bobs.body.groups.map((g: { name: string }) => g.name)).toContain('Secret project');
    expect(bobs.body.apps.listed).toEqual([
      expect.objectContaining({ level: 'view', hidden: false, via: [0], items: [expect.any(Number)] }),
    ]);
    const item = bobs.body.apps.listed[0].items[0];
    expect(catalog.body.apps[item].name).toMatch(/^Payroll/);
    expect(bobs.body.grants[0]).toMatchObject({ name: 'Codename grant' });
  });
});
