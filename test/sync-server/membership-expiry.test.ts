/**
 * Temporary memberships on the server (issue 16), on SQLite and on PostgreSQL: an expired membership gives
 * no access from the moment the server's clock passes it, and the server then removes it as its own
 * change, audited as `membership.expired`. The test moves the server's clock (test/support/manual-clock.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { addUser, api, serversPerTest, setup, type TestServer, until } from './helpers.ts';

const HOUR = 3_600_000;
const start = serversPerTest();
let pg: Promise<TestPostgres> | null = null;
afterAll(async () => {
  if (pg) await (await pg).stop();
});

async function workspace(storage: 'sqlite' | 'postgres') {
  const clock = new ManualClock();
  let databaseUrl: string | null = null;
  if (storage === 'postgres') {
    pg ??= startPostgres();
    databaseUrl = await (await pg).createDatabase({ migrated: true });
  }
  const t = await start({ clock, databaseUrl });
  const admin = await setup(t);
  const eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  const g = await api(t.url, 'POST', '/api/workspaces/acme/groups', {
    token: admin,
    body: { name: 'Contractors' },
  });
  expect(g.status).toBe(201);
  return { t, clock, admin, eve, groupId: g.body.group.id as string };
}

const groupsOf = async (t: TestServer, token: string) =>
  ((await api(t.url, 'GET', '/api/workspaces/acme/access', { token })).body.groups as { name: string }[]).map(
    (g) => g.name,
  );
const group = async (t: TestServer, token: string, id: string) =>
  (await api(t.url, 'GET', `/api/workspaces/acme/groups/${id}`, { token })).body.group;

describe.each(['sqlite', 'postgres'] as const)('memberships expire on %s', (storage) => {
  it('gives no access from the expiry on, and the server removes it, audited as expired', async () => {
    const { t, clock, admin, eve, groupId } = await workspace(storage);
    const expiresAt = clock.now() + HOUR;
    const added = await api(t.url, 'POST', `/api/workspaces/acme/groups/${groupId}/members`, {
      token: admin,
      body: { userIds: [eve.userId], expiresAt },
    });
    expect(added.status).toBe(200);
    expect(added.body.group.memberships).toEqual([
      { userId: eve.userId, live: true, expiresAt, sources: [{ source: 'manual', expiresAt }] },
    ]);
    expect(await groupsOf(t, eve.token)).toContain('Contractors');

    clock.set(expiresAt - 1);
    expect(await groupsOf(t, eve.token)).toContain('Contractors');
    clock.set(expiresAt);
    // At once, whether or not the removal has been committed yet: the reader decides by the clock.
    expect(await groupsOf(t, eve.token)).not.toContain('Contractors');
    await until(async () => (await group(t, admin, groupId)).memberships.length === 0, 10_000);
    expect((await group(t, admin, groupId)).members).toEqual([]);
    const audit = await api(t.url, 'GET', '/api/workspaces/acme/audit', { token: admin });
    const entry = audit.body.entries.find((e: { action: string }) => e.action === 'membership.expired');
    expect(entry).toMatchObject({ source: 'server' });
    expect(entry.summary).toContain('eve@acme.test in Contractors');
  });

  it('extend and make permanent; a removal names its source; bad input is refused', async () => {
    const { t, clock, admin, eve, groupId } = await workspace(storage);
    const base = `/api/workspaces/acme/groups/${groupId}/members`;
    const at = clock.now() + HOUR;
    expect(
      (await api(t.url, 'POST', base, { token: admin, body: { userIds: [eve.userId], expiresAt: at } }))
        .status,
    ).toBe(200);
    const past = await api(t.url, 'POST', base, {
      token: admin,
      body: { userIds: [eve.userId], expiresAt: clock.now() - 1 },
    });
    expect(past.status).toBe(400);
    expect(past.body.error.message).toBe('The expiry must be in the future');
    const extended = await api(t.url, 'PATCH', `${base}/${eve.userId}`, {
      token: admin,
      body: { expiresAt: at + HOUR },
    });
    expect(extended.status).toBe(200);
    expect(extended.body.group.memberships[0].expiresAt).toBe(at + HOUR);
    clock.set(at + 1);
    expect(await groupsOf(t, eve.token)).toContain('Contractors');
    const permanent = await api(t.url, 'PATCH', `${base}/${eve.userId}`, {
      token: admin,
      body: { expiresAt: null },
    });
    expect(permanent.body.group.memberships[0]).toMatchObject({ expiresAt: null, live: true });
    clock.advance(100 * HOUR);
    expect(await groupsOf(t, eve.token)).toContain('Contractors');
    const badSource = await api(t.url, 'DELETE', `${base}/${eve.userId}?source=ldap:x`, { token: admin });
    expect(badSource.status).toBe(400);
    const otherSource = await api(t.url, 'DELETE', `${base}/${eve.userId}?source=scim:c1`, { token: admin });
    expect(otherSource.body.error.code).toBe('not-member');
    expect((await api(t.url, 'DELETE', `${base}/${eve.userId}?source=manual`, { token: admin })).status).toBe(
      200,
    );
    expect(await groupsOf(t, eve.token)).not.toContain('Contractors');
  });
});
