/**
 * Security round 3, forward auth: a workspace whose password sign-in is off (its SSO policy) lets its
 * non-admin members through the proxy only with a session an SSO sign-in started, as every REST route
 * does (router → checkSignInPolicy). A password session is asked to sign in (401, the sign-in page);
 * admins keep their password (break-glass).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPasswordSignIn } from '../../sync-server/identity/oidc/password-policy.ts';
import { addUser, api, setup, startServer, type TestServer } from './helpers.ts';

let t: TestServer;
let admin: string;
let member: string;

const HEADERS = {
  'x-forwarded-method': 'GET',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'wiki.corp.test',
  'x-forwarded-uri': '/',
};
const ask = (token: string) => api(t.url, 'GET', '/api/forward-auth?ws=acme', { token, headers: HEADERS });

beforeAll(async () => {
  t = await startServer({ trustedProxies: ['127.0.0.1'] });
  admin = await setup(t, 'acme');
  member = (await addUser(t, admin, 'acme', 'bo@acme.test', 'end-user')).token;
  const app = await api(t.url, 'POST', '/api/workspaces/acme/apps', {
    token: admin,
    body: { name: 'Wiki', urlPatterns: ['https://wiki.corp.test/*'] },
  });
  expect(app.status).toBe(201);
});
afterAll(() => t.close());

describe('forward auth follows the password sign-in policy', () => {
  it('password on: both pass; off: the member’s password session is sent to sign in, the admin passes', async () => {
    expect((await ask(member)).status).toBe(200);
    expect((await ask(admin)).status).toBe(200);
    const ws = (await t.server.ctx.storage.workspaceBySlug('acme'))!;
    await setPasswordSignIn(t.server.ctx.storage, ws.id, false);
    // REST already refuses the member…
    const rest = await api(t.url, 'GET', '/api/workspaces/acme/access', { token: member });
    expect(rest.body.error?.code).toBe('sso-required');
    // …and so does the proxy, even right after an answer for this session was cached.
    const r = await ask(member);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('sign-in-required');
    expect(new URL(r.headers.get('location')!).pathname).toBe('/login');
    expect((await ask(admin)).status).toBe(200);
    await setPasswordSignIn(t.server.ctx.storage, ws.id, true);
    expect((await ask(member)).status).toBe(200);
  });
});
