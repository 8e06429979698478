/**
 * First-run setup and workspace creation racing on two instances (issue 12): each instance prints a
 * setup link of its own while no account exists, but the claim is in PostgreSQL (the first account is
 * created under an advisory lock), so of two setups sent at once to two instances exactly one succeeds
 * and the other is told setup is done; of two workspaces created at once with one slug, the unique slug
 * decides: one 201, the other 409 `slug-taken`, never a 500.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, PASSWORD, type Res } from '../sync-server/helpers.ts';
import { type Cluster, countRows, startCluster } from './harness.ts';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster(2);
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

const count = (table: 'accounts' | 'workspaces') =>
  countRows(c.databaseUrl, `SELECT count(*) AS n FROM ${table}`);

const setupToken = (i: number) => /setup\?token=([\w-]+)/.exec(c.instances[i]!.output)?.[1];

let session = '';

it('two setups at once on two instances: one creates the admin, the other is told setup is done', async () => {
  const tokens = [setupToken(0), setupToken(1)];
  expect(tokens.every(Boolean)).toBe(true); // both instances started before any setup: both offer it
  const setup = (i: number) =>
    api(c.instances[i]!.url, 'POST', '/api/setup', {
      body: {
        token: tokens[i],
        workspace: { name: `First ${i}`, slug: `first${i}` },
        admin: { email: `admin${i}@first.test`, name: `Admin ${i}`, password: PASSWORD },
      },
    });
  const rs = await Promise.all([setup(0), setup(1)]);
  expect(rs.map((r) => r.status).sort()).toEqual([201, 410]);
  const lost = rs.find((r) => r.status === 410)!;
  expect(lost.body.error.code).toBe('setup-done');
  expect(lost.body.error.message).toMatch(/sign in/i);
  expect(await count('accounts')).toBe(1);
  expect(await count('workspaces')).toBe(1);
  // Closed everywhere now, and a second try on either instance is refused the same way.
  for (const i of [0, 1]) {
    expect((await api(c.instances[i]!.url, 'GET', '/api/setup')).body.open).toBe(false);
    expect((await setup(i)).status).toBe(410);
  }
  session = rs.find((r) => r.status === 201)!.body.token as string;
}, 60_000);

it('two workspaces created at once with one slug on two instances: one 201, the other 409 slug-taken', async () => {
  expect(session).not.toBe('');
  const before = await count('workspaces');
  for (let round = 0; round < 5; round++) {
    const create = (i: number): Promise<Res> =>
      api(c.instances[i]!.url, 'POST', '/api/workspaces', {
        token: session,
        body: { name: `Race ${round}`, slug: `race${round}` },
      });
    const rs = await Promise.all([create(0), create(1)]);
    expect(rs.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(rs.find((r) => r.status === 409)!.body.error.code).toBe('slug-taken');
  }
  expect(await count('workspaces')).toBe(before + 5);
}, 60_000);
