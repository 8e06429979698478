/**
 * Issue 8, findings 6, 9 and 10: revocation from a stored fact (not a bounded audit search), the Origin
 * check on every cookie-authenticated mutation (logout included), invitation acceptance that checks
 * first and survives concurrency, API tokens revoked with the sessions.
 */

import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { addUser, api, login, PASSWORD, serversPerTest, setup, type TestServer } from './helpers.ts';

const start = serversPerTest();
const W = '/api/workspaces/acme';
const me = async (t: TestServer, token: string) => (await api(t.url, 'GET', '/api/me', { token })).status;

describe('finding 6: revocation does not stop after 200 of the user’s own changes', () => {
  it('205 self-renames, then demote and archive: each time the old session is revoked', async () => {
    const t = await start();
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const bob = await addUser(t, ada, 'acme', 'bob@acme.test', 'admin');
    for (let i = 0; i < 205; i++) {
      const r = await api(t.url, 'PATCH', `${W}/users/${bob.userId}`, {
        token: bob.token,
        body: { name: `Bob ${i}` },
      });
      expect(r.status).toBe(200);
    }
    expect(
      (
        await api(t.url, 'PATCH', `${W}/users/${bob.userId}`, {
          token: ada,
          body: { role: 'builder', allowRoleChange: true },
        })
      ).status,
    ).toBe(200);
    expect(await me(t, bob.token)).toBe(401);
    const again = await login(t, 'bob@acme.test');
    expect((await api(t.url, 'POST', `${W}/users/${bob.userId}/archive`, { token: ada })).status).toBe(200);
    expect(await me(t, again)).toBe(401);
  });

  it('joins recorded before the `joined` table existed are migrated from the audit at start', async () => {
    const first = await start();
    const ada = await setup(first, 'acme', 'ada@acme.test');
    const bob = await addUser(first, ada, 'acme', 'bob@acme.test', 'builder');
    await first.close();
    // An older data file: no joined rows, migration not done.
    const db = new Database(path.join(first.dataDir, 'gatehouse.sqlite'));
    db.exec('DELETE FROM joined; DELETE FROM migrations;');
    db.close();
    const t = await start({ dataDir: first.dataDir });
    const adaAgain = await login(t, 'ada@acme.test');
    const bobSession = await login(t, 'bob@acme.test');
    await api(t.url, 'PATCH', `${W}/users/${bob.userId}`, {
      token: adaAgain,
      body: { role: 'end-user', allowRoleChange: true },
    });
    expect(await me(t, bobSession)).toBe(401);
  });
});

describe('finding 11: a demoted admin’s API tokens are revoked with the sessions', () => {
  it('demoting an admin ends their API tokens in that workspace', async () => {
    const t = await start();
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const bob = await addUser(t, ada, 'acme', 'bob@acme.test', 'admin');
    const tok = await api(t.url, 'POST', `${W}/tokens`, { token: bob.token, body: { name: 'CI' } });
    expect(tok.status).toBe(201);
    const secret = tok.body.secret as string;
    expect((await api(t.url, 'GET', `${W}/apps`, { token: secret })).status).toBe(200);
    await api(t.url, 'PATCH', `${W}/users/${bob.userId}`, {
      token: ada,
      body: { role: 'builder', allowRoleChange: true },
    });
    expect((await api(t.url, 'GET', `${W}/access`, { token: secret })).status).toBe(401);
  });
});

describe('finding 9: Origin on every cookie-authenticated mutation', () => {
  it('a cross-origin logout with the session cookie is refused and ends nothing', async () => {
    const t = await start();
    const token = await setup(t, 'acme', 'ada@acme.test');
    const cookie = `gatehouse_session=${token}`;
    const evil = await api(t.url, 'POST', '/api/logout', {
      headers: { cookie, origin: 'http://evil.test' },
    });
    expect([evil.status, evil.body.error.code]).toEqual([403, 'bad-origin']);
    expect(
      (
        await api(t.url, 'GET', '/api/me', {
          headers: { cookie, origin: t.url.replace('127.0.0.1', 'localhost') },
        })
      ).status,
    ).toBe(403); // another origin again: reads behind sign-in are refused too
    expect((await api(t.url, 'GET', '/api/me', { headers: { cookie } })).status).toBe(200);
    // Our own origin signs out.
    expect((await api(t.url, 'POST', '/api/logout', { headers: { cookie, origin: t.url } })).status).toBe(
      204,
    );
    expect((await api(t.url, 'GET', '/api/me', { headers: { cookie } })).status).toBe(401);
  });

  it('public POSTs with the cookie check Origin too (invitation acceptance)', async () => {
    const t = await start();
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const inv = await api(t.url, 'POST', `${W}/users`, { token: ada, body: { email: 'new@acme.test' } });
    const link = inv.body.invitation.url.split('/invitations/')[1];
    const r = await api(t.url, 'POST', `/api/invitations/${link}/accept`, {
      headers: { cookie: `gatehouse_session=${ada}`, origin: 'http://evil.test' },
      body: { password: PASSWORD },
    });
    expect([r.status, r.body.error.code]).toEqual([403, 'bad-origin']);
  });
});

describe('finding 10: invitation acceptance checks everything first; concurrent accepts', () => {
  it('an archived invitee is refused and no account is created', async () => {
    const t = await start();
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const inv = await api(t.url, 'POST', `${W}/users`, { token: ada, body: { email: 'gone@acme.test' } });
    const link = inv.body.invitation.url.split('/invitations/')[1];
    expect((await api(t.url, 'POST', `${W}/users/${inv.body.user.id}/archive`, { token: ada })).status).toBe(
      200,
    );
    const r = await api(t.url, 'POST', `/api/invitations/${link}/accept`, { body: { password: PASSWORD } });
    // The status is the error table's (core/errors.ts); the point is a refusal that changes nothing.
    expect(r.body.error.code).toBe('user-archived');
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(await t.server.ctx.storage.accountByEmail('gone@acme.test')).toBeNull();
  });

  it('8 concurrent accepts of one link: one 200, the others 410, never a 500', async () => {
    const t = await start();
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const inv = await api(t.url, 'POST', `${W}/users`, { token: ada, body: { email: 'new@acme.test' } });
    const link = inv.body.invitation.url.split('/invitations/')[1];
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api(t.url, 'POST', `/api/invitations/${link}/accept`, {
          body: { name: `N${i}`, password: PASSWORD },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 410, 410, 410, 410, 410, 410, 410]);
    for (const r of results.filter((x) => x.status === 410))
      expect(r.body.error.code).toBe('invitation-used');
    expect(await me(t, results.find((r) => r.status === 200)!.body.token)).toBe(200);
  });

  it('8 concurrent accepts by an existing account: one 200, the others 410', async () => {
    const t = await start();
    const ada = await setup(t, 'acme', 'ada@acme.test');
    await api(t.url, 'POST', '/api/workspaces', { token: ada, body: { name: 'Side', slug: 'side' } });
    await addUser(t, ada, 'acme', 'bob@acme.test', 'end-user');
    const inv = await api(t.url, 'POST', '/api/workspaces/side/users', {
      token: ada,
      body: { email: 'bob@acme.test' },
    });
    const link = inv.body.invitation.url.split('/invitations/')[1];
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        api(t.url, 'POST', `/api/invitations/${link}/accept`, { body: { password: PASSWORD } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410, 410, 410, 410, 410, 410]);
  });
});
