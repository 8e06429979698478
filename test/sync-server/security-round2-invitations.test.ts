/**
 * Security review, round 2 — the invitation page (`GET /api/invitations/:token`, public: the link is the
 * credential) and the sign-in of invited people. A link says what it is for only while it can still be
 * accepted; a withdrawn (archived) invitee's link shows nothing of the workspace or the email, and sign-in
 * answers an invited email exactly as any unknown one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, setup, startServer, type TestServer } from './helpers.ts';

const W = '/api/workspaces/acme';
let t: TestServer;
let admin: string;

async function invite(email: string, name = 'Invitee'): Promise<{ token: string; userId: string }> {
  const inv = await api(t.url, 'POST', `${W}/users`, {
    token: admin,
    body: { email, name, role: 'end-user' },
  });
  expect(inv.status).toBe(201);
  return { token: inv.body.invitation.url.split('/invitations/')[1], userId: inv.body.user.id };
}

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t);
});
afterAll(() => t.close());

describe('GET /api/invitations/:token', () => {
  it('an open link shows the workspace, email and the name the admin gave', async () => {
    const { token } = await invite('open@acme.test', 'Open Person');
    const r = await api(t.url, 'GET', `/api/invitations/${token}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ email: 'open@acme.test', name: 'Open Person' });
  });

  it('the link of an invitee archived since (the invitation withdrawn) reveals nothing', async () => {
    const { token, userId } = await invite('withdrawn@acme.test', 'Withdrawn Person');
    expect((await api(t.url, 'POST', `${W}/users/${userId}/archive`, { token: admin })).status).toBe(200);
    const r = await api(t.url, 'GET', `/api/invitations/${token}`);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.text).not.toContain('withdrawn@acme.test');
    expect(r.text).not.toContain('Withdrawn Person');
    expect(r.text).not.toContain('ACME');
    // And it cannot be accepted.
    const acc = await api(t.url, 'POST', `/api/invitations/${token}/accept`, {
      body: { password: 'correct horse battery' },
    });
    expect(acc.status).toBeGreaterThanOrEqual(400);
  });

  it('a used link says so and shows nothing else; an unknown one is a plain 404', async () => {
    const { token } = await invite('used@acme.test', 'Used Person');
    const acc = await api(t.url, 'POST', `/api/invitations/${token}/accept`, {
      body: { password: 'correct horse battery' },
    });
    expect(acc.status).toBe(200);
    const used = await api(t.url, 'GET', `/api/invitations/${token}`);
    expect(used.status).toBe(410);
    expect(used.text).not.toContain('used@acme.test');
    const unknown = await api(t.url, 'GET', `/api/invitations/${'x'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).not.toContain('acme');
    const huge = await api(t.url, 'GET', `/api/invitations/${'x'.repeat(8000)}`);
    expect(huge.status).toBe(404);
  });
});

describe('sign-in of an invited email', () => {
  it('answers exactly as for an email nobody knows', async () => {
    await invite('pending@acme.test');
    const login = (email: string) =>
      api(t.url, 'POST', '/api/login', { body: { email, password: 'correct horse battery' } });
    const invited = await login('pending@acme.test');
    const stranger = await login('nobody@acme.test');
    expect(invited.status).toBe(401);
    expect(stranger.status).toBe(401);
    expect(invited.body).toEqual(stranger.body);
  });
});
