/**
 * Access requests over REST (issue 16): ask with a reason and a duration (the proposal is core's smallest
 * group, with what it would mean), bad input refused clearly, admins see the impact and approve (consent
 * for a role change, a shorter duration) or deny; the requester's access and their request follow; every
 * step audited. Requests are the server's to write: a client's sync update touching them is refused.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { addUser, api, connect, login, serversPerTest, setup, synced, type TestServer } from './helpers.ts';

const DAY = 86_400_000;
const start = serversPerTest();
const W = '/api/workspaces/acme';

async function workspace() {
  const clock = new ManualClock();
  const t = await start({ clock });
  const admin = await setup(t);
  const eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  const app = (await api(t.url, 'POST', `${W}/apps`, { token: admin, body: { name: 'Payroll' } })).body.app
    .id;
  const group = (await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'Payroll editors' } }))
    .body.group.id;
  const grant = await api(t.url, 'POST', `${W}/groups/${group}/grants`, {
    token: admin,
    body: { name: 'Edit payroll', resourceType: 'app', scope: 'custom', resourceIds: [app], level: 'edit' },
  });
  expect(grant.status).toBe(201);
  return { t, clock, admin, eve, app, group };
}

const ask = (t: TestServer, token: string, body: object) =>
  api(t.url, 'POST', `${W}/requests`, { token, body });
const payrollEdit = (app: string) => ({
  resourceType: 'app',
  resourceId: app,
  level: 'edit',
  reason: 'Month-end close',
  duration: '7d',
});

describe('access requests', () => {
  it('ask → refused duplicates and nonsense → approve with consent → access until the asked time', async () => {
    const { t, clock, admin, eve, app, group } = await workspace();
    const options = await api(
      t.url,
      'GET',
      `${W}/requests/options?resourceType=app&resourceId=${app}&level=edit`,
      {
        token: eve.token,
      },
    );
    expect(options.body.options).toEqual([
      expect.objectContaining({
        groupId: group,
        roleChange: 'builder',
        meaning: 'This would make you a Builder',
      }),
    ]);
    const created = await ask(t, eve.token, payrollEdit(app));
    expect(created.status).toBe(201);
    expect(created.body.request).toMatchObject({
      status: 'open',
      group: { id: group },
      text: expect.stringContaining('Waiting'),
    });
    const id = created.body.request.id;

    // Bad input, each refused with a clear code.
    for (const [body, status, code] of [
      [payrollEdit(app), 409, 'request-exists'],
      [{ ...payrollEdit(app), level: 'view' }, 409, 'already-has-access'],
      [{ ...payrollEdit(app), resourceId: 'nope' }, 404, 'not-found'],
      [{ ...payrollEdit(app), reason: '  ' }, 400, 'invalid-input'],
      [{ ...payrollEdit(app), duration: '2y' }, 400, 'invalid-input'],
      [{ ...payrollEdit(app), level: 'configure' }, 400, 'invalid-input'],
    ] as const) {
      const r = await ask(t, eve.token, body);
      expect([r.status, r.body.error.code]).toEqual([status, code]);
    }

    expect((await api(t.url, 'GET', `${W}/requests/mine`, { token: eve.token })).body.requests).toHaveLength(
      1,
    );
    expect((await api(t.url, 'GET', `${W}/requests`, { token: eve.token })).status).toBe(403);
    const listed = await api(t.url, 'GET', `${W}/requests?status=open`, { token: admin });
    expect(listed.body.requests.map((r: { id: string }) => r.id)).toEqual([id]);
    const one = await api(t.url, 'GET', `${W}/requests/${id}`, { token: admin });
    expect(one.body.impact.roleChanges).toEqual([
      expect.objectContaining({ userId: eve.userId, to: 'builder' }),
    ]);

    // A longer duration than asked, and a role change without consent, are refused.
    const longer = await api(t.url, 'POST', `${W}/requests/${id}/approve`, {
      token: admin,
      body: { expiresAt: clock.now() + 8 * DAY },
    });
    expect(longer.status).toBe(400);
    const unconfirmed = await api(t.url, 'POST', `${W}/requests/${id}/approve`, { token: admin, body: {} });
    expect([unconfirmed.status, unconfirmed.body.error.code]).toEqual([
      409,
      'role-change-needs-confirmation',
    ]);
    expect(unconfirmed.body.error.details.roleChanges).toHaveLength(1);
    const approved = await api(t.url, 'POST', `${W}/requests/${id}/approve`, {
      token: admin,
      body: { allowRoleChange: true },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.request).toMatchObject({ status: 'approved', expiresAt: clock.now() + 7 * DAY });
    expect(approved.body.request.text).toMatch(/^Approved by Admin — Edit until /);
    const again = await api(t.url, 'POST', `${W}/requests/${id}/approve`, {
      token: admin,
      body: { allowRoleChange: true },
    });
    expect([again.status, again.body.error.code]).toEqual([409, 'request-decided']);
    expect(again.body.error.details).toMatchObject({ status: 'approved', decidedBy: 'Admin' });

    const g = (await api(t.url, 'GET', `${W}/groups/${group}`, { token: admin })).body.group;
    expect(g.memberships).toEqual([
      expect.objectContaining({ userId: eve.userId, expiresAt: clock.now() + 7 * DAY }),
    ]);
    // Her role changed (Builder): her sessions were revoked, she signs in again.
    const token = await login(t, 'eve@acme.test');
    const mine = (await api(t.url, 'GET', `${W}/requests/mine`, { token })).body.requests;
    expect(mine[0].status).toBe('approved');
    // Asking again for what she now has.
    const has = await ask(t, token, payrollEdit(app));
    expect(has.body.error.code).toBe('already-has-access');

    const audit = (await api(t.url, 'GET', `${W}/audit`, { token: admin })).body.entries.map(
      (e: { action: string }) => e.action,
    );
    expect(audit).toEqual(expect.arrayContaining(['request.create', 'request.approve']));
  });

  it('deny with a reason the requester sees; an empty reason is refused', async () => {
    const { t, admin, eve, app } = await workspace();
    const id = (await ask(t, eve.token, { ...payrollEdit(app), duration: null })).body.request.id;
    const empty = await api(t.url, 'POST', `${W}/requests/${id}/deny`, {
      token: admin,
      body: { reason: '' },
    });
    expect(empty.status).toBe(400);
    const denied = await api(t.url, 'POST', `${W}/requests/${id}/deny`, {
      token: admin,
      body: { reason: 'Ask your manager first' },
    });
    expect(denied.body.request).toMatchObject({
      status: 'denied',
      text: 'Denied by Admin: Ask your manager first',
    });
    const mine = (await api(t.url, 'GET', `${W}/requests/mine`, { token: eve.token })).body.requests;
    expect(mine[0].decisionReason).toBe('Ask your manager first');
    // Denied is not open: asking again is allowed.
    expect((await ask(t, eve.token, payrollEdit(app))).status).toBe(201);
    const audit = (await api(t.url, 'GET', `${W}/audit`, { token: admin })).body.entries.map(
      (e: { action: string }) => e.action,
    );
    expect(audit).toContain('request.deny');
  });

  // Both decisions pass planning (the request is open for each); the doc's queue lets only one commit.
  it.each([
    ['approve racing a deny', 'deny'],
    ['two approvals with different groups', 'approve'],
  ] as const)('%s: exactly one wins, the other gets 409 request-decided naming who', async (_, other) => {
    const { t, admin, eve, app, group } = await workspace();
    const second = (await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'Payroll team' } }))
      .body.group.id;
    await api(t.url, 'POST', `${W}/groups/${second}/grants`, {
      token: admin,
      body: { name: 'Edit payroll', resourceType: 'app', scope: 'custom', resourceIds: [app], level: 'edit' },
    });
    const id = (await ask(t, eve.token, payrollEdit(app))).body.request.id;
    const approve = { allowRoleChange: true, groupId: group };
    // Each call reaches the doc's queue only once both have planned (both saw the request open), so the
    // race is decided by the check in the queue, not by which request the server happened to read first.
    const ws = (await t.server.ctx.storage.workspaceBySlug('acme'))!;
    const live = await t.server.ctx.registry.with(ws, (l) => l);
    const submit = live.submit.bind(live);
    let arrived = 0;
    let bothPlanned!: () => void;
    const planned = new Promise<void>((resolve) => {
      bothPlanned = resolve;
    });
    live.submit = async (...args) => {
      if (++arrived === 2) bothPlanned();
      await planned;
      return submit(...args);
    };
    // The other decision goes first: an approval queued after it must still be refused.
    const replies = await Promise.all([
      other === 'deny'
        ? api(t.url, 'POST', `${W}/requests/${id}/deny`, { token: admin, body: { reason: 'No' } })
        : api(t.url, 'POST', `${W}/requests/${id}/approve`, {
            token: admin,
            body: { ...approve, groupId: second },
          }),
      api(t.url, 'POST', `${W}/requests/${id}/approve`, { token: admin, body: approve }),
    ]);
    live.submit = submit;
    expect(arrived).toBe(2);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = replies.find((r) => r.status === 200)!.body.request;
    const loser = replies.find((r) => r.status === 409)!.body.error;
    expect(loser).toMatchObject({
      code: 'request-decided',
      message: `This request was already ${winner.status} by Admin`,
      details: { status: winner.status, decidedBy: 'Admin', decidedAt: winner.decidedAt },
    });
    const stored = (await api(t.url, 'GET', `${W}/requests/${id}`, { token: admin })).body.request;
    expect(stored).toMatchObject({ status: winner.status, grantedGroup: winner.grantedGroup });
    // Eve joined at most the winner's group, never both.
    const joined = [];
    for (const g of [group, second]) {
      const members = (await api(t.url, 'GET', `${W}/groups/${g}`, { token: admin })).body.group.memberships;
      if (members.some((m: { userId: string }) => m.userId === eve.userId)) joined.push(g);
    }
    expect(joined).toEqual(winner.grantedGroup === null ? [] : [winner.grantedGroup.id]);
    const audit = (await api(t.url, 'GET', `${W}/audit`, { token: admin })).body.entries.map(
      (e: { action: string }) => e.action,
    );
    expect(audit.filter((a: string) => a === 'request.approve' || a === 'request.deny')).toHaveLength(1);
  });

  it('a client may not write requests over sync', async () => {
    const { t, admin, eve, app } = await workspace();
    await ask(t, eve.token, payrollEdit(app));
    const c = connect(t, 'acme', admin);
    await synced(c);
    const requests = c.doc.getMap('requests');
    expect(requests.size).toBe(1);
    const [id, value] = [...requests.entries()][0]!;
    c.doc.transact(() => requests.set(id, { ...(value as object), status: 'approved' }));
    const deadline = Date.now() + 10_000;
    while (c.closes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(c.closes[0]?.reason ?? '').toContain('access requests are written by the server only');
    c.destroy();
    const listed = (await api(t.url, 'GET', `${W}/requests`, { token: admin })).body.requests;
    expect(listed[0].status).toBe('open');
  });

  it('the requester’s event stream says when their request is made and when it is decided', async () => {
    const { t, admin, eve, app } = await workspace();
    const ac = new AbortController();
    const res = await fetch(`${t.url}${W}/access/events`, {
      headers: { authorization: `Bearer ${eve.token}` },
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    /** The `requests` events read so far, parsed. */
    const requestEvents = () =>
      [...text.matchAll(/event: requests\ndata: (.*)\n\n/g)].map(
        (m) => JSON.parse(m[1]!).requests as { id: string; status: string; text: string }[],
      );
    const readUntil = async (done: () => boolean) => {
      while (!done()) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
    };
    await readUntil(() => text.includes('event: access'));
    // No request yet: no `requests` event on open.
    expect(requestEvents()).toEqual([]);
    const viewBody = { ...payrollEdit(app), duration: null };
    const first = await ask(t, eve.token, viewBody);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const id = first.body.request.id;
    await readUntil(() => requestEvents().length >= 1);
    expect(requestEvents()[0]).toEqual([expect.objectContaining({ id, status: 'open' })]);
    await api(t.url, 'POST', `${W}/requests/${id}/deny`, {
      token: admin,
      body: { reason: 'Ask your manager' },
    });
    await readUntil(() => requestEvents().length >= 2);
    expect(requestEvents()[1]![0]).toMatchObject({
      status: 'denied',
      text: expect.stringContaining('Ask your manager'),
    });
    // Renaming the app changes what the request says: the stream sends it again, with the new name.
    const renamed = await api(t.url, 'PATCH', `${W}/apps/${app}`, {
      token: admin,
      body: { name: 'Pay run' },
    });
    expect(renamed.status, renamed.text).toBe(200);
    await readUntil(() => requestEvents().length >= 3);
    expect(requestEvents()[2]![0]).toMatchObject({ status: 'denied', resource: { name: 'Pay run' } });

    ac.abort();
  });

  it('the requester may cancel their open request; nobody else can, and a decided one stays decided', async () => {
    const { t, admin, eve, app } = await workspace();
    const bob = await addUser(t, admin, 'acme', 'bob@acme.test', 'end-user');
    const id = (await ask(t, eve.token, payrollEdit(app))).body.request.id;
    const cancel = (token: string, which = id) =>
      api(t.url, 'POST', `${W}/requests/${which}/cancel`, { token });
    // Someone else's request, or one that does not exist: unknown.
    expect((await cancel(bob.token)).status).toBe(404);
    expect((await cancel(admin)).status).toBe(404);
    expect((await cancel(eve.token, 'nope')).status).toBe(404);
    const cancelled = await cancel(eve.token);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.request).toMatchObject({ status: 'cancelled', text: 'Cancelled' });
    const again = await cancel(eve.token);
    expect([again.status, again.body.error.code]).toEqual([409, 'request-decided']);
    const approve = await api(t.url, 'POST', `${W}/requests/${id}/approve`, { token: admin, body: {} });
    expect([approve.status, approve.body.error.code]).toEqual([409, 'request-decided']);
    // Cancelled: the person may ask again.
    expect((await ask(t, eve.token, payrollEdit(app))).status).toBe(201);
    const audit = (await api(t.url, 'GET', `${W}/audit`, { token: admin })).body.entries.map(
      (e: { action: string }) => e.action,
    );
    expect(audit).toContain('request.cancel');
  });
});
