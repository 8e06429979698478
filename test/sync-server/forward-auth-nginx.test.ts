/**
 * Forward auth behind a real nginx (issue 14): Debian's /usr/sbin/nginx started on a free port with the
 * README's config (auth_request, auth_request_set, error_page 401 and 403) in front of an upstream that
 * echoes the headers it got, and a real Gatehouse server. Allowed, denied (the 403 page), signed out (the
 * redirect to sign in and back), the identity headers at the upstream, a revoked grant denied on the very
 * next request, a forged X-Forwarded-Host refused, and nginx stopped by pid with nothing left running.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardAuthServer, freePort, startNginx, type TestNginx } from '../support/nginx.ts';
import { addUser, api, login, setup, startServer, type TestServer } from './helpers.ts';
import { must, removeEndUserGrants } from './rest-setup.ts';

const SECRET = 'proxy-secret-for-the-nginx-test';
const W = '/api/workspaces/acme';

let t: TestServer;
let nginx: TestNginx;
let upstream: http.Server;
let admin: string;
let eve: { userId: string; token: string };
let ivy: { userId: string; token: string };
const ids: Record<string, string> = {};
let hrGrant = '';

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request with any Host (fetch may not set it), no keep-alive. */
function request(
  port: number,
  path: string,
  opts: { method?: string; host?: string; headers?: Record<string, string> } = {},
): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        agent: false,
        headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers },
        timeout: 15_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

const hrHost = () => `hr.test:${nginx.port}`;
const payrollHost = () => `payroll.test:${nginx.port}`;
const cookie = (token: string) => ({ cookie: `other=1; gatehouse_session=${token}` });
const viaNginx = (path: string, opts: Parameters<typeof request>[2] = {}) =>
  request(nginx.port, path, { host: hrHost(), ...opts });
beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  // Browsers reach Gatehouse at PUBLIC_URL (behind nginx the Host it sees is the upstream's name).
  const ghPort = await freePort();
  t = await startServer({ forwardAuthSecret: SECRET, port: ghPort, publicUrl: `http://127.0.0.1:${ghPort}` });
  nginx = await startNginx((port) =>
    forwardAuthServer(port, {
      gatehouse: `127.0.0.1:${ghPort}`,
      upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      query: 'ws=acme',
      authHeaders: { 'X-Gatehouse-Proxy-Secret': SECRET },
    }),
  );
  admin = await setup(t, 'acme');
  eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  ivy = await addUser(t, admin, 'acme', 'ivy@acme.test', 'end-user');
  await removeEndUserGrants(t, admin, 'acme');
  ids.hr = await must(
    api(t.url, 'POST', `${W}/apps`, {
      token: admin,
      body: { name: 'HR <Portal>', urlPatterns: [`http://${hrHost()}/*`] },
    }),
    'app',
  );
  ids.payroll = await must(
    api(t.url, 'POST', `${W}/apps`, {
      token: admin,
      body: { name: 'Payroll', urlPatterns: [`http://${payrollHost()}/*`] },
    }),
    'app',
  );
  ids.staff = await must(
    api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'Staff, Berlin' } }),
    'group',
  );
  const grant = await api(t.url, 'POST', `${W}/groups/${ids.staff}/grants`, {
    token: admin,
    body: { name: 'HR', resourceType: 'app', scope: 'custom', resourceIds: [ids.hr], level: 'view' },
  });
  if (grant.status >= 300) throw new Error(grant.text);
  hrGrant = grant.body.grant.id;
  await must(
    api(t.url, 'POST', `${W}/groups/${ids.staff}/members`, { token: admin, body: { userIds: [eve.userId] } }),
  );
}, 60_000);

afterAll(async () => {
  await nginx?.stop();
  await t?.close();
  await new Promise((r) => upstream?.close(r));
});

