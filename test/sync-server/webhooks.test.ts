/**
 * Webhooks for access requests (issue 16) over a real server and a real node:http receiver: new requests,
 * approvals and denials arrive as signed JSON (Stripe-style HMAC, verified here from scratch) with a
 * Slack-style sentence linking to the Requests page; a receiver answering 500 twice then 200 gets three
 * attempts at growing intervals (the server's clock moved by the test) and the delivery ends delivered; a
 * receiver that never answers 2xx ends failed, and admins see it (deliveries, the webhook's health).
 * Also in the `cluster-2` run: two instances, each with its sender, and the receiver still counts every
 * attempt exactly once (claims under a lease, SKIP LOCKED).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RETRY_DELAYS_MS, RETRY_JITTER } from '../../sync-server/webhooks/webhook-sender.ts';
import { onTestCluster } from '../support/cluster-suite.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { startReceiver, verify, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { addUser, api, serversPerTest, setup, type TestServer, until } from './helpers.ts';
import { removeEndUserGrants } from './rest-setup.ts';

// Cluster mode seals the signing secret under SECRET_KEY, which every instance needs.
if (onTestCluster) process.env.SECRET_KEY ??= Buffer.alloc(32, 9).toString('base64');
const start = serversPerTest();
const W = '/api/workspaces/acme';
const PUBLIC = 'https://gatehouse.example.com';
let receivers: WebhookReceiver[] = [];
afterEach(async () => {
  for (const r of receivers) await r.close();
  receivers = [];
});

async function receiver(otherwise = 200) {
  const r = await startReceiver(otherwise);
  receivers.push(r);
  return r;
}

/** A view grant on a new app through a new group: asking for View changes no role. */
async function appWithGroup(t: TestServer, admin: string, name: string) {
  const app = (await api(t.url, 'POST', `${W}/apps`, { token: admin, body: { name } })).body.app.id;
  const group = (await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: `${name} readers` } }))
    .body.group.id;
  const grant = await api(t.url, 'POST', `${W}/groups/${group}/grants`, {
    token: admin,
    body: { name: `View ${name}`, resourceType: 'app', scope: 'custom', resourceIds: [app], level: 'view' },
  });
  expect(grant.status).toBe(201);
  return { app, group };
}

async function workspace(r: WebhookReceiver) {
  const clock = new ManualClock();
  const t = await start({ clock, webhookAllowPrivate: true, publicUrl: PUBLIC });
  const admin = await setup(t);
  const eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  const saved = await api(t.url, 'PUT', `${W}/webhook`, {
    token: admin,
    body: { url: r.url, enabled: true },
  });
  expect(saved.status).toBe(200);
  return { t, clock, admin, eve, secret: saved.body.secret as string };
}

const deliveries = async (t: TestServer, admin: string) =>
  (await api(t.url, 'GET', `${W}/webhook/deliveries`, { token: admin })).body.deliveries;

/** Waits until the newest delivery has had `n` attempts; returns it. */
async function attempted(t: TestServer, admin: string, n: number) {
  // biome-ignore lint/suspicious/noExplicitAny: reply JSON
  let d: any;
  await until(
    async () => {
      d = (await deliveries(t, admin))[0];
      return d?.attempts === n;
    },
    15_000,
    `attempt ${n}`,
  );
  return d;
}

