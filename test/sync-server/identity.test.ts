/**
 * Disagreement 1 of issue 9, end to end: an offline admin invites someone who was meanwhile invited and
 * accepted online. Before, the server took the active user, access the older invited one, and repair
 * archived the active one — and revoked its sessions: the person was locked out. Now every part picks the
 * active user; repair archives the stale invitation.
 */
import { afterEach, expect, it } from 'vitest';
import { readState } from '../../core/index.ts';
import { addUser, api, connect, run, setup, startServer, synced, type TestServer, until } from './helpers.ts';

let t: TestServer | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

it('the person who accepted online keeps their session and access after an offline duplicate invite merges', async () => {
  t = await startServer();
  const admin = await setup(t, 'acme');
  const offline = connect(t, 'acme', admin);
  await synced(offline);
  offline.provider.disconnect();
  // Offline: the admin invites dup@ (this invitation is the older one).
  run(offline.doc, { type: 'user.invite', email: 'dup@acme.test', name: 'Dup', role: 'end-user' });
  await new Promise((r) => setTimeout(r, 5));
  // Online meanwhile: another invitation of dup@, accepted.
  const dup = await addUser(t, admin, 'acme', 'dup@acme.test', 'end-user');
  expect((await api(t.url, 'GET', '/api/me', { token: dup.token })).status).toBe(200);
  // The offline replica comes back: its invite arrives as a catch-up and merges.
  offline.provider.connect();
  await synced(offline);
  await until(async () => {
    const r = await api(t!.url, 'GET', '/api/workspaces/acme/conflicts', { token: admin });
    return (r.body.conflicts ?? []).some((c: { code: string }) => c.code === 'duplicate-email');
  });
  const users = (await api(t.url, 'GET', '/api/workspaces/acme/users', { token: admin })).body.users as {
    id: string;
    email: string;
    status: string;
  }[];
  const dups = users.filter((u) => u.email === 'dup@acme.test');
  expect(dups).toHaveLength(2);
  expect(dups.find((u) => u.id === dup.userId)!.status).toBe('active');
  expect(dups.find((u) => u.id !== dup.userId)!.status).toBe('archived');
  // Still signed in, with access: the server and core agree on who dup@ is.
  expect((await api(t.url, 'GET', '/api/me', { token: dup.token })).status).toBe(200);
  const access = await api(t.url, 'GET', '/api/workspaces/acme/access', { token: dup.token });
  expect(access.status).toBe(200);
  expect(access.body.user.id).toBe(dup.userId);
  expect(access.body.user.status).toBe('active');
  await until(() => readState(offline.doc).users.get(dup.userId)?.status === 'active');
  offline.destroy();
});
