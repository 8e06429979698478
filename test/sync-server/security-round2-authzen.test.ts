/**
 * Security review, round 2 — AuthZEN decisions asked by a member about themselves. A "no" explains why
 * and suggests the smallest change, but to someone who is not an admin it names no group they are not in
 * (the same rule as `/access`: their own groups only) — for an app, a data source or a workspace flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from './helpers.ts';
import { secretWorkspace, W } from './security-round2-fixture.ts';

const A = `${W}/authzen/access/v1`;
let t: TestServer;
let admin: string;
let eve: { token: string; userId: string };

beforeAll(async () => {
  t = await startServer();
  const ws = await secretWorkspace(t);
  ({ admin, eve } = ws);
  const flagged = (await ws.as('POST', '/groups', { name: 'Hidden app makers' })).body.group.id;
  const flags = await ws.as('PUT', `/groups/${flagged}/permissions`, {
    appCreate: true,
    allowRoleChange: true,
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
