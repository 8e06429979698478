/**
 * Forward auth's edges on a real server (issue 14), without a proxy: who may send X-Forwarded-*
 * (TRUSTED_PROXIES, the shared secret), reading the original request, header values sanitised, the safe
 * return URL (no open redirect), SESSION_COOKIE_DOMAIN on the session cookie, and settings refused at start.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaceDoc, readState } from '../../core/index.ts';
import { headerValue } from '../../sync-server/http/forward-auth-answer.ts';
import { createProxyTrust, originalRequest } from '../../sync-server/http/forward-auth-request.ts';
import { checkReturnUrl } from '../../sync-server/http/forward-auth-return.ts';
import { addUser, api, PASSWORD, setup, startServer, type TestServer } from './helpers.ts';

const fakeReq = (headers: Record<string, string>, remoteAddress = '203.0.113.9') =>
  ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe('who may send X-Forwarded-*', () => {
  it('a peer in TRUSTED_PROXIES, or anyone with the shared secret; nobody else', () => {
    const trust = createProxyTrust({
      trustedProxies: ['10.0.0.0/8', '::1'],
      forwardAuthSecret: 's'.repeat(20),
    });
    expect(trust(fakeReq({}, '10.1.2.3'))).toBe(true);
    expect(trust(fakeReq({}, '::ffff:10.1.2.3'))).toBe(true);
    expect(trust(fakeReq({}, '::1'))).toBe(true);
    expect(trust(fakeReq({}, '11.0.0.1'))).toBe(false);
    expect(trust(fakeReq({ 'x-gatehouse-proxy-secret': 's'.repeat(20) }))).toBe(true);
    expect(trust(fakeReq({ 'x-gatehouse-proxy-secret': 's'.repeat(19) }))).toBe(false);
    // A client's X-Forwarded-For does not make it a proxy.
    expect(trust(fakeReq({ 'x-forwarded-for': '10.1.2.3' }))).toBe(false);
    const none = createProxyTrust({ trustedProxies: [], forwardAuthSecret: null });
    expect(none(fakeReq({ 'x-gatehouse-proxy-secret': '' }, '127.0.0.1'))).toBe(false);
  });
});

describe('the original request', () => {
  it('X-Forwarded-* first (Traefik passes a client’s X-Original-URL on), else X-Original-URL', () => {
    expect(
      originalRequest(
        fakeReq({
          'x-forwarded-method': 'post',
          'x-forwarded-proto': 'https, http',
          'x-forwarded-host': 'HR.corp.com',
          'x-forwarded-uri': '/a?b=1',
          'x-original-url': 'https://evil.test/',
        }),
      ),
    ).toEqual({ method: 'POST', url: 'https://hr.corp.com/a?b=1' });
    expect(
      originalRequest(fakeReq({ 'x-original-method': 'GET', 'x-original-url': 'http://hr.corp.com:8080/x' })),
    ).toEqual({ method: 'GET', url: 'http://hr.corp.com:8080/x' });
  });

  it.each([
    [{ 'x-forwarded-host': 'hr.corp.com' }, /X-Forwarded-Method/],
    [{ 'x-forwarded-method': 'GET' }, /X-Forwarded-Host \(or X-Original-URL\) is missing/],
    [{ 'x-forwarded-method': 'G ET', 'x-forwarded-host': 'hr.corp.com' }, /not an HTTP method/],
    [{ 'x-forwarded-method': 'GET', 'x-forwarded-host': 'hr.corp.com/x' }, /not a host name/],
    [{ 'x-forwarded-method': 'GET', 'x-forwarded-host': 'hr', 'x-forwarded-proto': 'ftp' }, /http or https/],
    [{ 'x-forwarded-method': 'GET', 'x-forwarded-host': 'hr', 'x-forwarded-uri': 'x' }, /start with \//],
    [{ 'x-forwarded-method': 'GET', 'x-original-url': 'javascript:alert(1)' }, /absolute http/],
    [{ 'x-forwarded-method': 'GET', 'x-original-url': `http://a/${'x'.repeat(5000)}` }, /longer than/],
  ])('refused with a sentence: %#', (headers, message) => {
    expect(originalRequest(fakeReq(headers as Record<string, string>))).toMatch(message);
  });
});

describe('header values', () => {
  it('no CR/LF or other control characters, bounded, UTF-8 bytes', () => {
    expect(headerValue('Eve\r\nSet-Cookie: x=1')).toBe('EveSet-Cookie: x=1');
    expect(headerValue('a\u0000b\u0085c\u2028d')).toBe('abcd');
    expect(Buffer.from(headerValue('José'), 'latin1').toString('utf8')).toBe('José');
    expect(headerValue('é'.repeat(2000)).length).toBe(1024);
    expect(headerValue('é'.repeat(2000), 5).length).toBe(4); // cut at a character, not inside one
  });
});

describe('the return URL after sign-in', () => {
  const doc = createWorkspaceDoc({ slug: 'acme', name: 'ACME' });
  const base = readState(doc);
  const state = {
    ...base,
    apps: new Map([
      ['app1', { id: 'app1', name: 'HR', slug: 'hr', urlPatterns: ['https://hr.corp.com/*'], createdAt: 1 }],
    ]),
  } as typeof base;

  it('only an app of the workspace, a host under the cookie domain, or Gatehouse itself', () => {
    const ok = (rd: string, domain: string | null = null) =>
      checkReturnUrl(rd, state, domain, 'https://gatehouse.corp.com').ok;
    expect(ok('https://hr.corp.com/reports?q=1')).toBe(true);
    expect(ok('https://gatehouse.corp.com/acme/my-access')).toBe(true);
    expect(ok('https://wiki.corp.com/')).toBe(false);
    expect(ok('https://wiki.corp.com/', 'corp.com')).toBe(true);
    expect(ok('https://corp.com.evil.test/', 'corp.com')).toBe(false);
    expect(ok('https://evilcorp.com/', 'corp.com')).toBe(false);
    expect(ok('http://hr.corp.com/')).toBe(false); // another scheme than the app's pattern
    for (const rd of [
      'https://evil.test/',
      'https://evil.test\\@hr.corp.com/',
      'https://hr.corp.com@evil.test/',
      'https://user:pw@hr.corp.com/',
      '//evil.test/',
      '/relative',
      'javascript:alert(1)//https://hr.corp.com/',
      'data:text/html,hi',
      '',
    ])
      expect(ok(rd, 'corp.com'), rd).toBe(false);
  });
});

describe('on a server', () => {
  let t: TestServer;
  let admin: string;
  beforeAll(async () => {
    t = await startServer({ trustedProxies: ['127.0.0.1'], sessionCookieDomain: 'corp.test' });
    admin = await setup(t, 'acme');
  });
  afterAll(() => t.close());

  it('X-Forwarded-* from a peer in TRUSTED_PROXIES are read (here: no app runs there, a 403)', async () => {
    const r = await api(t.url, 'GET', '/api/forward-auth?ws=acme', {
      headers: { 'x-forwarded-method': 'GET', 'x-forwarded-host': 'nowhere.test' },
    });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('no-access');
  });

  it('signed out, a browser behind Traefik or Caddy (a 401 passed as it is) gets a page that goes to sign in', async () => {
    const app = await api(t.url, 'POST', '/api/workspaces/acme/apps', {
      token: admin,
      body: { name: 'Wiki', urlPatterns: ['https://wiki.corp.test/*'] },
    });
    expect(app.status).toBe(201);
    const headers = {
      'x-forwarded-method': 'GET',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'wiki.corp.test',
      'x-forwarded-uri': '/page?a=1&b=<2>',
    };
    const page = await api(t.url, 'GET', '/api/forward-auth?ws=acme', {
      headers: { ...headers, accept: 'text/html,application/xhtml+xml' },
    });
    expect(page.status).toBe(401);
    const location = page.headers.get('location')!;
    expect(new URL(location).pathname).toBe('/login');
    expect(decodeURIComponent(location)).toContain(
      `rd=${encodeURIComponent('https://wiki.corp.test/page?a=1&b=<2>')}`,
    );
    expect(page.text).toContain(
      `<meta http-equiv="refresh" content="0;url=${location.replace(/&/g, '&amp;')}">`,
    );
    expect(page.text).toContain('>Sign in</a>');
    const json = await api(t.url, 'GET', '/api/forward-auth?ws=acme', { headers });
    expect(json.status).toBe(401);
    expect(json.body.error).toMatchObject({ code: 'sign-in-required', details: { sign_in: location } });
    // Under the cookie domain, any host is a safe place to return to; elsewhere only the apps.
    const back = (rd: string) =>
      api(t.url, 'GET', `/api/forward-auth/return?ws=acme&rd=${encodeURIComponent(rd)}`, { token: admin });
    const ok = await fetch(
      `${t.url}/api/forward-auth/return?ws=acme&rd=${encodeURIComponent('https://x.corp.test/')}`,
      {
        headers: { authorization: `Bearer ${admin}` },
        redirect: 'manual',
      },
    );
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe('https://x.corp.test/');
    expect((await back('https://corp.test.evil/')).status).toBe(400);
  });

  it('an app’s forward-auth level (REST, as the admin app sets it) decides what each method needs', async () => {
    const app = await api(t.url, 'POST', '/api/workspaces/acme/apps', {
      token: admin,
      body: { name: 'Timesheets', urlPatterns: ['https://time.corp.test/*'] },
    });
    expect(app.body.app.forwardAuthLevel).toBeNull();
    const { token: eve } = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user'); // View on every app
    const ask = (method: string) =>
      api(t.url, 'GET', '/api/forward-auth?ws=acme', {
        token: eve,
        headers: { 'x-forwarded-method': method, 'x-forwarded-host': 'time.corp.test' },
      });
    const set = async (forwardAuthLevel: string | null) => {
      const r = await api(t.url, 'PATCH', `/api/workspaces/acme/apps/${app.body.app.id}`, {
        token: admin,
        body: { forwardAuthLevel },
      });
      expect(r.status, r.text).toBe(200);
      expect(r.body.app.forwardAuthLevel).toBe(forwardAuthLevel);
    };
    expect([(await ask('GET')).status, (await ask('POST')).status]).toEqual([200, 403]);
    await set('view');
    expect([(await ask('GET')).status, (await ask('POST')).status]).toEqual([200, 200]);
    await set('edit');
    expect([(await ask('GET')).status, (await ask('HEAD')).status]).toEqual([403, 403]);
    await set(null);
    expect([(await ask('GET')).status, (await ask('POST')).status]).toEqual([200, 403]);
    const bad = await api(t.url, 'PATCH', `/api/workspaces/acme/apps/${app.body.app.id}`, {
      token: admin,
      body: { forwardAuthLevel: 'admin' },
    });
    expect(bad.status).toBe(400);
  });

  it('a bad request from a trusted proxy is a 400 naming what is wrong; an unknown workspace a 404', async () => {
    const missing = await api(t.url, 'GET', '/api/forward-auth?ws=acme', {
      headers: { 'x-forwarded-host': 'a' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/X-Forwarded-Method/);
    const noWs = await api(t.url, 'GET', '/api/forward-auth', {
      headers: { 'x-forwarded-method': 'GET', 'x-forwarded-host': 'a' },
    });
    expect(noWs.status).toBe(400);
    expect(noWs.body.error.message).toMatch(/\?ws=/);
    const level = await api(t.url, 'GET', '/api/forward-auth?ws=acme&level=admin', {
      headers: { 'x-forwarded-method': 'GET', 'x-forwarded-host': 'a' },
    });
    expect(level.status).toBe(400);
    const unknown = await api(t.url, 'GET', '/api/forward-auth?ws=nope', {
      headers: { 'x-forwarded-method': 'GET', 'x-forwarded-host': 'a' },
    });
    expect(unknown.status).toBe(404);
  });

  it('SESSION_COOKIE_DOMAIN: the session cookie (and its removal) names the domain', async () => {
    const r = await api(t.url, 'POST', '/api/login', {
      body: { email: 'admin@acme.test', password: PASSWORD },
    });
    expect(r.headers.get('set-cookie')).toMatch(/; Domain=corp\.test/);
    const out = await api(t.url, 'POST', '/api/logout', { token: r.body.token });
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0; Domain=corp\.test/);
  });

  it('refuses at start a cookie domain that is not a domain, and a short shared secret', async () => {
    await expect(startServer({ sessionCookieDomain: 'https://corp.test' })).rejects.toThrow(
      /SESSION_COOKIE_DOMAIN/,
    );
    await expect(startServer({ sessionCookieDomain: 'localhost' })).rejects.toThrow(/SESSION_COOKIE_DOMAIN/);
    await expect(startServer({ forwardAuthSecret: 'short' })).rejects.toThrow(/FORWARD_AUTH_SECRET/);
  });
});
