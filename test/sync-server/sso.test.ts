/**
 * SSO sign-in against a real OpenID Provider (oidc-provider on loopback): JIT, allowed domains,
 * email_verified, state / nonce / PKCE tampering, and the connection admin's API (secret never read back,
 * Test connection says what failed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api } from './helpers.ts';
import {
  CLIENT_SECRET,
  callback,
  connectionBody,
  createConnection,
  type SsoWorld,
  ssoSignIn,
  startersHeaders,
  startSsoWorld,
  throughProvider,
  userIdOf,
  workspaceState,
} from './sso-helpers.ts';

let w: SsoWorld;
let conn: { id: string };

beforeAll(async () => {
  w = await startSsoWorld();
  conn = await createConnection(w);
}, 60_000);
afterAll(() => w?.close());

const storage = () => w.t.server.ctx.storage;

describe('SSO sign-in', () => {
  it('JIT on: a new person signs in, is created as an End-user, and the session opens the workspace', async () => {
    w.op.setPerson('nia', { email: 'Nia@acme.test', email_verified: true, name: 'Nia Long', groups: [] });
    const r = await ssoSignIn(w, conn.id, 'nia');
    expect(r).toMatchObject({ location: '/acme', error: null });
    const me = await api(w.t.url, 'GET', '/api/me', { token: r.token! });
    expect(me.status).toBe(200);
    expect(me.body.account.email).toBe('nia@acme.test');
    const user = (await workspaceState(w)).users.get((await userIdOf(w, 'nia@acme.test'))!)!;
    expect(user).toMatchObject({ role: 'end-user', status: 'active', name: 'Nia Long' });
    expect((await api(w.t.url, 'GET', '/api/workspaces/acme/access', { token: r.token! })).status).toBe(200);
    // The creation is audited with the connection as actor; the sign-in is in the connection's log.
    const ws = (await storage().workspaceBySlug('acme'))!;
    const audit = await storage().queryAudit({ workspaceId: ws.id, entity: user.id, limit: 10 });
    expect(audit.some((a) => a.action === 'user.invite' && a.actorName === 'SSO: Test IdP')).toBe(true);
    const [last] = await storage().recentSsoSignIns(conn.id, 1);
    expect(last).toMatchObject({ email: 'nia@acme.test', outcome: 'signed-in', userId: user.id });
    expect(last!.changes).toContain('created (end-user)');
    // A second sign-in is the same user: nothing is created again.
    const again = await ssoSignIn(w, conn.id, 'nia');
    expect(again.error).toBeNull();
    expect(
      [...(await workspaceState(w)).users.values()].filter((u) => u.email === 'nia@acme.test'),
    ).toHaveLength(1);
  });

  it('JIT off: an unknown person is refused and nothing is created; an invited one joins', async () => {
    const off = await createConnection(w, { name: 'No JIT', jit: false });
    w.op.setPerson('omar', { email: 'omar@acme.test', email_verified: true });
    expect((await ssoSignIn(w, off.id, 'omar')).error).toBe('not-a-member');
    expect(await userIdOf(w, 'omar@acme.test')).toBeUndefined();
    expect((await storage().recentSsoSignIns(off.id, 1))[0]).toMatchObject({ outcome: 'not-a-member' });
    const inv = await api(w.t.url, 'POST', '/api/workspaces/acme/users', {
      token: w.admin,
      body: { email: 'omar@acme.test', name: 'Omar', role: 'end-user' },
    });
    expect(inv.status).toBe(201);
    const r = await ssoSignIn(w, off.id, 'omar');
    expect(r.error).toBeNull();
    expect((await workspaceState(w)).users.get(inv.body.user.id)?.status).toBe('active');
  });

  it('a domain that is not allowed is refused', async () => {
    w.op.setPerson('eve', { email: 'eve@evil.test', email_verified: true });
    const r = await ssoSignIn(w, conn.id, 'eve');
    expect(r).toMatchObject({
      error: 'domain-not-allowed',
      token: null,
      location: '/acme/login?sso_error=domain-not-allowed',
    });
    expect(await userIdOf(w, 'eve@evil.test')).toBeUndefined();
  });

  it('an unverified email is refused unless the IdP is authoritative for its domain', async () => {
    w.op.setPerson('una', { email: 'una@acme.test', email_verified: false });
    expect((await ssoSignIn(w, conn.id, 'una')).error).toBe('email-not-verified');
    w.op.setPerson('noflag', { email: 'noflag@acme.test' });
    expect((await ssoSignIn(w, conn.id, 'noflag')).error).toBe('email-not-verified');
    const authoritative = await createConnection(w, {
      name: 'Authoritative',
      authoritativeDomains: ['acme.test'],
    });
    expect((await ssoSignIn(w, authoritative.id, 'una')).error).toBeNull();
  });

  it('a token without an email is refused', async () => {
    w.op.setPerson('ghost', { email_verified: true });
    expect((await ssoSignIn(w, conn.id, 'ghost')).error).toBe('no-email');
  });

  it('a tampered or replayed state is refused before the provider is asked', async () => {
    w.op.setPerson('tess', { email: 'tess@acme.test', email_verified: true });
    const forged = await ssoSignIn(w, conn.id, 'tess', (back) => {
      back.searchParams.set('state', 'forged-state');
      return back;
    });
    expect(forged.error).toBe('sign-in-expired');
    let kept: URL | null = null;
    const first = await ssoSignIn(w, conn.id, 'tess', (back) => {
      kept = new URL(back);
      return back;
    });
    expect(first.error).toBeNull();
    const replay = await callback(kept!);
    expect(replay).toMatchObject({ error: 'sign-in-expired', token: null });
  });

  it('a nonce or PKCE verifier that does not match the flow is refused', async () => {
    w.op.setPerson('pat', { email: 'pat@acme.test', email_verified: true });
    const swap = (field: 'nonce' | 'codeVerifier') => async (back: URL, stateHash: string) => {
      const flow = (await storage().takeSsoFlow(stateHash, Date.now()))!;
      await storage().createSsoFlow({ ...flow, [field]: `${flow[field].slice(0, -4)}AAAA` });
      return back;
    };
    expect((await ssoSignIn(w, conn.id, 'pat', swap('nonce'))).error).toBe('sign-in-failed');
    expect((await ssoSignIn(w, conn.id, 'pat', swap('codeVerifier'))).error).toBe('sign-in-failed');
    expect(await userIdOf(w, 'pat@acme.test')).toBeUndefined();
    // An error answer of the provider is refused too.
    const denied = await ssoSignIn(w, conn.id, 'pat', (back) => {
      const u = new URL(`${back.origin}${back.pathname}`);
      u.searchParams.set('state', back.searchParams.get('state')!);
      u.searchParams.set('error', 'access_denied');
      return u;
    });
    expect(denied.error).toBe('sign-in-failed');
  });
});

describe('SSO for the browser extension', () => {
  const EXT = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/sso';
  it('hands the token to the extension only through a link the person clicks, with no cookie', async () => {
    w.op.setPerson('xena', { email: 'xena@acme.test', email_verified: true });
    const { back } = await throughProvider(w, conn.id, 'xena', EXT);
    const r = await fetch(back, { redirect: 'manual', headers: startersHeaders(back) });
    expect(r.status).toBe(200);
    expect(r.headers.get('set-cookie')).toBeNull();
    const html = await r.text();
    expect(html).toContain('abcdefghijklmnopabcdefghijklmnop');
    expect(html).toContain('xena@acme.test');
    const href = /id="continue" href="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&');
    expect(href.startsWith(`${EXT}#token=`)).toBe(true);
    const token = new URLSearchParams(new URL(href).hash.slice(1)).get('token')!;
    const me = await api(w.t.url, 'GET', '/api/me', { token });
    expect(me.body.account.email).toBe('xena@acme.test');
  });

  it('any other return URL is not followed (no open redirect)', async () => {
    w.op.setPerson('yan', { email: 'yan@acme.test', email_verified: true });
    for (const evil of ['https://evil.test/x', '//evil.test/x', 'https://abc.chromiumapp.org.evil.test/']) {
      const { back } = await throughProvider(w, conn.id, 'yan', evil);
      expect((await callback(back)).location).toBe('/acme');
    }
  });
});

describe('SSO connections (admins)', () => {
  it('never returns the client secret, keeps it when omitted, and lists names publicly', async () => {
    const list = await api(w.t.url, 'GET', '/api/workspaces/acme/sso/connections', { token: w.admin });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(CLIENT_SECRET);
    const c = list.body.connections.find((x: { id: string }) => x.id === conn.id);
    expect(c).toMatchObject({ hasSecret: true, groupsClaim: 'groups', jitRole: 'end-user' });
    expect(c.redirectUri).toBe(`${w.t.url}/api/sso/callback`);
    const { clientSecret: _, ...noSecret } = connectionBody(w);
    const saved = await api(w.t.url, 'PUT', `/api/workspaces/acme/sso/connections/${conn.id}`, {
      token: w.admin,
      body: noSecret,
    });
    expect(saved.status).toBe(200);
    expect(await storage().ssoClientSecret((await storage().workspaceBySlug('acme'))!.id, conn.id)).toBe(
      CLIENT_SECRET,
    );
    const options = await api(w.t.url, 'GET', '/api/sso/options/acme');
    expect(options.status).toBe(200);
    expect(options.body.connections).toContainEqual({ id: conn.id, name: 'Test IdP' });
    expect(options.text).not.toContain(CLIENT_SECRET);
    expect(options.text).not.toContain(w.op.issuer);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const bad = async (more: Record<string, unknown>) =>
      api(w.t.url, 'POST', '/api/workspaces/acme/sso/connections', {
        token: w.admin,
        body: connectionBody(w, more),
      });
    expect((await bad({ issuer: 'http://idp.example.com' })).body.error.details[0]).toMatchObject({
      path: 'issuer',
    });
    expect((await bad({ allowedDomains: ['not a domain'] })).status).toBe(400);
    const unmapped = await bad({ mappings: [{ idpGroup: 'Eng', groupId: 'no-such-group' }] });
    expect(unmapped.body.error.details[0].path).toBe('mappings.0.groupId');
  });

  it('Test connection passes against the provider, and says which step failed otherwise', async () => {
    const ok = await api(w.t.url, 'POST', `/api/workspaces/acme/sso/connections/${conn.id}/test`, {
      token: w.admin,
    });
    expect(ok.body.ok).toBe(true);
    expect(ok.body.steps.map((s: { step: string }) => s.step)).toEqual(['discovery', 'metadata', 'client']);
    const wrong = await createConnection(w, { name: 'Wrong secret', clientSecret: 'not-the-secret' });
    const refused = await api(w.t.url, 'POST', `/api/workspaces/acme/sso/connections/${wrong.id}/test`, {
      token: w.admin,
    });
    expect(refused.body.ok).toBe(false);
    expect(refused.body.steps.at(-1)).toMatchObject({ step: 'client', ok: false });
    expect(refused.body.steps.at(-1).message).toMatch(/client id or secret/);
    const gone = await createConnection(w, { name: 'Nowhere', issuer: 'http://127.0.0.1:9' });
    const unreachable = await api(w.t.url, 'POST', `/api/workspaces/acme/sso/connections/${gone.id}/test`, {
      token: w.admin,
    });
    expect(unreachable.body).toMatchObject({ ok: false, steps: [{ step: 'discovery', ok: false }] });
    expect(unreachable.body.steps[0].message).toMatch(/Discovery at http:\/\/127\.0\.0\.1:9\/ failed/);
    // Starting a sign-in with it sends the person back to the sign-in page, saying so.
    const start = await fetch(`${w.t.url}/api/sso/start/acme/${gone.id}`, { redirect: 'manual' });
    expect(start.headers.get('location')).toBe('/acme/login?sso_error=provider-unreachable');
  });
});

describe('password sign-in off', () => {
  it('members must come through SSO; admins keep their password (break-glass)', async () => {
    const pwd = await addUser(w.t, w.admin, 'acme', 'pwd@acme.test', 'end-user');
    const access = (token: string) => api(w.t.url, 'GET', '/api/workspaces/acme/access', { token });
    expect((await access(pwd.token)).status).toBe(200);
    const P = '/api/workspaces/acme/sso/policy';
    expect((await api(w.t.url, 'PUT', P, { token: pwd.token, body: { passwordSignIn: false } })).status).toBe(
      403,
    );
    expect((await api(w.t.url, 'PUT', P, { token: w.admin, body: { passwordSignIn: false } })).status).toBe(
      200,
    );
    expect((await api(w.t.url, 'GET', '/api/sso/options/acme')).body.passwordSignIn).toBe(false);
    const refused = await access(pwd.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('sso-required');
    expect((await access(w.admin)).status).toBe(200);
    w.op.setPerson('pwd', { email: 'pwd@acme.test', email_verified: true });
    const sso = await ssoSignIn(w, conn.id, 'pwd');
    expect(sso.error).toBeNull();
    expect((await access(sso.token!)).status).toBe(200);
    expect((await api(w.t.url, 'PUT', P, { token: w.admin, body: { passwordSignIn: true } })).status).toBe(
      200,
    );
    expect((await access(pwd.token)).status).toBe(200);
  });
});
