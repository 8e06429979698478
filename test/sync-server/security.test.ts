/**
 * Security review fixes: cross-workspace sign-out, workspace creation policy, long-lived connections
 * ending with their credentials, and the other findings (each test fails without its fix).
 */
import http from 'node:http';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { CLOSE } from '../../core/index.ts';
import { createGatehouseServer } from '../../sync-server/server.ts';
import {
  addUser,
  api,
  connect,
  login,
  PASSWORD,
  serversPerTest,
  setup,
  synced,
  type TestServer,
  tempDir,
  until,
} from './helpers.ts';

const start = serversPerTest();

/** Reads an SSE response until `re` matches or the stream ends. */
function sseReader(res: Response) {
  const reader = res.body!.getReader();
  const state = { text: '', done: false };
  const until = async (re: RegExp) => {
    while (!re.test(state.text) && !state.done) {
      const { value, done } = await reader.read();
      if (done) state.done = true;
      else state.text += new TextDecoder().decode(value);
    }
    return state;
  };
  return { state, until };
}

describe('finding 1: sessions are revoked only for real members; workspace creation is a setting', () => {
  it('a role change in a workspace the account never joined does not sign it out', async () => {
    const t = await start({ allowWorkspaceCreation: 'all' });
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const eve = await addUser(t, ada, 'acme', 'eve@acme.test', 'end-user');
    expect(
      (
        await api(t.url, 'POST', '/api/workspaces', {
          token: eve.token,
          body: { name: 'Evil', slug: 'evil' },
        })
      ).status,
    ).toBe(201);
    const inv = await api(t.url, 'POST', '/api/workspaces/evil/users', {
      token: eve.token,
      body: { email: 'ada@acme.test', name: 'Ada', role: 'end-user' },
    });
    expect(inv.status).toBe(201);
    const adaUser = inv.body.user.id as string;
    // Eve writes Ada's status as active over sync: only accepting the invitation activates a user, so
    // the server refuses the update and Ada stays invited. Then Eve changes Ada's role.
    const c = connect(t, 'evil', eve.token);
    await synced(c);
    (c.doc.getMap('users').get(adaUser) as Y.Map<unknown>).set('status', 'active');
    await until(() => c.closes.length > 0, 2000, 'refusal');
    expect(c.closes[0]!.code).toBe(CLOSE.rejected);
    const users = await api(t.url, 'GET', '/api/workspaces/evil/users', { token: eve.token });
    expect(users.body.users.find((u: { id: string }) => u.id === adaUser)?.status).toBe('invited');
    const socket = connect(t, 'acme', ada);
    await synced(socket);
    const r = await api(t.url, 'PATCH', `/api/workspaces/evil/users/${adaUser}`, {
      token: eve.token,
      body: { role: 'builder', allowRoleChange: true },
    });
    expect(r.status).toBe(200);
    await new Promise((res) => setTimeout(res, 300));
    expect((await api(t.url, 'GET', '/api/me', { token: ada })).status).toBe(200);
    expect(socket.closes).toEqual([]);
    socket.destroy();
    c.destroy();
  });

  it('a real member who is demoted loses their sessions, sockets and streams', async () => {
    const t = await start();
    const admin = await setup(t, 'acme');
    const second = await addUser(t, admin, 'acme', 'second@acme.test', 'admin');
    const c = connect(t, 'acme', second.token);
    await synced(c);
    const ac = new AbortController();
    const res = await fetch(`${t.url}/api/workspaces/acme/access/events`, {
      headers: { authorization: `Bearer ${second.token}` },
      signal: ac.signal,
    });
    const sse = sseReader(res);
    await sse.until(/event: access/);
    const r = await api(t.url, 'POST', `/api/workspaces/acme/users/${second.userId}/archive`, {
      token: admin,
    });
    expect(r.status).toBe(200);
    await until(() => c.closes.length > 0, 2000, 'socket close');
    expect((await sse.until(/event: revoked/)).text).toContain('event: revoked');
    expect((await api(t.url, 'GET', '/api/me', { token: second.token })).status).toBe(401);
    ac.abort();
    c.destroy();
  });

  it('POST /api/workspaces: only admins by default; ALLOW_WORKSPACE_CREATION=all or none', async () => {
    const t = await start();
    const admin = await setup(t, 'acme');
    const eu = await addUser(t, admin, 'acme', 'eu@acme.test', 'end-user');
    const create = (token: string, slug: string) =>
      api(t.url, 'POST', '/api/workspaces', { token, body: { name: slug, slug } });
    const refused = await create(eu.token, 'mine');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('workspace-creation-disabled');
    expect((await create(admin, 'second')).status).toBe(201);

    const all = await start({ allowWorkspaceCreation: 'all' });
    const a2 = await setup(all, 'acme');
    const eu2 = await addUser(all, a2, 'acme', 'eu@acme.test', 'end-user');
    expect(
      (await api(all.url, 'POST', '/api/workspaces', { token: eu2.token, body: { name: 'm', slug: 'mine' } }))
        .status,
    ).toBe(201);

    const none = await start({ allowWorkspaceCreation: 'none' });
    const a3 = await setup(none, 'acme');
    expect(
      (await api(none.url, 'POST', '/api/workspaces', { token: a3, body: { name: 'x', slug: 'other' } }))
        .status,
    ).toBe(403);
  });
});

