/**
 * Security review, round 2 — the split access summary (`/access`, `/access/catalog`): what a member who
 * is not an admin can learn, who may read at all (an archived user, a revoked API token), and that no
 * shared cache may keep one person's answer for another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, startServer, type TestServer } from './helpers.ts';
import { PAYROLL_PAGE as PAGE, secretWorkspace, W } from './security-round2-fixture.ts';

let t: TestServer;
let admin: string;
let eve: { token: string; userId: string };
let bob: { token: string; userId: string };

beforeAll(async () => {
  t = await startServer();
  const ws = await secretWorkspace(t);
  ({ admin, eve } = ws);
  bob = await addUser(t, admin, 'acme', 'bob@acme.test', 'end-user');
  await ws.as('POST', `/groups/${ws.secretGroupId}/members`, { userIds: [bob.userId] });
});
afterAll(() => t.close());

const get = (path: string, token: string, headers: Record<string, string> = {}) =>
  api(t.url, 'GET', W + path, { token, headers });

describe('/access?url= (the panel on a page)', () => {
  it('names no group the caller is not in, even as a suggestion of whom to join', async () => {
    const r = await get(`/access?url=${encodeURIComponent(PAGE)}`, eve.token);
    expect(r.status).toBe(200);
    expect(r.body.match.app).toMatchObject({ name: 'Payroll', level: null });
    expect(r.text).not.toContain('Secret project');
    expect(r.text).not.toContain('Codename grant');
  });

  it('still tells a member their own groups and how they get access', async () => {
    const r = await get(`/access?url=${encodeURIComponent(PAGE)}`, bob.token);
    expect(r.body.match.app).toMatchObject({ level: 'view' });
    expect(r.text).toContain('Secret project');
  });
});

describe('caching of /access and /access/catalog', () => {
  it('every answer, 304 included, is private to the caller and varies with the credentials', async () => {
    for (const path of ['/access', '/access/catalog', `/access?url=${encodeURIComponent(PAGE)}`]) {
      const first = await get(path, eve.token);
      const again = await get(path, eve.token, { 'if-none-match': first.headers.get('etag')! });
      expect(again.status).toBe(304);
      for (const r of [first, again]) {
        expect(r.headers.get('cache-control')).toMatch(/private/);
        expect(r.headers.get('vary')).toMatch(/authorization/i);
        expect(r.headers.get('vary')).toMatch(/cookie/i);
      }
    }
  });

  it("one user's ETag never answers 304 for another user whose summary differs", async () => {
    const bobs = await get('/access', bob.token);
    const r = await get('/access', eve.token, { 'if-none-match': bobs.headers.get('etag')! });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain('Secret project');
  });
});

describe('who may read the catalog and a summary', () => {
  it('an archived user gets nothing, not even the catalog', async () => {
    const mallory = await addUser(t, admin, 'acme', 'mallory@acme.test', 'end-user');
    expect((await get('/access/catalog', mallory.token)).status).toBe(200);
    expect((await api(t.url, 'POST', `${W}/users/${mallory.userId}/archive`, { token: admin })).status).toBe(
      200,
    );
    const archivedToken = (
      await api(t.url, 'POST', '/api/login', {
        body: { email: 'mallory@acme.test', password: 'correct horse battery' },
      })
    ).body.token as string;
    for (const path of ['/access', '/access/catalog', '/access/events']) {
      const r = await get(path, archivedToken);
      expect(r.status).toBe(403);
      expect(r.text).not.toContain('Payroll');
    }
  });

  it('a revoked API token reads nothing', async () => {
    const created = await api(t.url, 'POST', `${W}/tokens`, { token: admin, body: { name: 'ci' } });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect((await get('/access/catalog', secret)).status).toBe(200);
    const del = await api(t.url, 'DELETE', `${W}/tokens/${created.body.token.id}`, { token: admin });
    expect(del.status).toBeLessThan(300);
    for (const path of ['/access', '/access/catalog']) {
      const r = await get(path, secret);
      expect(r.status).toBe(401);
      expect(r.text).not.toContain('Payroll');
    }
  });
});
