/**
 * The webhook's configuration (issue 16): only admins read or change it; the signing secret is made by
 * the server, shown once (creation, rotation), never in a later reply, the audit log or the database in
 * the clear; URLs that are not http(s), carry credentials or reach private addresses are refused (422)
 * unless the server allows them, and the same check runs again at send time, on what the host resolves
 * to then (a name that resolves to loopback gets nothing sent).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { startReceiver, verify, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { addUser, api, serversPerTest, setup, until } from './helpers.ts';

const start = serversPerTest();
const W = '/api/workspaces/acme';
let receivers: WebhookReceiver[] = [];
afterEach(async () => {
  for (const r of receivers) await r.close();
  receivers = [];
});

describe('webhook configuration', () => {
  it('refuses private and malformed URLs without the server option, clearly', async () => {
    const t = await start();
    const admin = await setup(t);
    const put = (url: string) =>
      api(t.url, 'PUT', `${W}/webhook`, { token: admin, body: { url, enabled: true } });
    for (const [url, words] of [
      ['http://127.0.0.1:8080/hook', '127.0.0.1 is a loopback address'],
      ['http://localhost:8080/hook', 'localhost resolves to'],
      ['http://10.0.0.7/hook', 'a private address'],
      ['http://192.168.1.20/hook', 'a private address'],
      ['http://172.20.0.1/hook', 'a private address'],
      ['http://169.254.169.254/latest/meta-data', 'a link-local address'],
      ['http://100.64.0.1/hook', 'a carrier-grade NAT address'],
      ['http://224.0.0.1/hook', 'a multicast address'],
      ['http://0.0.0.0/hook', 'the unspecified address'],
      ['http://[::1]/hook', 'a loopback address'],
      ['http://[fd00::1]/hook', 'unique local'],
      ['http://[::ffff:10.0.0.1]/hook', 'a private address (IPv4-mapped)'],
      ['http://2130706433/hook', '127.0.0.1 is a loopback address'],
      ['ftp://hooks.example.com/x', 'starts with https://'],
      ['https://user:pass@93.184.215.14/hook', 'user name or password'],
      ['not a url', 'Enter a full URL'],
    ] as const) {
      const r = await put(url);
      expect([url, r.status, r.body.error.code]).toEqual([url, 422, 'webhook-url-refused']);
      expect(r.body.error.message).toContain(words);
      expect(r.body.error.details).toEqual([{ path: 'url', message: r.body.error.message }]);
    }
    expect((await put('')).status).toBe(400);
    expect((await api(t.url, 'GET', `${W}/webhook`, { token: admin })).body.webhook).toBeNull();
    // A public address is accepted (an IP literal: no DNS needed here).
    const ok = await api(t.url, 'PUT', `${W}/webhook`, {
      token: admin,
      body: { url: 'https://93.184.215.14/hook', enabled: false },
    });
    expect(ok.status).toBe(200);
  });

  it('checks again at send time: a stored name that resolves to loopback gets nothing sent', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const t = await start({ clock: new ManualClock() });
    const admin = await setup(t);
    // As if the name had resolved to a public address when it was saved (DNS rebinding): stored directly.
    const ws = (await t.server.ctx.storage.workspaceBySlug('acme'))!;
    await t.server.ctx.storage.putWebhook({
      workspaceId: ws.id,
      url: `http://localhost:${r.port}/hook`,
      enabled: true,
      secret: 'whsec_test',
      at: Date.now(),
    });
    expect((await api(t.url, 'POST', `${W}/webhook/test`, { token: admin })).status).toBe(201);
    await until(
      async () =>
        (await api(t.url, 'GET', `${W}/webhook/deliveries`, { token: admin })).body.deliveries[0].attempts ===
        1,
      10_000,
    );
    const [d] = (await api(t.url, 'GET', `${W}/webhook/deliveries`, { token: admin })).body.deliveries;
    expect(d).toMatchObject({ status: 'pending', lastStatus: null });
    expect(d.lastError).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), which is a loopback address/);
    expect(r.received).toHaveLength(0);
  });

  it('WEBHOOK_ALLOWED_HOSTS lets one private receiver through, and nothing else', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const t = await start({ webhookAllowedHosts: ['127.0.0.1'] });
    const admin = await setup(t);
    const saved = await api(t.url, 'PUT', `${W}/webhook`, {
      token: admin,
      body: { url: r.url, enabled: true },
    });
    expect(saved.status).toBe(200);
    const refused = await api(t.url, 'PUT', `${W}/webhook`, {
      token: admin,
      body: { url: 'http://10.1.1.1/hook', enabled: true },
    });
    expect(refused.status).toBe(422);
    expect((await api(t.url, 'POST', `${W}/webhook/test`, { token: admin })).status).toBe(201);
    await until(() => r.received.length === 1, 10_000);
    expect(
      verify(saved.body.secret, r.received[0]!.headers['gatehouse-signature'] as string, r.received[0]!.body),
    ).toBe(true);
  });

  it('admins only; the secret is shown once, rotated, never read back, never in the clear; changes are audited', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const t = await start({ webhookAllowPrivate: true });
    const admin = await setup(t);
    const builder = await addUser(t, admin, 'acme', 'bo@acme.test', 'builder');
    const eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
    const calls = [
      ['GET', `${W}/webhook`],
      ['PUT', `${W}/webhook`],
      ['DELETE', `${W}/webhook`],
      ['POST', `${W}/webhook/test`],
      ['POST', `${W}/webhook/rotate-secret`],
      ['GET', `${W}/webhook/deliveries`],
    ] as const;
    const body = { url: r.url, enabled: true };
    for (const token of [builder.token, eve.token])
      for (const [method, p] of calls) {
        const res = await api(t.url, method, p, { token, body: method === 'PUT' ? body : undefined });
        expect([method, p, res.status]).toEqual([method, p, 403]);
      }
    expect((await api(t.url, 'GET', `${W}/webhook`)).status).toBe(401);

    const first = await api(t.url, 'PUT', `${W}/webhook`, { token: admin, body });
    const secret: string = first.body.secret;
    expect(secret).toMatch(/^whsec_/);
    const again = await api(t.url, 'PUT', `${W}/webhook`, {
      token: admin,
      body: { ...body, enabled: false },
    });
    expect(again.body.secret).toBeNull();
    expect(again.body.webhook).toMatchObject({ url: r.url, enabled: false });
    expect((await api(t.url, 'POST', `${W}/webhook/test`, { token: admin })).body.error.code).toBe(
      'webhook-disabled',
    );
    await api(t.url, 'PUT', `${W}/webhook`, { token: admin, body });
    const got = await api(t.url, 'GET', `${W}/webhook`, { token: admin });
    expect(got.body.webhook).toMatchObject({ url: r.url, enabled: true, health: { failing: false } });
    expect(got.text).not.toContain(secret);

    const rotated = await api(t.url, 'POST', `${W}/webhook/rotate-secret`, { token: admin });
    const next: string = rotated.body.secret;
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(secret);
    expect((await api(t.url, 'GET', `${W}/webhook`, { token: admin })).text).not.toContain(next);
    await api(t.url, 'POST', `${W}/webhook/test`, { token: admin });
    await until(() => r.received.length === 1, 10_000);
    const sig = r.received[0]!.headers['gatehouse-signature'] as string;
    expect(verify(next, sig, r.received[0]!.body)).toBe(true);
    expect(verify(secret, sig, r.received[0]!.body)).toBe(false);

    // Not in the SQLite file (or its WAL) in the clear (PostgreSQL stores it through the same SecretBox).
    const files = fs.readdirSync(t.dataDir).filter((n) => n.startsWith('gatehouse.sqlite'));
    if (!t.server.ctx.config.databaseUrl) expect(files.length).toBeGreaterThan(0); // PostgreSQL: no file
    for (const f of files) expect(fs.readFileSync(path.join(t.dataDir, f)).includes(next), f).toBe(false);

    expect((await api(t.url, 'DELETE', `${W}/webhook`, { token: admin })).status).toBe(204);
    expect((await api(t.url, 'GET', `${W}/webhook`, { token: admin })).body.webhook).toBeNull();
    const entries = (await api(t.url, 'GET', `${W}/audit`, { token: admin })).body.entries as {
      action: string;
      summary: string;
      actor: { email: string } | null;
    }[];
    const hooks = entries.filter((e) => e.action.startsWith('webhook.'));
    expect(hooks.map((e) => e.action)).toEqual([
      'webhook.delete',
      'webhook.rotate-secret',
      'webhook.set',
      'webhook.set',
      'webhook.set',
    ]);
    expect(hooks.at(-1)!.summary).toBe(`Webhook added: ${r.url} (on)`);
    expect(hooks.every((e) => e.actor?.email === 'admin@acme.test')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(secret);
    expect(JSON.stringify(entries)).not.toContain(next);
  });
});
