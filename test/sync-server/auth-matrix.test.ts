/** Every endpoint and the socket × every kind of caller → the expected status; nothing leaks. */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE } from '../../core/index.ts';
import { hashToken, newToken, SESSION_PREFIX } from '../../sync-server/auth/tokens.ts';
import type { Route } from '../../sync-server/http/route.ts';
import { allRoutes } from '../../sync-server/http/routes/index.ts';
import { addUser, api, login, setup, startServer, type TestServer } from './helpers.ts';

type Persona =
  | 'none'
  | 'forged'
  | 'expired'
  | 'archived'
  | 'end-user'
  | 'builder'
  | 'other-admin'
  | 'admin'
  | 'decision-token'
  | 'other-decision-token';
const PERSONAS: Persona[] = [
  'none',
  'forged',
  'expired',
  'archived',
  'end-user',
  'builder',
  'other-admin',
  'admin',
  'decision-token', // an app's or proxy's token of acme: AuthZEN only
  'other-decision-token', // a decision token of `other`
];

let t: TestServer;
const tokens: Partial<Record<Persona, string>> = {};

beforeAll(async () => {
  t = await startServer({ allowWorkspaceCreation: 'all' }); // an end-user creates `other` below
  const admin = await setup(t, 'acme');
  tokens.admin = admin;
  tokens.forged = `${SESSION_PREFIX}${'A'.repeat(43)}`;
  const eu = await addUser(t, admin, 'acme', 'eu@acme.test', 'end-user');
  tokens['end-user'] = eu.token;
  tokens.builder = (await addUser(t, admin, 'acme', 'bob@acme.test', 'builder')).token;
  const arch = await addUser(t, admin, 'acme', 'gone@acme.test', 'end-user');
  expect(
    (await api(t.url, 'POST', `/api/workspaces/acme/users/${arch.userId}/archive`, { token: admin })).status,
  ).toBe(200);
  tokens.archived = await login(t, 'gone@acme.test'); // the account may sign in; the workspace refuses it
  // An admin of another workspace.
  const other = await api(t.url, 'POST', '/api/workspaces', {
    token: eu.token,
    body: { name: 'Other', slug: 'other' },
  });
  expect(other.status).toBe(201);
  tokens['other-admin'] = eu.token; // eu is admin of `other` and end-user of `acme`: use a fresh account instead
  const stranger = await addUser(t, eu.token, 'other', 'stranger@other.test', 'admin');
  tokens['other-admin'] = stranger.token;
  // An expired session of the admin account.
  const account = (await t.server.ctx.storage.accountByEmail('admin@acme.test'))!;
  const expired = newToken(SESSION_PREFIX);
  await t.server.ctx.storage.createSession({
    accountId: account.id,
    tokenHash: hashToken(expired),
    expiresAt: Date.now() - 1,
  });
  tokens.expired = expired;
  const decisionToken = async (token: string, ws: string) => {
    const r = await api(t.url, 'POST', `/api/workspaces/${ws}/decision-tokens`, {
      token,
      body: { name: 'app' },
    });
    expect(r.status).toBe(201);
    return r.body.secret as string;
  };
  tokens['decision-token'] = await decisionToken(admin, 'acme');
  tokens['other-decision-token'] = await decisionToken(stranger.token, 'other');
});
afterAll(() => t.close());

/** Member routes about one user: people other than admins read only their own (the path's id is no one's). */
const ABOUT_A_USER = /\/users\/:id\/(access|explain)$/;

function expected({ auth, decisionTokens, path }: Route, p: Persona): number | 'ok' {
  // Forward auth believes X-Forwarded-* only from a proxy (TRUSTED_PROXIES, its secret, a decision token
  // in its own header): asked directly, everyone is refused (forward-auth*.test.ts cover the proxies).
  if (path === '/api/forward-auth') return 403;
  if (auth === 'none') return 'ok';
  // A decision token: its own workspace's decision routes only; another workspace's look unknown.
  if (p === 'decision-token') return decisionTokens ? 'ok' : 403;
  if (p === 'other-decision-token') return decisionTokens ? 404 : 403;
  if (p === 'none' || p === 'forged' || p === 'expired') return 401;
  if (auth === 'account') return 'ok';
  if (p === 'other-admin') return 404;
  if (p === 'archived') return 403;
  if (ABOUT_A_USER.test(path) && (p === 'end-user' || p === 'builder')) return 403;
  if (auth === 'member') return 'ok';
  return p === 'admin' ? 'ok' : 403;
}