describe('webhooks', () => {
  it('announces a new request, its approval and a denial, signed, with a sentence and a link', async () => {
    const r = await receiver();
    const { t, clock, admin, eve, secret } = await workspace(r);
    expect(secret).toMatch(/^whsec_[\w-]{40,}$/);
    await removeEndUserGrants(t, admin, 'acme');
    const payroll = await appWithGroup(t, admin, 'Payroll');
    const sheets = await appWithGroup(t, admin, 'Timesheets');
    const ask = (app: string) =>
      api(t.url, 'POST', `${W}/requests`, {
        token: eve.token,
        body: {
          resourceType: 'app',
          resourceId: app,
          level: 'view',
          reason: 'Month-end <close> & audit',
          duration: '7d',
        },
      });

    const created = await ask(payroll.app);
    expect(created.status).toBe(201);
    const id = created.body.request.id;
    await until(() => r.received.length === 1, 10_000, 'the created event');
    const [first] = r.received;
    expect(first!.headers['gatehouse-event']).toBe('access_request.created');
    expect(first!.headers['gatehouse-delivery']).toBe(first!.json.id);
    expect(first!.headers['content-type']).toBe('application/json');
    const sig = first!.headers['gatehouse-signature'] as string;
    expect(sig).toBe(`t=${Math.floor(clock.now() / 1000)},v1=${sig.split('v1=')[1]}`);
    expect(verify(secret, sig, first!.body)).toBe(true);
    expect(verify(secret, sig, first!.body.replace('Payroll', 'Paycheck'))).toBe(false);
    expect(verify('whsec_other', sig, first!.body)).toBe(false);
    expect(first!.json).toEqual({
      type: 'access_request.created',
      id: first!.json.id,
      workspace: { slug: 'acme', name: 'ACME' },
      request: expect.objectContaining({
        id,
        status: 'open',
        user: { id: eve.userId, email: 'eve@acme.test', name: 'eve' },
        resource: { type: 'app', id: payroll.app, name: 'Payroll' },
        level: 'view',
        group: { id: payroll.group, name: 'Payroll readers' },
      }),
      text: `eve (eve@acme.test) asked for View on “Payroll” via “Payroll readers”, for 1 week: “Month-end &lt;close&gt; &amp; audit”. <${PUBLIC}/acme/workspace-settings/requests|Open Requests in Gatehouse>`,
      occurredAt: new Date(clock.now()).toISOString(),
    });
    // The same request shape as REST gives.
    const rest = (await api(t.url, 'GET', `${W}/requests/${id}`, { token: admin })).body.request;
    expect(first!.json.request).toEqual(rest);

    expect((await api(t.url, 'POST', `${W}/requests/${id}/approve`, { token: admin, body: {} })).status).toBe(
      200,
    );
    await until(() => r.received.length === 2, 10_000, 'the approved event');
    expect(r.received[1]!.json).toMatchObject({
      type: 'access_request.approved',
      request: { id, status: 'approved', decidedBy: 'Admin' },
    });
    expect(r.received[1]!.json.text).toMatch(
      /^Admin approved eve’s request for View on “Payroll”: member of “Payroll readers” until \d+ \w+ 2030\. </,
    );

    const other = (await ask(sheets.app)).body.request.id;
    await until(() => r.received.length === 3, 10_000, 'the second created event');
    const denied = await api(t.url, 'POST', `${W}/requests/${other}/deny`, {
      token: admin,
      body: { reason: 'Ask your manager' },
    });
    expect(denied.status).toBe(200);
    await until(() => r.received.length === 4, 10_000, 'the denied event');
    expect(r.received[3]!.headers['gatehouse-event']).toBe('access_request.denied');
    expect(r.received[3]!.json.text).toBe(
      `Admin denied eve’s request for View on “Timesheets”: “Ask your manager”. <${PUBLIC}/acme/workspace-settings/requests|Open Requests in Gatehouse>`,
    );
    for (const x of r.received)
      expect(verify(secret, x.headers['gatehouse-signature'] as string, x.body)).toBe(true);
    expect(new Set(r.received.map((x) => x.json.id)).size).toBe(4);

    const listed = await deliveries(t, admin);
    expect(listed.map((d: { event: string }) => d.event)).toEqual([
      'access_request.denied',
      'access_request.created',
      'access_request.approved',
      'access_request.created',
    ]);
    for (const d of listed)
      expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200, lastError: null });

    // Turned off: a new request queues nothing.
    await api(t.url, 'PUT', `${W}/webhook`, { token: admin, body: { url: r.url, enabled: false } });
    const third = await appWithGroup(t, admin, 'Wiki');
    expect((await ask(third.app)).status).toBe(201);
    await t.server.ctx.webhooks.settled();
    expect(await deliveries(t, admin)).toHaveLength(4);
    expect(r.received).toHaveLength(4);
  });

  it('500 twice then 200: three attempts at growing intervals, then delivered', async () => {
    const r = await receiver();
    r.answers = [500, 500];
    const { t, clock, admin, secret } = await workspace(r);
    const sent = await api(t.url, 'POST', `${W}/webhook/test`, { token: admin });
    expect(sent.status).toBe(201);
    expect(sent.body.delivery).toMatchObject({ event: 'webhook.test', status: 'pending', attempts: 0 });

    const one = await attempted(t, admin, 1);
    expect(one).toMatchObject({
      status: 'pending',
      lastStatus: 500,
      lastError: 'HTTP 500: receiver says 500',
    });
    const gap1 = one.nextAttemptAt - one.lastAttemptAt;
    expect(gap1).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[0] * (1 - RETRY_JITTER));
    expect(gap1).toBeLessThanOrEqual(RETRY_DELAYS_MS[0] * (1 + RETRY_JITTER));
    // Not before it is due.
    clock.advance(gap1 - 1_000);
    await t.server.ctx.webhooks.settled();
    expect(r.received).toHaveLength(1);
    clock.advance(1_000);

    const two = await attempted(t, admin, 2);
    expect(two).toMatchObject({ status: 'pending', lastStatus: 500 });
    const gap2 = two.nextAttemptAt - two.lastAttemptAt;
    expect(gap2).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[1] * (1 - RETRY_JITTER));
    expect(gap2).toBeGreaterThan(gap1);
    clock.advance(gap2);

    const three = await attempted(t, admin, 3);
    expect(three).toMatchObject({
      status: 'delivered',
      lastStatus: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(three.deliveredAt).toBe(clock.now());
    expect(r.received).toHaveLength(3);
    // One delivery, three attempts: the same id, each signed at its own time.
    expect(new Set(r.received.map((x) => x.headers['gatehouse-delivery'])).size).toBe(1);
    const times = r.received.map((x) =>
      Number(/t=(\d+)/.exec(x.headers['gatehouse-signature'] as string)![1]),
    );
    expect(times[1]! - times[0]!).toBe(
      Math.floor((one.lastAttemptAt + gap1) / 1000) - Math.floor(one.lastAttemptAt / 1000),
    );
    expect(times[2]).toBeGreaterThan(times[1]!);
    for (const x of r.received)
      expect(verify(secret, x.headers['gatehouse-signature'] as string, x.body)).toBe(true);
    expect(r.received[0]!.json).toMatchObject({ type: 'webhook.test', workspace: { slug: 'acme' } });
    expect(r.received[0]!.json.text).toContain('Test event from Gatehouse');
    const health = (await api(t.url, 'GET', `${W}/webhook`, { token: admin })).body.webhook.health;
    expect(health).toMatchObject({ failing: false, failed: 0, retrying: 0 });
  });

  it('never 2xx: six attempts, then failed — and admins see it', async () => {
    const r = await receiver(500);
    const { t, clock, admin } = await workspace(r);
    await api(t.url, 'POST', `${W}/webhook/test`, { token: admin });
    for (let n = 1; n <= RETRY_DELAYS_MS.length; n++) {
      const d = await attempted(t, admin, n);
      expect(d.status).toBe('pending');
      const health = (await api(t.url, 'GET', `${W}/webhook`, { token: admin })).body.webhook.health;
      expect(health).toMatchObject({ failing: true, retrying: 1, lastError: 'HTTP 500: receiver says 500' });
      clock.set(d.nextAttemptAt);
    }
    const last = await attempted(t, admin, RETRY_DELAYS_MS.length + 1);
    expect(last).toMatchObject({
      status: 'failed',
      attempts: 6,
      lastStatus: 500,
      lastError: 'HTTP 500: receiver says 500',
      nextAttemptAt: null,
      deliveredAt: null,
    });
    const hook = (await api(t.url, 'GET', `${W}/webhook`, { token: admin })).body.webhook;
    expect(hook.health).toEqual({
      failing: true,
      lastError: 'HTTP 500: receiver says 500',
      lastErrorAt: last.lastAttemptAt,
      failed: 1,
      retrying: 0,
    });
    clock.advance(7 * 86_400_000);
    await t.server.ctx.webhooks.settled();
    expect(r.received).toHaveLength(6);
  });
});