describe('finding 2: logout, token revocation and expiry end sockets and event streams', () => {
  it('logout closes the session’s sync socket (4401) and /access/events stream', async () => {
    const t = await start();
    await setup(t, 'acme');
    const tok = await login(t, 'admin@acme.test');
    const c = connect(t, 'acme', tok);
    await synced(c);
    const ac = new AbortController();
    const sse = sseReader(
      await fetch(`${t.url}/api/workspaces/acme/access/events`, {
        headers: { authorization: `Bearer ${tok}` },
        signal: ac.signal,
      }),
    );
    await sse.until(/event: access/);
    expect((await api(t.url, 'POST', '/api/logout', { token: tok })).status).toBe(204);
    await until(() => c.closes.length > 0, 1000, 'socket close');
    expect(c.closes[0]!.code).toBe(CLOSE.unauthorized);
    expect((await sse.until(/event: revoked/)).text).toMatch(
      /event: revoked\ndata: \{"reason":"signed-out"\}/,
    );
    ac.abort();
    c.destroy();
  });

  it('revoking an API token closes its sockets and streams', async () => {
    const t = await start();
    const admin = await setup(t, 'acme');
    const created = await api(t.url, 'POST', '/api/workspaces/acme/tokens', {
      token: admin,
      body: { name: 'bot' },
    });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    const c = connect(t, 'acme', secret);
    await synced(c);
    const ac = new AbortController();
    const sse = sseReader(
      await fetch(`${t.url}/api/workspaces/acme/access/events`, {
        headers: { authorization: `Bearer ${secret}` },
        signal: ac.signal,
      }),
    );
    await sse.until(/event: access/);
    const del = await api(t.url, 'DELETE', `/api/workspaces/acme/tokens/${created.body.token.id}`, {
      token: admin,
    });
    expect(del.status).toBe(204);
    await until(() => c.closes.length > 0, 1000, 'socket close');
    expect(c.closes[0]!.code).toBe(CLOSE.unauthorized);
    expect((await sse.until(/event: revoked/)).text).toContain('signed-out');
    ac.abort();
    c.destroy();
  });

  it('an expired session’s socket and stream end at the next credential recheck', async () => {
    const t = await start({ sessionTtlMs: 1500, credentialRecheckMs: 100 });
    await setup(t, 'acme');
    const tok = await login(t, 'admin@acme.test');
    const c = connect(t, 'acme', tok);
    await synced(c);
    const ac = new AbortController();
    const sse = sseReader(
      await fetch(`${t.url}/api/workspaces/acme/access/events`, {
        headers: { authorization: `Bearer ${tok}` },
        signal: ac.signal,
      }),
    );
    await sse.until(/event: access/);
    await until(() => c.closes.length > 0, 4000, 'socket close');
    expect(c.closes[0]!.code).toBe(CLOSE.unauthorized);
    expect((await sse.until(/event: revoked/)).text).toContain('signed-out');
    c.provider.disconnect();
    ac.abort();
    c.destroy();
  });
});

