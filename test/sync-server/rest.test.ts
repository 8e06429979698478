/** The REST contract: commands, 409 with impact, dryRun, invitations, tokens, audit, access ETag and SSE. */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '../../core/index.ts';
import {
  addUser,
  api,
  connect,
  login,
  PASSWORD,
  setup,
  startServer,
  synced,
  type TestServer,
  until,
} from './helpers.ts';

let t: TestServer;
let admin: string;
const W = '/api/workspaces/acme';

beforeAll(async () => {
  t = await startServer({ allowWorkspaceCreation: 'all' }); // an end-user creates \`side\` below
  admin = await setup(t, 'acme');
});
afterAll(() => t.close());

describe('REST API', () => {
  it('first-run setup answers 410 once done', async () => {
    const r = await api(t.url, 'POST', '/api/setup', {
      body: {
        token: 'x',
        workspace: { name: 'B', slug: 'bb' },
        admin: { email: 'b@b.test', name: 'B', password: PASSWORD },
      },
    });
    expect(r.status).toBe(410);
  });

  it('groups: create, rename, duplicate, delete, with errors in one shape', async () => {
    const created = await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: '  Finance ' } });
    expect(created.status).toBe(201);
    expect(created.body.group.name).toBe('Finance');
    const id = created.body.group.id;
    const dup = await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'finance' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('name-taken');
    const reserved = await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'Admin' } });
    expect(reserved.body.error.code).toBe('name-reserved');
    const bad = await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 42 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid-input' });
    const copy = await api(t.url, 'POST', `${W}/groups/${id}/duplicate`, { token: admin, body: {} });
    expect(copy.status).toBe(201);
    expect(copy.body.group.name).toBe('Finance_copy');
    const renamed = await api(t.url, 'PATCH', `${W}/groups/${copy.body.group.id}`, {
      token: admin,
      body: { name: 'Fin 2' },
    });
    expect(renamed.body.group.name).toBe('Fin 2');
    const del = await api(t.url, 'DELETE', `${W}/groups/${copy.body.group.id}`, { token: admin });
    expect(del.status).toBe(200);
    expect(del.body.impact).toBeDefined();
    const list = await api(t.url, 'GET', `${W}/groups`, { token: admin });
    expect(list.body.groups.map((g: { name: string }) => g.name)).toContain('Finance');
    expect(list.body.groups.map((g: { name: string }) => g.name)).not.toContain('Fin 2');
  });

  it('role changes answer 409 with the impact; dryRun changes nothing; allowRoleChange commits', async () => {
    const eu = await addUser(t, admin, 'acme', 'erin@acme.test', 'end-user');
    const g = (await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'Builders club' } }))
      .body.group;
    const flags = await api(t.url, 'PUT', `${W}/groups/${g.id}/permissions`, {
      token: admin,
      body: { appCreate: true },
    });
    expect(flags.status).toBe(200);
    const add = await api(t.url, 'POST', `${W}/groups/${g.id}/members`, {
      token: admin,
      body: { userIds: [eu.userId] },
    });
    expect(add.status).toBe(409);
    expect(add.body.error.code).toBe('role-change-needs-confirmation');
    expect(add.body.error.details.roleChanges[0]).toMatchObject({
      email: 'erin@acme.test',
      from: 'end-user',
      to: 'builder',
    });
    expect(add.body.error.details.builderDelta).toBe(1);
    const dry = await api(t.url, 'POST', `${W}/groups/${g.id}/members?dryRun=true`, {
      token: admin,
      body: { userIds: [eu.userId], allowRoleChange: true },
    });
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    let users = (await api(t.url, 'GET', `${W}/users`, { token: admin })).body.users;
    expect(users.find((u: { id: string }) => u.id === eu.userId).role).toBe('end-user');
    const ok = await api(t.url, 'POST', `${W}/groups/${g.id}/members`, {
      token: admin,
      body: { userIds: [eu.userId], allowRoleChange: true },
    });
    expect(ok.status).toBe(200);
    users = (await api(t.url, 'GET', `${W}/users`, { token: admin })).body.users;
    expect(users.find((u: { id: string }) => u.id === eu.userId).role).toBe('builder');
  });

  it('keeps the last admin', async () => {
    const me = (await api(t.url, 'GET', `${W}`, { token: admin })).body.user;
    const r = await api(t.url, 'POST', `${W}/users/${me.id}/archive`, { token: admin });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('last-admin');
  });

  it('invitations: the link activates a new account; existing accounts must prove ownership', async () => {
    const inv = await api(t.url, 'POST', `${W}/users`, {
      token: admin,
      body: { email: 'New@Acme.test', name: 'New', role: 'end-user' },
    });
    expect(inv.status).toBe(201);
    expect(inv.body.user.status).toBe('invited');
    const token = inv.body.invitation.url.split('/invitations/')[1];
    const info = await api(t.url, 'GET', `/api/invitations/${token}`);
    expect(info.body).toMatchObject({ email: 'new@acme.test' });
    expect(info.body).not.toHaveProperty('accountExists'); // the link does not tell who has an account
    const short = await api(t.url, 'POST', `/api/invitations/${token}/accept`, {
      body: { password: 'short' },
    });
    expect(short.status).toBe(422);
    const acc = await api(t.url, 'POST', `/api/invitations/${token}/accept`, {
      body: { name: 'Newt', password: PASSWORD },
    });
    expect(acc.status).toBe(200);
    const me = await api(t.url, 'GET', '/api/me', { token: acc.body.token });
    expect(me.body.workspaces).toEqual([
      expect.objectContaining({ slug: 'acme', role: 'end-user', status: 'active' }),
    ]);
    const again = await api(t.url, 'POST', `/api/invitations/${token}/accept`, {
      body: { password: PASSWORD },
    });
    expect(again.status).toBe(410);
    // An existing account (admin of acme) invited to another workspace: the link alone is not enough.
    await api(t.url, 'POST', '/api/workspaces', {
      token: acc.body.token,
      body: { name: 'Side', slug: 'side' },
    });
    const inv2 = await api(t.url, 'POST', '/api/workspaces/side/users', {
      token: acc.body.token,
      body: { email: 'admin@acme.test', role: 'end-user' },
    });
    const token2 = inv2.body.invitation.url.split('/invitations/')[1];
    // No password: 422 as for a new account (the answer does not tell whether the account exists).
    expect((await api(t.url, 'POST', `/api/invitations/${token2}/accept`, { body: {} })).status).toBe(422);
    const wrong = { password: 'not the password' };
    expect((await api(t.url, 'POST', `/api/invitations/${token2}/accept`, { body: wrong })).status).toBe(401);
    const joined = await api(t.url, 'POST', `/api/invitations/${token2}/accept`, { token: admin, body: {} });
    expect(joined.status).toBe(200);
  });

  it('API tokens: create, use (bound to the workspace), list, revoke', async () => {
    const c = await api(t.url, 'POST', `${W}/tokens`, { token: admin, body: { name: 'CI' } });
    expect(c.status).toBe(201);
    const secret = c.body.secret;
    expect((await api(t.url, 'GET', `${W}/apps`, { token: secret })).status).toBe(200);
    expect((await api(t.url, 'GET', '/api/workspaces/side/groups', { token: secret })).status).toBe(404);
    const list = await api(t.url, 'GET', `${W}/tokens`, { token: admin });
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect((await api(t.url, 'DELETE', `${W}/tokens/${c.body.token.id}`, { token: admin })).status).toBe(204);
    expect((await api(t.url, 'GET', `${W}/apps`, { token: secret })).status).toBe(401);
  });

  it('apps and data sources; /access with ?url=, ETag and 304', async () => {
    const app = await api(t.url, 'POST', `${W}/apps`, {
      token: admin,
      body: { name: 'Payroll', urlPatterns: ['https://payroll.corp.test/*'] },
    });
    expect(app.status).toBe(201);
    const badPattern = await api(t.url, 'POST', `${W}/apps`, {
      token: admin,
      body: { name: 'X', urlPatterns: ['not a url'] },
    });
    expect(badPattern.body.error.code).toBe('invalid-url-pattern');
    const ds = await api(t.url, 'POST', `${W}/data-sources`, {
      token: admin,
      body: { name: 'Payroll DB', kind: 'postgres' },
    });
    expect(ds.status).toBe(201);
    const eu = await addUser(t, admin, 'acme', 'viewer@acme.test', 'end-user');
    const a1 = await api(
      t.url,
      'GET',
      `${W}/access?url=${encodeURIComponent('https://payroll.corp.test/runs/1')}`,
      { token: eu.token },
    );
    expect(a1.status).toBe(200);
    expect(a1.body.match.app).toMatchObject({ name: 'Payroll', level: 'view' });
    const etag = a1.headers.get('etag')!;
    const a2 = await api(
      t.url,
      'GET',
      `${W}/access?url=${encodeURIComponent('https://payroll.corp.test/runs/1')}`,
      {
        token: eu.token,
        headers: { 'if-none-match': etag },
      },
    );
    expect(a2.status).toBe(304);
    // An unrelated change keeps the ETag; a change to the caller's access changes it.
    await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'Unrelated' } });
    const a3 = await api(
      t.url,
      'GET',
      `${W}/access?url=${encodeURIComponent('https://payroll.corp.test/runs/1')}`,
      {
        token: eu.token,
        headers: { 'if-none-match': etag },
      },
    );
    expect(a3.status).toBe(304);
    await api(t.url, 'PATCH', `${W}/apps/${app.body.app.id}`, { token: admin, body: { name: 'Payroll 2' } });
    const a4 = await api(
      t.url,
      'GET',
      `${W}/access?url=${encodeURIComponent('https://payroll.corp.test/runs/1')}`,
      {
        token: eu.token,
        headers: { 'if-none-match': etag },
      },
    );
    expect(a4.status).toBe(200);
    expect(a4.body.match.app.name).toBe('Payroll 2');
  });

  it('/access is gzipped for clients that accept it, with the same ETag; identity otherwise', async () => {
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const req = http.get(`${t.url}${W}/access`, {
          headers: { authorization: `Bearer ${admin}`, ...headers },
        });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        });
        req.on('error', reject);
      });
    const plain = await get({ 'accept-encoding': 'identity' });
    const gz = await get({ 'accept-encoding': 'gzip, deflate, br' });
    const refused = await get({ 'accept-encoding': 'gzip;q=0' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/Accept-Encoding/);
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(gz.headers.etag).toBe(plain.headers.etag);
    const again = await get({ 'accept-encoding': 'gzip', 'if-none-match': plain.headers.etag! });
    expect(again.status).toBe(304);
  });

  it('/access/events pushes the catalog and the summary when they change and ends when access does', async () => {
    const eu = await addUser(t, admin, 'acme', 'sse@acme.test', 'end-user');
    const ac = new AbortController();
    const res = await fetch(`${t.url}${W}/access/events`, {
      headers: { authorization: `Bearer ${eu.token}` },
      signal: ac.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (re: RegExp) => {
      while (!re.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(/event: access/);
    expect(text.indexOf('event: catalog')).toBeLessThan(text.indexOf('event: access'));
    // A new app changes the catalog (its name is there, not in the summary): a second `catalog` event.
    const app = await api(t.url, 'POST', `${W}/apps`, { token: admin, body: { name: 'Brand new app' } });
    await readUntil(/event: catalog[\s\S]*event: catalog/);
    const catalog = await api(t.url, 'GET', `${W}/access/catalog`, { token: eu.token });
    expect(text, text.slice(-300)).toContain(
      JSON.stringify({ catalog: catalog.headers.get('etag')!.slice(1, -1) }),
    );
    expect(catalog.body.apps.map((a: { name: string }) => a.name)).toContain('Brand new app');
    await api(t.url, 'POST', `${W}/users/${eu.userId}/archive`, { token: admin });
    await readUntil(/event: revoked/);
    expect(text).toContain('event: revoked');
    ac.abort();
    void app;
  });

  it('closes the sockets of a demoted admin within a second, and revokes their sessions', async () => {
    const second = await addUser(t, admin, 'acme', 'second@acme.test', 'admin');
    const c = connect(t, 'acme', second.token);
    await synced(c);
    const at = Date.now();
    const r = await api(t.url, 'PATCH', `${W}/users/${second.userId}`, {
      token: admin,
      body: { role: 'end-user', allowRoleChange: true },
    });
    expect(r.status).toBe(200);
    await until(() => c.closes.length > 0, 1000, 'socket close');
    expect(Date.now() - at).toBeLessThan(1000);
    expect(c.closes[0]!.code).toBe(CLOSE.forbidden);
    expect((await api(t.url, 'GET', '/api/me', { token: second.token })).status).toBe(401);
    c.destroy();
  });

  it('logout revokes the session and clears the cookie', async () => {
    const tok = await login(t, 'admin@acme.test');
    const out = await api(t.url, 'POST', '/api/logout', { token: tok });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/gatehouse_session=;/);
    expect((await api(t.url, 'GET', '/api/me', { token: tok })).status).toBe(401);
  });

  it('login sets an HttpOnly SameSite=Strict cookie and is rate limited', async () => {
    const ok = await api(t.url, 'POST', '/api/login', {
      body: { email: 'admin@acme.test', password: PASSWORD },
    });
    expect(ok.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    let last = 0;
    for (let i = 0; i < 12; i++)
      last = (
        await api(t.url, 'POST', '/api/login', {
          body: { email: 'nobody@acme.test', password: 'wrong-password' },
        })
      ).status;
    expect(last).toBe(429);
  });

  it('audit: server-stamped, filterable, paged, CSV', async () => {
    const all = await api(t.url, 'GET', `${W}/audit?limit=5`, { token: admin });
    expect(all.status).toBe(200);
    expect(all.body.entries).toHaveLength(5);
    expect(all.body.nextCursor).toBeTruthy();
    const next = await api(t.url, 'GET', `${W}/audit?limit=5&cursor=${all.body.nextCursor}`, {
      token: admin,
    });
    expect(next.body.entries[0].id).toBeLessThan(all.body.entries[4].id);
    const groups = await api(t.url, 'GET', `${W}/audit?entity=groups&actor=admin@acme.test`, {
      token: admin,
    });
    expect(groups.body.entries.length).toBeGreaterThan(0);
    for (const e of groups.body.entries) {
      expect(e.entities.some((x: { collection: string }) => x.collection === 'groups')).toBe(true);
      expect(e.actor.email).toBe('admin@acme.test');
    }
    const future = await api(t.url, 'GET', `${W}/audit?from=${new Date(Date.now() + 60_000).toISOString()}`, {
      token: admin,
    });
    expect(future.body.entries).toHaveLength(0);
    const csv = await api(t.url, 'GET', `${W}/audit?format=csv`, { token: admin });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('id,at,actor_email,actor_name,source,action,entities,summary');
    expect((await api(t.url, 'GET', `${W}/audit?from=yesterday`, { token: admin })).status).toBe(400);
  });

  it('serves /api/openapi.json describing the routes', async () => {
    const r = await api(t.url, 'GET', '/api/openapi.json');
    expect(r.body.openapi).toBe('3.1.0');
    expect(Object.keys(r.body.paths)).toContain('/api/workspaces/{ws}/groups/{id}/members');
    expect(r.body.paths['/api/workspaces/{ws}/groups'].post.requestBody).toBeDefined();
  });
});
