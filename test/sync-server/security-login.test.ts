/**
 * Issue 8, findings 1, 2 and 5: password guessing. Every place a password is checked takes an attempt
 * per IP and per IP+email before the hash (the same counters for sign-in and invitation acceptance),
 * the lock-out is per IP+email, and X-Forwarded-For counts only from TRUSTED_PROXIES.
 */

import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { createClientIp } from '../../sync-server/auth/client-ip.ts';
import { addUser, api, PASSWORD, serversPerTest, setup, type TestServer } from './helpers.ts';

const start = serversPerTest();

/** A JSON POST from a chosen local address (127.0.0.x are all loopback on Linux), with extra headers. */
function postFrom(
  t: TestServer,
  path: string,
  body: unknown,
  opts: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<number> {
  const text = JSON.stringify(body);
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: 'POST',
        localAddress: opts.localAddress ?? '127.0.0.1',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          ...opts.headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const login = (t: TestServer, email: string, password: string, opts = {}) =>
  postFrom(t, '/api/login', { email, password }, opts);

function count(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

describe('finding 1: invitation acceptance is no password oracle', () => {
  it('guesses through an invitation are limited and locked out with sign-in’s counters', async () => {
    const t = await start({ allowWorkspaceCreation: 'all' });
    await setup(t, 'acme', 'ada@acme.test');
    // Eve, an admin of her own workspace, invites Ada's email there and guesses Ada's password.
    const eve = await addUser(t, await loginToken(t, 'ada@acme.test'), 'acme', 'eve@acme.test', 'end-user');
    expect(
      (await api(t.url, 'POST', '/api/workspaces', { token: eve.token, body: { name: 'E', slug: 'evil' } }))
        .status,
    ).toBe(201);
    const inv = await api(t.url, 'POST', '/api/workspaces/evil/users', {
      token: eve.token,
      body: { email: 'ada@acme.test', role: 'end-user' },
    });
    const link = inv.body.invitation.url.split('/invitations/')[1] as string;

    const info = await api(t.url, 'GET', `/api/invitations/${link}`);
    expect(info.status).toBe(200);
    expect(info.body).not.toHaveProperty('accountExists');

    const statuses: number[] = [];
    for (let i = 0; i < 15; i++)
      statuses.push(await postFrom(t, `/api/invitations/${link}/accept`, { password: `guess-${i}-xx` }));
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(5).fill(429));
    // Locked out: the right password is refused too, here and at sign-in (same counters).
    expect(await postFrom(t, `/api/invitations/${link}/accept`, { password: PASSWORD })).toBe(429);
    expect(await login(t, 'ada@acme.test', PASSWORD)).toBe(429);
    // From another address Ada still signs in (the lock-out is per IP+email).
    expect(await login(t, 'ada@acme.test', PASSWORD, { localAddress: '127.0.0.3' })).toBe(200);
  });

  it('a new and an existing account get the same answer to a missing or short password', async () => {
    const t = await start();
    const admin = await setup(t, 'acme', 'ada@acme.test');
    await addUser(t, admin, 'acme', 'bob@acme.test', 'end-user');
    const other = await api(t.url, 'POST', '/api/workspaces', {
      token: admin,
      body: { name: 'Side', slug: 'side' },
    });
    expect(other.status).toBe(201);
    const links: string[] = [];
    for (const email of ['bob@acme.test', 'nobody@acme.test']) {
      const inv = await api(t.url, 'POST', '/api/workspaces/side/users', {
        token: admin,
        body: { email, role: 'end-user' },
      });
      links.push(inv.body.invitation.url.split('/invitations/')[1]);
    }
    for (const link of links) {
      const r = await api(t.url, 'POST', `/api/invitations/${link}/accept`, { body: { password: 'short' } });
      expect([r.status, r.body.error.code]).toEqual([422, 'password-too-short']);
    }
  });
});

async function loginToken(t: TestServer, email: string): Promise<string> {
  const r = await api(t.url, 'POST', '/api/login', { body: { email, password: PASSWORD } });
  return r.body.token;
}

describe('finding 2: concurrent guesses cannot outrun the limit', () => {
  it('50 concurrent wrong sign-ins: at most the limit are checked (401), the rest 429', async () => {
    const t = await start();
    await setup(t, 'acme', 'ada@acme.test');
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(t, 'ada@acme.test', `wrong-guess-${i}`)),
    );
    const c = count(statuses);
    expect(c[401]).toBe(10);
    expect(c[429]).toBe(40);
  });

  it('a right password gives its attempt back; concurrent right ones never lock out', async () => {
    const t = await start();
    await setup(t, 'acme', 'ada@acme.test');
    const statuses = await Promise.all(Array.from({ length: 8 }, () => login(t, 'ada@acme.test', PASSWORD)));
    expect(statuses).toEqual(Array(8).fill(200));
    for (let i = 0; i < 9; i++) expect(await login(t, 'ada@acme.test', 'wrong-guess')).toBe(401);
    expect(await login(t, 'ada@acme.test', PASSWORD)).toBe(200);
  });
});

