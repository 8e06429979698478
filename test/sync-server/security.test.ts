/**
 * Security review fixes: cross-workspace sign-out, workspace creation policy, long-lived connections
 * ending with their credentials, and the other findings (each test fails without its fix).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../sync-server/config.ts';
import {
  addUser,
  api,
  connect,
  login,
  run,
  setup,
  startServer,
  synced,
  type TestServer,
  until,
} from './helpers.ts';

let servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});
async function start(config: Partial<ServerConfig> = {}) {
  const t = await startServer(config);
  servers.push(t);
  return t;
}

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
    // Eve marks Ada active over sync (the doc alone cannot prove Ada ever joined), then changes her role.
    const c = connect(t, 'evil', eve.token);
    await synced(c);
    run(c.doc, { type: 'user.activate', userId: adaUser });
    await until(async () => {
      const r = await api(t.url, 'GET', '/api/workspaces/evil/users', { token: eve.token });
      return r.body.users.find((u: { id: string }) => u.id === adaUser)?.status === 'active';
    });
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
    expect(c.closes[0]!.code).toBe(4401);
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
    expect(c.closes[0]!.code).toBe(4401);
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
    expect(c.closes[0]!.code).toBe(4401);
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