describe('forward auth behind a real nginx', () => {
  it('allowed: the request reaches the upstream with the identity headers (forged ones replaced)', async () => {
    const r = await viaNginx('/reports?q=1', {
      headers: { ...cookie(eve.token), 'remote-user': 'admin@acme.test', 'x-gatehouse-level': 'edit' },
    });
    expect(r.status, nginx.errorLog()).toBe(200);
    const echoed = JSON.parse(r.text);
    expect(echoed.url).toBe('/reports?q=1');
    expect(echoed.headers).toMatchObject({
      'remote-user': 'eve@acme.test',
      'remote-email': 'eve@acme.test',
      'remote-name': 'eve',
      'remote-groups': 'End-user,Staff  Berlin',
      'x-gatehouse-level': 'view',
      cookie: 'other=1', // the app's own cookies, without Gatehouse's session
    });
    const first = await viaNginx('/', { headers: { cookie: `gatehouse_session=${eve.token}; b=2` } });
    expect(JSON.parse(first.text).headers.cookie).toBe('b=2');
    const middle = await viaNginx('/', { headers: { cookie: `a=1; gatehouse_session=${eve.token}; b=2` } });
    expect(JSON.parse(middle.text).headers.cookie).toBe('a=1; b=2');
    const alone = await viaNginx('/', { headers: { cookie: `gatehouse_session=${eve.token}` } });
    expect(JSON.parse(alone.text).headers).not.toHaveProperty('cookie');
  });

  it('denied: a POST needs Edit — the 403 page says why, who can grant it, and Request access', async () => {
    const r = await viaNginx('/reports', {
      method: 'POST',
      headers: { ...cookie(eve.token), accept: 'text/html' },
    });
    expect(r.status).toBe(403);
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.text).toContain("<h1>You can't open HR &lt;Portal&gt;</h1>");
    expect(r.text).toContain('needs <strong>Edit</strong> access');
    expect(r.text).toContain('ask a workspace admin: Admin &lt;admin@acme.test&gt;');
    expect(r.text).toMatch(
      /<a class="button" href="mailto:admin%40acme.test\?subject=[^"]+">Request access<\/a>/,
    );
    expect(r.text).not.toContain('<Portal>');
  });

  it('denied: someone no group grants it gets JSON when not a browser; the upstream is never reached', async () => {
    const r = await viaNginx('/', { headers: { ...cookie(ivy.token), accept: 'application/json' } });
    expect(r.status).toBe(403);
    const body = JSON.parse(r.text);
    expect(body.error.code).toBe('no-access');
    expect(body.error.details).toMatchObject({
      app: { id: ids.hr, name: 'HR <Portal>' },
      needs: 'view',
      level: null,
      admins: [{ email: 'admin@acme.test' }],
    });
    expect(body.error.details.reason).toContain('No group of ivy grants access');
  });

  it('signed out: 302 to the sign-in page, which returns to the original URL (and only to an app)', async () => {
    const r = await viaNginx('/reports?q=1');
    expect(r.status).toBe(302);
    const location = new URL(r.headers.location!);
    expect(location.origin).toBe(t.url);
    expect(location.pathname).toBe('/login');
    const next = location.searchParams.get('next')!;
    expect(next).toBe(
      `/api/forward-auth/return?ws=acme&rd=${encodeURIComponent(`http://${hrHost()}/reports?q=1`)}`,
    );
    const gh = Number(new URL(t.url).port);
    // The sign-in page goes to `next` once signed in: the return step redirects to the app.
    const back = await request(gh, next, { headers: cookie(eve.token) });
    expect(back.status).toBe(302);
    expect(back.headers.location).toBe(`http://${hrHost()}/reports?q=1`);
    // Signed out there too: back to sign in, with the same way back.
    const again = await request(gh, next);
    expect(again.status).toBe(302);
    expect(new URL(again.headers.location!).searchParams.get('next')).toBe(next);
    // Nowhere else: not another host, not a look-alike of an app's URL.
    for (const rd of [
      'https://evil.test/',
      `http://evil.test\\@${hrHost()}/`,
      `http://${hrHost()}@evil.test/`,
      `//evil.test/`,
      'javascript:alert(1)',
      `http://hr.test.evil.test:${nginx.port}/`,
    ]) {
      const bad = await request(gh, `/api/forward-auth/return?ws=acme&rd=${encodeURIComponent(rd)}`, {
        headers: cookie(eve.token),
      });
      expect(bad.status, rd).toBe(400);
      expect(bad.headers.location, rd).toBeUndefined();
      expect(JSON.parse(bad.text).error.code).toBe('unsafe-return-url');
    }
  });

  it('a revoked grant is denied on the very next request; a revoked session is signed out at once', async () => {
    expect((await viaNginx('/', { headers: cookie(eve.token) })).status).toBe(200);
    const del = await api(t.url, 'DELETE', `${W}/groups/${ids.staff}/grants/${hrGrant}`, { token: admin });
    expect(del.status).toBeLessThan(300);
    expect((await viaNginx('/', { headers: cookie(eve.token) })).status).toBe(403);
    // Given back: allowed again on the next request.
    const again = await api(t.url, 'POST', `${W}/groups/${ids.staff}/grants`, {
      token: admin,
      body: { name: 'HR again', resourceType: 'app', scope: 'custom', resourceIds: [ids.hr], level: 'view' },
    });
    expect(again.status, again.text).toBeLessThan(300);
    expect((await viaNginx('/', { headers: cookie(eve.token) })).status).toBe(200);
    // Sign out: the session's cached answers are never used again.
    const out = await api(t.url, 'POST', '/api/logout', { token: eve.token });
    expect(out.status).toBe(204);
    expect((await viaNginx('/', { headers: cookie(eve.token) })).status).toBe(302);
  });

  it('an API token as a bearer identifies its person; a URL of no app is refused', async () => {
    const tok = await api(t.url, 'POST', `${W}/tokens`, { token: admin, body: { name: 'script' } });
    expect(tok.status).toBe(201);
    const r = await viaNginx('/x', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tok.body.secret}` },
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).headers['remote-user']).toBe('admin@acme.test');
    const other = await request(nginx.port, '/', {
      host: `wiki.test:${nginx.port}`,
      headers: { ...cookie(admin), accept: 'text/html' },
    });
    expect(other.status).toBe(403);
    expect(other.text).toContain('No app of ACME runs at this address.');
  });

  it('a forged X-Forwarded-Host: refused from an untrusted sender, and overwritten by nginx', async () => {
    const gh = Number(new URL(t.url).port);
    const forged = {
      'x-forwarded-method': 'GET',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': payrollHost(),
      'x-forwarded-uri': '/',
      ...cookie(admin),
    };
    const direct = await request(gh, '/api/forward-auth?ws=acme', { headers: forged });
    expect(direct.status).toBe(403);
    expect(JSON.parse(direct.text).error.code).toBe('untrusted-proxy');
    const wrongSecret = await request(gh, '/api/forward-auth?ws=acme', {
      headers: { ...forged, 'x-gatehouse-proxy-secret': `${SECRET}x` },
    });
    expect(wrongSecret.status).toBe(403);
    // Through nginx the client's X-Forwarded-Host (and X-Original-URL) do not count: eve may open HR, not Payroll.
    const through = await viaNginx('/', {
      headers: {
        ...cookie(await login(t, 'eve@acme.test')),
        'x-forwarded-host': payrollHost(),
        'x-original-url': `http://${payrollHost()}/`,
      },
    });
    expect(through.status).toBe(200);
    expect(JSON.parse(through.text).headers['x-forwarded-host']).toBe(payrollHost()); // the app's business
  });
});

