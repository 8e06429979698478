/**
 * Security round 3, SSO: what one workspace's identity provider may vouch for. An admin of workspace
 * "evil" points an SSO connection at an IdP they run, which asserts (verified) the email of acme's admin:
 * the session that sign-in starts acts in evil only, never in acme. Return URLs with characters a browser
 * drops (tab, newline) cannot turn a path into another site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.ts';
import { addUser, api, setup, startServer, type TestServer } from './helpers.ts';
import { CLIENT_ID, CLIENT_SECRET, callback, rememberFlowCookie } from './sso-helpers.ts';

let t: TestServer;
let op: TestOidcProvider;
let acmeAdmin: string;
let evilConnection: string;

beforeAll(async () => {
  t = await startServer({
    allowWorkspaceCreation: 'all',
    loginAttemptsPerIpPerMinute: 1000,
    loginAttemptsPerMinute: 1000,
  });
  acmeAdmin = await setup(t, 'acme', 'admin@acme.test');
  op = await startOidcProvider([
    { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${t.url}/api/sso/callback`] },
  ]);
  // Mallory: an end-user of acme who creates a workspace of her own and an SSO connection in it.
  const mallory = await addUser(t, acmeAdmin, 'acme', 'mallory@evil.test', 'end-user');
  const ws = await api(t.url, 'POST', '/api/workspaces', {
    token: mallory.token,
    body: { name: 'Evil', slug: 'evil' },
  });
  expect(ws.status).toBe(201);
  const c = await api(t.url, 'POST', '/api/workspaces/evil/sso/connections', {
    token: mallory.token,
    body: {
      name: 'Evil IdP',
      issuer: op.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scopes: ['email', 'profile', 'groups'],
      allowedDomains: [],
      jit: true,
    },
  });
  expect(c.status).toBe(201);
  evilConnection = c.body.connection.id;
}, 60_000);
afterAll(async () => {
  await op?.stop();
  await t?.close();
});

async function signIn(slug: string, connectionId: string, login: string, returnTo: string) {
  const start = await fetch(
    `${t.url}/api/sso/start/${slug}/${connectionId}?returnTo=${encodeURIComponent(returnTo)}`,
    { redirect: 'manual' },
  );
  expect(start.status).toBe(302);
  const authorization = new URL(start.headers.get('location')!);
  rememberFlowCookie(start, authorization);
  return callback(await op.signIn(authorization.href, login));
}

describe('SSO: a workspace’s identity provider vouches for that workspace only', () => {
  it('an IdP asserting the email of another workspace’s admin gets no session in that workspace', async () => {
    op.setPerson('fake-admin', { email: 'Admin@acme.test', email_verified: true, name: 'Admin' });
    const r = await signIn('evil', evilConnection, 'fake-admin', '/evil');
    expect(r.error).toBeNull();
    // The session acts in evil (where the IdP is trusted)…
    expect((await api(t.url, 'GET', '/api/workspaces/evil/access', { token: r.token! })).status).toBe(200);
    // …and never in acme, where admin@acme.test is the admin.
    const users = await api(t.url, 'GET', '/api/workspaces/acme/users', { token: r.token! });
    expect(users.status).toBe(404);
    const me = await api(t.url, 'GET', '/api/me', { token: r.token! });
    expect(me.body.workspaces.map((w: { slug: string }) => w.slug)).toEqual(['evil']);
    // Nor does it act as the account elsewhere: creating a workspace needs the account's own session.
    const created = await api(t.url, 'POST', '/api/workspaces', {
      token: r.token!,
      body: { name: 'Mine', slug: 'mine' },
    });
    expect(created.status).toBe(403);
    // Acme's admin still signs in with the password and opens acme.
    expect((await api(t.url, 'GET', '/api/workspaces/acme/users', { token: acmeAdmin })).status).toBe(200);
  });

  it('a session token naming another workspace than its own is no session at all', async () => {
    op.setPerson('eve', { email: 'eve@evil.test', email_verified: true });
    const r = await signIn('evil', evilConnection, 'eve', '/evil');
    const acme = (await t.server.ctx.storage.workspaceBySlug('acme'))!;
    const evil = (await t.server.ctx.storage.workspaceBySlug('evil'))!;
    expect(r.token).toContain(evil.id);
    const forged = r.token!.replace(evil.id, acme.id);
    expect((await api(t.url, 'GET', '/api/me', { token: forged })).status).toBe(401);
  });
});

describe('SSO: return URLs stay on this server', () => {
  for (const returnTo of ['/\t/evil.test/', '/\n/evil.test/', '/\r/evil.test', '/ /evil.test']) {
    it(`returnTo ${JSON.stringify(returnTo)} lands on this server`, async () => {
      op.setPerson('eve', { email: 'eve@evil.test', email_verified: true });
      const r = await signIn('evil', evilConnection, 'eve', returnTo);
      expect(r.error).toBeNull();
      // As the browser reads the Location header: on this server's origin.
      expect(new URL(r.location, t.url).origin).toBe(t.url);
    });
  }
});

describe('SSO: a sign-in is finished only by the browser that started it', () => {
  it('a callback URL of someone else’s sign-in, opened in another browser, signs nobody in (login CSRF)', async () => {
    op.setPerson('eve', { email: 'eve@evil.test', email_verified: true });
    const start = await fetch(`${t.url}/api/sso/start/evil/${evilConnection}?returnTo=/evil`, {
      redirect: 'manual',
    });
    const back = await op.signIn(start.headers.get('location')!, 'eve');
    // The victim's browser holds no flow cookie of that start.
    const r = await fetch(back, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/login?sso_error=sign-in-expired');
    expect(r.headers.getSetCookie().some((c) => c.startsWith('gatehouse_session='))).toBe(false);
    // The cookie of another start does not do either.
    const other = await fetch(`${t.url}/api/sso/start/evil/${evilConnection}?returnTo=/evil`, {
      redirect: 'manual',
    });
    const wrong = other.headers.getSetCookie()[0]!.split(';')[0]!;
    const again = await fetch(back, { redirect: 'manual', headers: { cookie: wrong } });
    expect(again.headers.get('location')).toBe('/login?sso_error=sign-in-expired');
    // The browser that started it still can (the flow was not used up by the refusals).
    const cookie = start.headers.getSetCookie()[0]!.split(';')[0]!;
    const mine = await fetch(back, { redirect: 'manual', headers: { cookie } });
    expect(mine.headers.get('location')).toBe('/evil');
  });
});