describe('findings 5 and 6: PATCH users', () => {
  it('PATCH with a role and a bad name changes nothing', async () => {
    const t = await start();
    const admin = await setup(t, 'acme');
    const eu = await addUser(t, admin, 'acme', 'eu@acme.test', 'end-user');
    const r = await api(t.url, 'PATCH', `/api/workspaces/acme/users/${eu.userId}`, {
      token: admin,
      body: { role: 'builder', name: '   ', allowRoleChange: true },
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    const users = (await api(t.url, 'GET', '/api/workspaces/acme/users', { token: admin })).body.users;
    expect(users.find((u: { id: string }) => u.id === eu.userId)).toMatchObject({
      role: 'end-user',
      name: 'eu',
    });
    const ok = await api(t.url, 'PATCH', `/api/workspaces/acme/users/${eu.userId}`, {
      token: admin,
      body: { role: 'builder', name: 'Eunice', allowRoleChange: true },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ role: 'builder', name: 'Eunice' });
  });

  it('?dryRun=true previews a role-changing change with 200 and changes nothing', async () => {
    const t = await start();
    const admin = await setup(t, 'acme');
    const eu = await addUser(t, admin, 'acme', 'eu@acme.test', 'end-user');
    const dry = await api(t.url, 'PATCH', `/api/workspaces/acme/users/${eu.userId}?dryRun=true`, {
      token: admin,
      body: { role: 'builder' },
    });
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    expect(dry.body.impact.roleChanges[0]).toMatchObject({ from: 'end-user', to: 'builder' });
    const g = (
      await api(t.url, 'POST', '/api/workspaces/acme/groups', { token: admin, body: { name: 'Makers' } })
    ).body.group;
    await api(t.url, 'PUT', `/api/workspaces/acme/groups/${g.id}/permissions`, {
      token: admin,
      body: { appCreate: true },
    });
    const add = await api(t.url, 'POST', `/api/workspaces/acme/groups/${g.id}/members?dryRun=true`, {
      token: admin,
      body: { userIds: [eu.userId] },
    });
    expect(add.status).toBe(200);
    expect(add.body.impact.builderDelta).toBe(1);
    const users = (await api(t.url, 'GET', '/api/workspaces/acme/users', { token: admin })).body.users;
    expect(users.find((u: { id: string }) => u.id === eu.userId).role).toBe('end-user');
    const real = await api(t.url, 'PATCH', `/api/workspaces/acme/users/${eu.userId}`, {
      token: admin,
      body: { role: 'builder' },
    });
    expect(real.status).toBe(409);
  });
});

describe('finding 9: invitation tokens never reach the logs', () => {
  it('redacts the token in the request log and in 500 logs', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    const server = await createGatehouseServer(
      { port: 0, host: '127.0.0.1', dataDir: tempDir(), logLevel: 'debug', docGraceMs: 200 },
      { log },
    );
    const { port } = await server.listen();
    const t: TestServer = {
      server,
      url: `http://127.0.0.1:${port}`,
      wsUrl: `ws://127.0.0.1:${port}/sync`,
      dataDir: '',
      close: () => server.close(),
    };
    start.track(t);
    const admin = await setup(t, 'acme');
    const inv = await api(t.url, 'POST', '/api/workspaces/acme/users', {
      token: admin,
      body: { email: 'new@acme.test', role: 'end-user' },
    });
    const token = inv.body.invitation.url.split('/invitations/')[1] as string;
    expect((await api(t.url, 'GET', `/api/invitations/${token}`)).status).toBe(200);
    const storage = server.ctx.storage as { invitationByTokenHash: unknown };
    const original = storage.invitationByTokenHash;
    storage.invitationByTokenHash = async () => {
      throw new Error('disk on fire');
    };
    const failed = await api(t.url, 'POST', `/api/invitations/${token}/accept`, {
      body: { password: PASSWORD },
    });
    storage.invitationByTokenHash = original;
    expect(failed.status).toBe(500);
    await until(() => lines.some((l) => l.includes('request failed')));
    await until(() => lines.filter((l) => l.includes('"msg":"request"')).length >= 3);
    const all = lines.join('\n');
    expect(all).not.toContain(token);
    expect(all).toContain('/api/invitations/[redacted]/accept');
  });
});

/** A login POST from a chosen local address (127.0.0.x are all loopback on Linux). */
function loginFrom(t: TestServer, localAddress: string, email: string, password: string): Promise<number> {
  const body = JSON.stringify({ email, password });
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: '/api/login',
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('finding 13: login lock-out', () => {
  it('counts failed attempts only, per IP and IP+email: others cannot lock an account out', async () => {
    const t = await start();
    await setup(t, 'acme');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(await loginFrom(t, '127.0.0.2', 'admin@acme.test', 'wrong-guess'));
    expect(statuses.at(-1)).toBe(429);
    expect(await loginFrom(t, '127.0.0.1', 'admin@acme.test', PASSWORD)).toBe(200);
    for (let i = 0; i < 12; i++)
      expect(await loginFrom(t, '127.0.0.1', 'admin@acme.test', PASSWORD)).toBe(200);
  });
});

describe('finding 14: setup', () => {
  const body = (t: TestServer, slug = 'acme') => ({
    token: t.server.ctx.setupToken,
    workspace: { name: 'Acme', slug },
    admin: { email: 'admin@acme.test', name: 'Admin', password: PASSWORD },
  });

  it('two concurrent correct setups: one 201, the other 410 (no 500)', async () => {
    const t = await start();
    const b = body(t);
    // A slow storage read widens the window between the checks and the claim.
    const storage = t.server.ctx.storage as { countAccounts: () => Promise<number> };
    const count = storage.countAccounts.bind(storage);
    storage.countAccounts = async () => {
      await new Promise((r) => setTimeout(r, 50));
      return count();
    };
    const rs = await Promise.all([
      api(t.url, 'POST', '/api/setup', { body: b }),
      api(t.url, 'POST', '/api/setup', { body: { ...b, admin: { ...b.admin, email: 'other@acme.test' } } }),
    ]);
    expect(rs.map((r) => r.status).sort()).toEqual([201, 410]);
    expect(await t.server.ctx.storage.countAccounts()).toBe(1);
  });

  it('a bad slug changes nothing and keeps the setup link valid', async () => {
    const t = await start();
    const bad = await api(t.url, 'POST', '/api/setup', { body: body(t, 'API') });
    expect(bad.status).toBe(422);
    expect(await t.server.ctx.storage.countAccounts()).toBe(0);
    expect((await api(t.url, 'GET', '/api/setup')).body.open).toBe(true);
    expect((await api(t.url, 'POST', '/api/setup', { body: body(t) })).status).toBe(201);
  });
});

/** A GET with chosen headers, Host included (fetch does not allow setting Host). */
function rawGet(t: TestServer, path: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('finding 15: Origin without PUBLIC_URL', () => {
  it('trusts a Host-derived origin only for loopback hosts', async () => {
    const t = await start();
    const admin = await setup(t, 'acme');
    const cookie = `gatehouse_session=${admin}`;
    const port = new URL(t.url).port;
    // A DNS-rebinding page: its own name in both Host and Origin.
    expect(
      await rawGet(t, '/api/me', { cookie, host: `evil.test:${port}`, origin: `http://evil.test:${port}` }),
    ).toBe(403);
    expect(
      await rawGet(t, '/api/me', { cookie, host: `localhost:${port}`, origin: `http://localhost:${port}` }),
    ).toBe(200);
    expect(await rawGet(t, '/api/me', { cookie, host: `127.0.0.1:${port}`, origin: t.url })).toBe(200);
    const listed = await start({ allowedOrigins: [`http://gate.corp.test:${port}`] });
    const a2 = await setup(listed, 'acme');
    expect(
      await rawGet(listed, '/api/me', {
        cookie: `gatehouse_session=${a2}`,
        host: `gate.corp.test:${port}`,
        origin: `http://gate.corp.test:${port}`,
      }),
    ).toBe(200);
  });

  it('warns at start when PUBLIC_URL is unset and the bind is not loopback', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const server = await createGatehouseServer({ port: 0, host: '0.0.0.0', dataDir: tempDir() }, { log });
    await server.listen();
    await server.close();
    expect(lines.join('\n')).toMatch(/PUBLIC_URL is not set/);
  });
});

describe('finding 8: /access cache', () => {
  it('caches the base summary per user only (not per url), bounded by bytes (LRU)', async () => {
    const t = await start();
    const admin = await setup(t, 'acme');
    const eu = await addUser(t, admin, 'acme', 'eu@acme.test', 'end-user');
    const app = await api(t.url, 'POST', '/api/workspaces/acme/apps', {
      token: admin,
      body: { name: 'HR', urlPatterns: ['https://hr.corp.test/*'] },
    });
    expect(app.status).toBe(201);
    const accessViewCache = t.server.ctx.accessViews;
    accessViewCache.clear();
    const base = await api(t.url, 'GET', '/api/workspaces/acme/access', { token: eu.token });
    for (let i = 0; i < 50; i++) {
      const url = `https://elsewhere.test/page/${i}`;
      const r = await api(t.url, 'GET', `/api/workspaces/acme/access?url=${encodeURIComponent(url)}`, {
        token: eu.token,
      });
      expect(r.body).toEqual({ ...base.body, url, match: { app: null, explanation: null } });
    }
    const hit = await api(
      t.url,
      'GET',
      `/api/workspaces/acme/access?url=${encodeURIComponent('https://hr.corp.test/x')}`,
      {
        token: eu.token,
      },
    );
    expect(hit.body.match.app).toMatchObject({ id: app.body.app.id, level: 'view' });
    expect(hit.body.match.explanation).toBeTruthy();
    expect(accessViewCache.stats().entries).toBe(1);

    const one = accessViewCache.stats().bytes;
    accessViewCache.setMaxBytes(Math.floor(one * 1.5));
    try {
      await api(t.url, 'GET', '/api/workspaces/acme/access', { token: admin });
      await api(t.url, 'GET', '/api/workspaces/acme/access', { token: eu.token });
      const s = accessViewCache.stats();
      expect(s.bytes).toBeLessThanOrEqual(Math.floor(one * 1.5));
      expect(s.entries).toBe(1);
    } finally {
      accessViewCache.setMaxBytes(64 * 1024 * 1024);
    }
  });
});
