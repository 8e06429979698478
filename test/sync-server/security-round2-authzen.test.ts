/**
 * Security review, round 2 — AuthZEN decisions asked by a member about themselves. A "no" explains why
 * and suggests the smallest change, but to someone who is not an admin it names no group they are not in
 * (the same rule as `/access`: their own groups only) — for an app, a data source or a workspace flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, setup, startServer, type TestServer } from './helpers.ts';

const W = '/api/workspaces/acme';
const A = `${W}/authzen/access/v1`;
let t: TestServer;
let admin: string;
let eve: { token: string; userId: string };

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t);
  const as = (method: string, path: string, body?: unknown) =>
    api(t.url, method, W + path, { token: admin, body });
  eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  const app = (await as('POST', '/apps', { name: 'Payroll', urlPatterns: ['https://payroll.acme.test/*'] }))
    .body.app;
  const groups = (await as('GET', '/groups')).body.groups as {
    id: string;
    role: string | null;
    grants: { id: string }[];
  }[];
  const endUsers = groups.find((g) => g.role === 'end-user')!;
  for (const g of endUsers.grants) await as('DELETE', `/groups/${endUsers.id}/grants/${g.id}`);
  const secret = (await as('POST', '/groups', { name: 'Secret project' })).body.group.id;
  await as('POST', `/groups/${secret}/grants`, {
    name: 'Codename grant',
    resourceType: 'app',
    scope: 'custom',
    resourceIds: [app.id],
    level: 'view',
  });
  const flagged = (await as('POST', '/groups', { name: 'Hidden app makers' })).body.group.id;
  const flags = await api(t.url, 'PUT', `${W}/groups/${flagged}/permissions`, {
    token: admin,
    body: { appCreate: true, allowRoleChange: true },
  });
  expect(flags.status).toBe(200);
});
afterAll(() => t.close());

const subject = { type: 'user', id: 'eve@acme.test' };

describe('AuthZEN, a member asking about themselves', () => {
  it('a refused app names no group the member is not in', async () => {
    const r = await api(t.url, 'POST', `${A}/evaluation`, {
      token: eve.token,
      body: { subject, action: { name: 'view' }, resource: { type: 'app', id: 'payroll' } },
    });
    expect(r.status).toBe(200);
    expect(r.body.decision).toBe(false);
    expect(r.text).not.toContain('Secret project');
    expect(r.text).not.toContain('Codename grant');
  });

  it('a refused flag names no group either, also in a boxcar', async () => {
    const r = await api(t.url, 'POST', `${A}/evaluations`, {
      token: eve.token,
      body: {
        subject,
        evaluations: [
          { action: { name: 'app.create' }, resource: { type: 'workspace', id: 'acme' } },
          { action: { name: 'view' }, resource: { type: 'app', id: 'payroll' } },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([false, false]);
    expect(r.text).not.toContain('Hidden app makers');
    expect(r.text).not.toContain('Secret project');
  });

  it('an admin asking about her still gets the groups that would grant it', async () => {
    const r = await api(t.url, 'POST', `${A}/evaluation`, {
      token: admin,
      body: { subject, action: { name: 'view' }, resource: { type: 'app', id: 'payroll' } },
    });
    expect(r.body.decision).toBe(false);
    expect(r.text).toContain('Secret project');
    const flag = await api(t.url, 'POST', `${A}/evaluation`, {
      token: admin,
      body: { subject, action: { name: 'app.create' }, resource: { type: 'workspace', id: 'acme' } },
    });
    expect(flag.text).toContain('Hidden app makers');
  });
});