describe('a decision token as the proxy’s credential', () => {
  it('names the workspace, is counted, and once revoked the proxy is refused on the next request', async () => {
    const created = await api(t.url, 'POST', `${W}/decision-tokens`, {
      token: admin,
      body: { name: 'nginx' },
    });
    expect(created.status).toBe(201);
    const ghPort = new URL(t.url).port;
    const proxy = await startNginx((port) =>
      forwardAuthServer(port, {
        gatehouse: `127.0.0.1:${ghPort}`,
        upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
        query: 'level=view',
        authHeaders: { 'X-Gatehouse-Decision-Token': created.body.secret },
      }),
    );
    try {
      const host = `hr.test:${nginx.port}`; // the app's URL patterns name the first nginx's port
      const eveNow = await login(t, 'eve@acme.test');
      // level=view: this app needs View for every method, a POST included.
      const r = await request(proxy.port, '/', { method: 'POST', host, headers: cookie(eveNow) });
      expect(r.status, proxy.errorLog()).toBe(200);
      expect(JSON.parse(r.text).headers['remote-user']).toBe('eve@acme.test');
      const listed = await api(t.url, 'GET', `${W}/decision-tokens`, { token: admin });
      expect(listed.body.tokens[0].requests).toBeGreaterThanOrEqual(1);
      // The token is no person: sent as a bearer it signs nobody in.
      const asPerson = await request(proxy.port, '/', {
        host,
        headers: { authorization: `Bearer ${created.body.secret}` },
      });
      expect(asPerson.status).toBe(302);
      // Another workspace's slug with this token: refused.
      const direct = await request(Number(ghPort), '/api/forward-auth?ws=other', {
        headers: {
          'x-gatehouse-decision-token': created.body.secret,
          'x-forwarded-method': 'GET',
          'x-forwarded-host': host,
          ...cookie(eveNow),
        },
      });
      expect(direct.status).toBe(403);
      expect(JSON.parse(direct.text).error.code).toBe('untrusted-proxy');
      const revoked = await api(t.url, 'DELETE', `${W}/decision-tokens/${created.body.token.id}`, {
        token: admin,
      });
      expect(revoked.status).toBeLessThan(300);
      const after = await request(proxy.port, '/', {
        host,
        headers: { ...cookie(eveNow), accept: 'application/json' },
      });
      expect(after.status).toBe(403);
      expect(JSON.parse(after.text).error.code).toBe('untrusted-proxy');
    } finally {
      await proxy.stop();
    }
  });
});

describe('nginx itself', () => {
  it('is stopped by pid and leaves no process', async () => {
    const extra = await startNginx((port) => `server { listen 127.0.0.1:${port}; return 204; }`);
    expect((await request(extra.port, '/')).status).toBe(204);
    await extra.stop();
    expect(() => process.kill(extra.pid, 0)).toThrow();
  });
});