describe('finding 5: lock-out per IP+email; a per-IP limit for proxies; X-Forwarded-For from trusted proxies', () => {
  it('ten wrong passwords for one email do not lock out others behind the same IP', async () => {
    const t = await start();
    const admin = await setup(t, 'acme', 'ada@acme.test');
    await addUser(t, admin, 'acme', 'bob@acme.test', 'end-user');
    for (let i = 0; i < 12; i++) await login(t, 'ada@acme.test', 'wrong-guess');
    expect(await login(t, 'ada@acme.test', PASSWORD)).toBe(429);
    expect(await login(t, 'bob@acme.test', PASSWORD)).toBe(200);
  });

  it('the per-IP limit (LOGIN_ATTEMPTS_PER_IP_PER_MINUTE) bounds guesses across emails', async () => {
    const t = await start({ loginAttemptsPerIpPerMinute: 20 });
    await setup(t, 'acme', 'ada@acme.test');
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push(await login(t, `user${i}@acme.test`, 'wrong-guess'));
    expect(count(statuses)).toEqual({ 401: 20, 429: 5 });
  });

  it('X-Forwarded-For names the client only when the peer is a trusted proxy', async () => {
    const trusted = await start({ trustedProxies: ['127.0.0.1'] });
    await setup(trusted, 'acme', 'ada@acme.test');
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': `${ip}, 127.0.0.1` } });
    for (let i = 0; i < 11; i++) await login(trusted, 'ada@acme.test', 'wrong-guess', from('203.0.113.5'));
    expect(await login(trusted, 'ada@acme.test', PASSWORD, from('203.0.113.5'))).toBe(429);
    expect(await login(trusted, 'ada@acme.test', PASSWORD, from('203.0.113.6'))).toBe(200);

    // Not trusted: the header is the client's own claim and changes nothing.
    const plain = await start();
    await setup(plain, 'acme', 'ada@acme.test');
    for (let i = 0; i < 11; i++) await login(plain, 'ada@acme.test', 'wrong-guess', from(`198.51.100.${i}`));
    expect(await login(plain, 'ada@acme.test', PASSWORD, from('198.51.100.99'))).toBe(429);
  });

  it('clientIp: rightmost untrusted hop, CIDRs, IPv4-mapped peers; a bad entry refuses to start', () => {
    const req = (peer: string, xff?: string) =>
      ({
        socket: { remoteAddress: peer },
        headers: xff ? { 'x-forwarded-for': xff } : {},
      }) as IncomingMessage;
    const ip = createClientIp(['10.0.0.0/8', '::1']);
    expect(ip(req('::ffff:10.1.2.3', '1.2.3.4, 10.9.9.9'))).toBe('1.2.3.4');
    expect(ip(req('10.1.2.3', 'spoofed, 5.6.7.8, 10.0.0.2'))).toBe('5.6.7.8');
    expect(ip(req('10.1.2.3'))).toBe('10.1.2.3');
    expect(ip(req('::1', '2001:db8::7'))).toBe('2001:db8::7');
    expect(ip(req('192.0.2.1', '1.2.3.4'))).toBe('192.0.2.1');
    expect(() => createClientIp(['10.0.0.0/33'])).toThrow(/TRUSTED_PROXIES/);
    expect(() => createClientIp(['proxy.local'])).toThrow(/TRUSTED_PROXIES/);
  });
});