function concretePath(path: string): string {
  return path.replace(':ws', 'acme').replace(/:(\w+)/g, (_m, name) =>
    name === 'token'
      ? 'no-such-invitation'
      : `00000000-0000-4000-8000-${name
          .padEnd(12, '0')
          .slice(0, 12)
          .replace(/[^0-9a-f]/g, '0')}`,
  );
}

describe('authorization matrix', () => {
  const routes = allRoutes().filter(
    (r) =>
      !(
        r.method === 'POST' &&
        (r.path === '/api/setup' || r.path === '/api/login' || r.path === '/api/logout')
      ),
  );
  for (const r of routes) {
    it(`${r.method} ${r.path}`, async () => {
      const path = concretePath(r.path);
      for (const p of PERSONAS) {
        const want = expected(r, p);
        const ac = new AbortController();
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (tokens[p]) headers.authorization = `Bearer ${tokens[p]}`;
        const res = await fetch(t.url + path, {
          method: r.method,
          headers,
          body: r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}',
          signal: ac.signal,
        });
        const status = res.status;
        const text = path.endsWith('/events') && res.status === 200 ? '' : await res.text();
        ac.abort();
        if (want === 'ok') expect([401, 403], `${p} → ${status} ${text}`).not.toContain(status);
        else expect(status, `${p} → ${text}`).toBe(want);
        // A refusal that reads as 404 names the workspace (an outsider learns nothing); a member may get
        // a resource's own 404 where the route is theirs (cancelling a request that does not exist).
        if (status === 404 && want !== 'ok' && p !== 'admin' && r.auth !== 'none' && r.auth !== 'account')
          expect(JSON.parse(text).error.message).toBe('Workspace not found');
      }
    });
  }

  it('answers the same for an unknown workspace and one the caller is not in', async () => {
    const a = await api(t.url, 'GET', '/api/workspaces/acme/groups', { token: tokens['other-admin'] });
    const b = await api(t.url, 'GET', '/api/workspaces/nope/groups', { token: tokens['other-admin'] });
    expect(a.status).toBe(404);
    expect(a.text).toBe(b.text);
  });

  it('end users see only their own summary', async () => {
    const r = await api(t.url, 'GET', '/api/workspaces/acme/access', { token: tokens['end-user'] });
    expect(r.status).toBe(200);
    expect(r.body.user.email).toBe('eu@acme.test');
    expect(JSON.stringify(r.body)).not.toContain('bob@acme.test');
  });

  it('the sync socket: 4401 without valid credentials, 4403 unless an active admin here', async () => {
    const socketResult = (token: string | undefined) =>
      new Promise<number | 'synced'>((resolve) => {
        const ws = new WebSocket(`${t.wsUrl}/acme${token ? `?token=${encodeURIComponent(token)}` : ''}`);
        ws.on('message', () => {
          resolve('synced');
          ws.close();
        });
        ws.on('close', (code) => resolve(code));
        ws.on('error', () => resolve(-1));
      });
    const want: Record<Persona, number | 'synced'> = {
      none: CLOSE.unauthorized,
      forged: CLOSE.unauthorized,
      expired: CLOSE.unauthorized,
      archived: CLOSE.forbidden,
      'end-user': CLOSE.forbidden,
      builder: CLOSE.forbidden,
      'other-admin': CLOSE.forbidden,
      admin: 'synced',
      'decision-token': CLOSE.unauthorized,
      'other-decision-token': CLOSE.unauthorized,
    };
    for (const p of PERSONAS) expect(await socketResult(tokens[p]), p).toBe(want[p]);
  });

  it('checks Origin on cookie-authenticated requests and sockets', async () => {
    const cookie = `gatehouse_session=${tokens.admin}`;
    const ok = await api(t.url, 'GET', '/api/workspaces/acme/groups', { headers: { cookie, origin: t.url } });
    expect(ok.status).toBe(200);
    const evil = await api(t.url, 'POST', '/api/workspaces/acme/groups', {
      headers: { cookie, origin: 'https://evil.example' },
      body: { name: 'CSRF' },
    });
    expect(evil.status).toBe(403);
    const code = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${t.wsUrl}/acme`, { headers: { cookie, origin: 'https://evil.example' } });
      ws.on('close', (c) => resolve(c));
    });
    expect(code).toBe(CLOSE.unauthorized);
    const good = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`${t.wsUrl}/acme`, { headers: { cookie, origin: t.url } });
      ws.on('message', () => {
        resolve('synced');
        ws.close();
      });
      ws.on('close', (c) => resolve(String(c)));
    });
    expect(good).toBe('synced');
  });
});
