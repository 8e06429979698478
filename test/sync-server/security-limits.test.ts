/**
 * Issue 8, finding 11: presence (awareness) capped in size and rate per connection, event streams
 * capped per account, and the admin-issued one-time password reset.
 */
import { describe, expect, it } from 'vitest';
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
} from './helpers.ts';

const start = serversPerTest();
const W = '/api/workspaces/acme';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('awareness is capped per connection', () => {
  it('a presence state over 8 KiB is not relayed; a small one is', async () => {
    const t = await start();
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const bob = await addUser(t, ada, 'acme', 'bob@acme.test', 'admin');
    const victim = connect(t, 'acme', ada);
    const attacker = connect(t, 'acme', bob.token);
    await Promise.all([synced(victim), synced(attacker)]);
    const id = attacker.provider.awareness.clientID;
    attacker.provider.awareness.setLocalState({ blob: 'x'.repeat(100_000) });
    await sleep(300);
    expect(victim.provider.awareness.getStates().get(id)?.blob).toBeUndefined();
    attacker.provider.awareness.setLocalState({ page: 'groups' });
    await expect
      .poll(() => victim.provider.awareness.getStates().get(id)?.page, { timeout: 5000 })
      .toBe('groups');
    victim.destroy();
    attacker.destroy();
  });

  it('a burst of 50 presence updates reaches the others only up to the rate limit', async () => {
    const t = await start();
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const bob = await addUser(t, ada, 'acme', 'bob@acme.test', 'admin');
    const victim = connect(t, 'acme', ada);
    const attacker = connect(t, 'acme', bob.token);
    await Promise.all([synced(victim), synced(attacker)]);
    await sleep(300);
    const id = attacker.provider.awareness.clientID;
    let seen = 0;
    victim.provider.awareness.on('change', ({ updated, added }: { updated: number[]; added: number[] }) => {
      if (updated.includes(id) || added.includes(id)) seen++;
    });
    for (let i = 0; i < 50; i++) attacker.provider.awareness.setLocalState({ page: `p${i}` });
    await sleep(800);
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThanOrEqual(15);
    victim.destroy();
    attacker.destroy();
  });
});

describe('event streams are capped per account', () => {
  it('past maxEventStreamsPerAccount: 429 too-many-streams; closing one makes room', async () => {
    const t = await start({ maxEventStreamsPerAccount: 3 });
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const open = (signal: AbortSignal) =>
      fetch(`${t.url}${W}/access/events`, { headers: { authorization: `Bearer ${ada}` }, signal });
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const streams = await Promise.all(controllers.map((c) => open(c.signal)));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await api(t.url, 'GET', `${W}/access/events`, { token: ada });
    expect([refused.status, refused.body.error.code]).toEqual([429, 'too-many-streams']);
    controllers[0]!.abort();
    const extra = new AbortController();
    await expect
      .poll(
        async () => {
          const r = await open(extra.signal);
          if (r.status !== 200) await r.text();
          return r.status;
        },
        { timeout: 5000, interval: 100 },
      )
      .toBe(200);
    for (const c of [...controllers, extra]) c.abort();
  });
});

describe('admin-issued password reset', () => {
  async function issue(t: TestServer, adminToken: string, userId: string) {
    return api(t.url, 'POST', `${W}/users/${userId}/password-reset`, { token: adminToken });
  }
  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

  it('a one-time link sets a new password and ends every session of the account', async () => {
    const t = await start();
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const bob = await addUser(t, ada, 'acme', 'bob@acme.test', 'builder');
    const r = await issue(t, ada, bob.userId);
    expect(r.status).toBe(201);
    expect(r.body.reset.url).toMatch(/\/reset-password\?token=/);
    expect(r.body.reset.expiresAt - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const token = tokenOf(r.body.reset.url);
    const stored = await t.server.ctx.storage.passwordResetById(token.split('.')[0]!);
    expect(JSON.stringify(stored)).not.toContain(token.split('.')[1]); // only its hash is stored

    const used = await api(t.url, 'POST', '/api/password-reset', {
      body: { token, password: 'a brand new secret' },
    });
    expect(used.status).toBe(204);
    expect((await api(t.url, 'GET', '/api/me', { token: bob.token })).status).toBe(401);
    expect(
      (await api(t.url, 'POST', '/api/login', { body: { email: 'bob@acme.test', password: PASSWORD } }))
        .status,
    ).toBe(401);
    expect(await login(t, 'bob@acme.test', 'a brand new secret')).toMatch(/^ghs_/);
    const again = await api(t.url, 'POST', '/api/password-reset', {
      body: { token, password: 'yet another one' },
    });
    expect([again.status, again.body.error.code]).toEqual([410, 'reset-used']);
  });

  it('refuses bad links, expired links, API tokens, non-admins and users not active', async () => {
    const t = await start({ passwordResetTtlMs: 50 });
    const ada = await setup(t, 'acme', 'ada@acme.test');
    const bob = await addUser(t, ada, 'acme', 'bob@acme.test', 'builder');
    const r = await issue(t, ada, bob.userId);
    const token = tokenOf(r.body.reset.url);
    const forged = `${token.split('.')[0]}.${'A'.repeat(43)}`;
    const bad = await api(t.url, 'POST', '/api/password-reset', {
      body: { token: forged, password: 'whatever123' },
    });
    expect([bad.status, bad.body.error.code]).toEqual([404, 'reset-not-valid']);
    await sleep(80);
    const late = await api(t.url, 'POST', '/api/password-reset', {
      body: { token, password: 'whatever123' },
    });
    expect([late.status, late.body.error.code]).toEqual([410, 'reset-expired']);

    expect((await issue(t, bob.token, bob.userId)).status).toBe(403); // not an admin
    const apiToken = (await api(t.url, 'POST', `${W}/tokens`, { token: ada, body: { name: 'CI' } })).body
      .secret;
    expect((await issue(t, apiToken, bob.userId)).status).toBe(403);
    const invited = await api(t.url, 'POST', `${W}/users`, { token: ada, body: { email: 'new@acme.test' } });
    const notActive = await issue(t, ada, invited.body.user.id);
    expect(notActive.body.error.code).toBe('user-not-active');
  });

  it('POST /api/password-reset is rate limited per IP before any hashing', async () => {
    const t = await start({ loginAttemptsPerIpPerMinute: 5 });
    await setup(t, 'acme', 'ada@acme.test');
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api(t.url, 'POST', '/api/password-reset', {
          body: { token: `x.guess${i}`, password: 'whatever123' },
        }),
      ),
    );
    const s = statuses.map((x) => x.status).sort();
    expect(s.filter((x) => x === 404)).toHaveLength(5);
    expect(s.filter((x) => x === 429)).toHaveLength(7);
  });

  it('is in the OpenAPI document', async () => {
    const t = await start();
    const doc = await api(t.url, 'GET', '/api/openapi.json');
    expect(doc.body.paths['/api/password-reset'].post).toBeDefined();
    expect(doc.body.paths['/api/workspaces/{ws}/users/{id}/password-reset'].post).toBeDefined();
  });
});
