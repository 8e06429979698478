/**
 * Permission history over REST (issue 15), on a real server: access at a past moment (admins: anyone; a
 * person: their own), the diff between two moments with its cause (JSON and CSV), timelines of a user and
 * an app, the doc as of a moment, and clear errors for bad or unanswerable moments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readState } from '../../core/index.ts';
import { addUser, api, setup, startServer, type TestServer } from './helpers.ts';
import { must, removeEndUserGrants } from './rest-setup.ts';

let t: TestServer;
let admin: string;
let eve: { userId: string; token: string };
const W = '/api/workspaces/acme';
const H = `${W}/history`;
const ids: Record<string, string> = {};
/** Moments: before eve joins HR, while in it, after she left. */
const at: Record<'before' | 'during' | 'after', number> = { before: 0, during: 0, after: 0 };

/** A moment strictly after everything so far, and the next change strictly after it. */
async function mark(): Promise<number> {
  const now = Date.now();
  while (Date.now() <= now + 1) await new Promise((r) => setTimeout(r, 2));
  return now + 1;
}

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t, 'acme');
  eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  await removeEndUserGrants(t, admin, 'acme');
  ids.payroll = await must(
    api(t.url, 'POST', `${W}/apps`, { token: admin, body: { name: 'Payroll' } }),
    'app',
  );
  ids.hr = await must(api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'HR' } }), 'group');
  await must(
    api(t.url, 'POST', `${W}/groups/${ids.hr}/grants`, {
      token: admin,
      body: {
        name: 'Payroll view',
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [ids.payroll],
        level: 'view',
      },
    }),
  );
  at.before = await mark();
  await must(
    api(t.url, 'POST', `${W}/groups/${ids.hr}/members`, { token: admin, body: { userIds: [eve.userId] } }),
  );
  at.during = await mark();
  await must(api(t.url, 'DELETE', `${W}/groups/${ids.hr}/members/${eve.userId}`, { token: admin }));
  at.after = await mark();
}, 60_000);
afterAll(() => t.close());

const iso = (ms: number) => new Date(ms).toISOString();
const payrollOf = (body: { apps: { id: string; level: string; via: string[] }[] }) =>
  body.apps.find((a) => a.id === ids.payroll) ?? null;

describe('GET …/history/access', () => {
  it('gives an admin any user’s access at each moment, through which group', async () => {
    const get = (m: number) =>
      api(t.url, 'GET', `${H}/access?at=${iso(m)}&user=eve@acme.test`, { token: admin });
    const [b, d, a] = [await get(at.before), await get(at.during), await get(at.after)];
    expect(b.status, b.text).toBe(200);
    expect(payrollOf(b.body)).toBeNull();
    expect(payrollOf(d.body)).toMatchObject({ level: 'view', via: ['HR'] });
    expect(d.body.groups).toEqual(['HR']);
    expect(d.body.user).toMatchObject({ id: eve.userId, email: 'eve@acme.test', role: 'end-user' });
    expect(payrollOf(a.body)).toBeNull();
    expect(d.body.moment.at).toBe(iso(at.during));
  });

  it('gives a person their own past access, and refuses anyone else’s', async () => {
    const own = await api(t.url, 'GET', `${H}/access?at=${at.during}`, { token: eve.token });
    expect(own.status, own.text).toBe(200);
    expect(payrollOf(own.body)).toMatchObject({ level: 'view' });
    const other = await api(t.url, 'GET', `${H}/access?at=${at.during}&user=admin@acme.test`, {
      token: eve.token,
    });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('forbidden');
    expect((await api(t.url, 'GET', `${H}/diff?from=${at.before}`, { token: eve.token })).status).toBe(403);
  });

  it('answers clear errors: no time, a bad one, the future, before the workspace existed', async () => {
    const codes = async (q: string) => {
      const r = await api(t.url, 'GET', `${H}/access${q}`, { token: admin });
      return [r.status, r.body.error?.code];
    };
    expect(await codes('')).toEqual([400, 'invalid-input']);
    expect(await codes('?at=yesterday-ish')).toEqual([400, 'invalid-input']);
    expect(await codes(`?at=${Date.now() + 3_600_000}`)).toEqual([400, 'invalid-input']);
    expect(await codes('?at=1000')).toEqual([404, 'not-found']);
    expect(await codes(`?at=${at.during}&user=nobody@acme.test`)).toEqual([404, 'not-found']);
  });
});

describe('GET …/history/diff', () => {
  it('lists who gained and lost which level, with the change that caused it', async () => {
    const gained = await api(t.url, 'GET', `${H}/diff?from=${iso(at.before)}&to=${iso(at.during)}`, {
      token: admin,
    });
    expect(gained.status, gained.text).toBe(200);
    expect(gained.body.changes).toEqual([
      expect.objectContaining({
        user: { id: eve.userId, email: 'eve@acme.test' },
        resourceType: 'app',
        resourceId: ids.payroll,
        before: null,
        after: 'view',
        cause: expect.objectContaining({ actor: expect.objectContaining({ email: 'admin@acme.test' }) }),
      }),
    ]);
    expect(gained.body.membershipsAdded).toEqual([
      expect.objectContaining({ userId: eve.userId, groupName: 'HR' }),
    ]);
    expect(gained.body).toMatchObject({ membershipsAddedCount: 1, membershipsRemovedCount: 0 });
    const lost = await api(t.url, 'GET', `${H}/diff?from=${at.during}&to=${at.after}`, { token: admin });
    expect(lost.body.changes).toEqual([expect.objectContaining({ before: 'view', after: null })]);
    const none = await api(t.url, 'GET', `${H}/diff?from=${at.before}&to=${at.after}`, { token: admin });
    expect(none.body.changes).toEqual([]);
  });

  it('downloads the same rows as CSV', async () => {
    const r = await api(t.url, 'GET', `${H}/diff?from=${at.before}&to=${at.during}&format=csv`, {
      token: admin,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = r.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'user_email,resource_type,resource,before,after,changed_at,changed_by,action,summary,audit_id',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^eve@acme\.test,app,Payroll,none,view,.*,admin@acme\.test,/);
  });
});

describe('timelines', () => {
  it('a user’s timeline: joined HR and gained View, then left and lost it, each with its cause', async () => {
    const r = await api(t.url, 'GET', `${H}/timeline/user?user=${eve.userId}`, { token: admin });
    expect(r.status, r.text).toBe(200);
    const payroll = r.body.events.filter((e: { access: { resourceId: string }[] }) =>
      e.access.some((c) => c.resourceId === ids.payroll),
    );
    expect(
      payroll.map((e: { groupsAdded: string[]; groupsRemoved: string[] }) => [
        e.groupsAdded,
        e.groupsRemoved,
      ]),
    ).toEqual([
      [['HR'], []],
      [[], ['HR']],
    ]);
    expect(payroll[0].access[0]).toMatchObject({ before: null, after: 'view' });
    expect(payroll[0].cause).toMatchObject({ actor: { email: 'admin@acme.test' } });
    expect(Date.parse(payroll[0].at)).toBeGreaterThan(at.before);
    expect(Date.parse(payroll[0].at)).toBeLessThan(at.during);
    const own = await api(t.url, 'GET', `${H}/timeline/user`, { token: eve.token });
    expect(own.status).toBe(200);
    expect(own.body.events).toEqual(r.body.events);
    // A window asked from before the workspace existed starts where its history does: the same answer.
    const early = await api(t.url, 'GET', `${H}/timeline/user?user=${eve.userId}&from=1985-10-26T09:00:00Z`, {
      token: admin,
    });
    expect(early.status, early.text).toBe(200);
    expect(early.body.events).toEqual(r.body.events);
  });

  it('an app’s timeline: who had which level when', async () => {
    const r = await api(t.url, 'GET', `${H}/timeline/app?app=Payroll&from=${at.before}`, { token: admin });
    expect(r.status, r.text).toBe(200);
    expect(r.body.initial.map((x: { user: { email: string } }) => x.user.email).sort()).toEqual([
      'admin@acme.test',
    ]);
    expect(
      r.body.events.map((e: { user: { email: string }; before: string; after: string }) => [
        e.user.email,
        e.before,
        e.after,
      ]),
    ).toEqual([
      ['eve@acme.test', null, 'view'],
      ['eve@acme.test', 'view', null],
    ]);
    expect((await api(t.url, 'GET', `${H}/timeline/app?app=Nope`, { token: admin })).status).toBe(404);
  });
});

describe('GET …/history/doc and /bounds', () => {
  it('sends the doc as of a moment, which core reads as that state', async () => {
    const r = await fetch(`${t.url}${H}/doc?at=${at.during}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(r.status).toBe(200);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, new Uint8Array(await r.arrayBuffer()));
    expect(readState(doc, at.during).groups.get(ids.hr!)?.members.has(eve.userId)).toBe(true);
    doc.destroy();
    const b = await api(t.url, 'GET', `${H}/bounds`, { token: admin });
    expect(Date.parse(b.body.start)).toBeLessThanOrEqual(at.before);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await api(t.url, 'GET', '/api/openapi.json')).body;
    for (const p of ['access', 'diff', 'timeline/user', 'timeline/app', 'doc', 'bounds', 'review'])
      expect(Object.keys(doc.paths)).toContain(`/api/workspaces/{ws}/history/${p}`);
  });
});

describe('AuthZEN context.time', () => {
  const ask = (time?: string | number) =>
    api(t.url, 'POST', `${W}/authzen/access/v1/evaluation`, {
      token: admin,
      body: {
        subject: { type: 'user', id: 'eve@acme.test' },
        resource: { type: 'app', id: ids.payroll },
        action: { name: 'view' },
        ...(time === undefined ? {} : { context: { time } }),
      },
    });

  it('decides on the workspace as it was at a past time, and now without one', async () => {
    // A time within a second of now means now (clock skew): the moments must be older than that.
    while (Date.now() < at.after + 1_100) await new Promise((r) => setTimeout(r, 50));
    expect((await ask(iso(at.during))).body.decision).toBe(true);
    expect((await ask(at.before)).body.decision).toBe(false);
    expect((await ask()).body.decision).toBe(false);
    const boxcar = await api(t.url, 'POST', `${W}/authzen/access/v1/evaluations`, {
      token: admin,
      body: {
        subject: { type: 'user', id: 'eve@acme.test' },
        action: { name: 'view' },
        context: { time: iso(at.during) },
        evaluations: [{ resource: { type: 'app', id: ids.payroll } }],
      },
    });
    expect(boxcar.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true]);
  });

  it('refuses a time before the kept history and one that is no time', async () => {
    const old = await ask('1985-10-26T01:22-07:00');
    expect([old.status, old.body.error.code]).toEqual([404, 'not-found']);
    // History starts at the workspace's creation (this year), not at the epoch.
    expect(Date.parse(old.body.error.details.historyStart)).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(old.body.error.message).toContain(old.body.error.details.historyStart);
    expect((await ask('soon')).status).toBe(400);
  });
});

describe('GET …/history/review', () => {
  it('lists every user × resource with a level at a date, via which groups and since when', async () => {
    const r = await api(t.url, 'GET', `${H}/review?at=${at.during}`, { token: admin });
    expect(r.status, r.text).toBe(200);
    const eveRow = r.body.rows.find((x: { user: { email: string } }) => x.user.email === 'eve@acme.test');
    expect(eveRow).toMatchObject({ resourceName: 'Payroll', level: 'view', via: ['HR'] });
    expect(Date.parse(eveRow.since)).toBeGreaterThan(at.before);
    expect(Date.parse(eveRow.since)).toBeLessThan(at.during);
    const after = await api(t.url, 'GET', `${H}/review?at=${at.after}`, { token: admin });
    expect(after.body.rows.some((x: { user: { email: string } }) => x.user.email === 'eve@acme.test')).toBe(
      false,
    );
    const csv = await api(t.url, 'GET', `${H}/review?at=${at.during}&format=csv`, { token: admin });
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('user_email,user_name,role,resource_type,resource,level,hidden,via_groups,since');
    expect(lines.find((l) => l.startsWith('eve@acme.test'))).toBe(
      `eve@acme.test,eve,end-user,app,Payroll,view,no,HR,${eveRow.since}`,
    );
    expect((await api(t.url, 'GET', `${H}/review`, { token: eve.token })).status).toBe(403);
  });
});

describe('POST …/history/undo', () => {
  /** The audit entry committed between two moments that touched the HR group. */
  async function entryBetween(from: number, to: number): Promise<{ id: number; summary: string }> {
    const r = await api(t.url, 'GET', `${W}/audit?entity=${ids.hr}&from=${from}&to=${to}`, { token: admin });
    expect(r.body.entries, r.text).toHaveLength(1);
    return r.body.entries[0];
  }
  const members = async () =>
    (await api(t.url, 'GET', `${W}/groups/${ids.hr}`, { token: admin })).body.group.members as string[];
  const undo = (auditId: number, extra: Record<string, unknown> = {}, query = '') =>
    api(t.url, 'POST', `${H}/undo${query}`, { token: admin, body: { auditId, ...extra } });

  it('previews and then undoes a membership removal; undoing the undo removes her again', async () => {
    const removal = await entryBetween(at.during, at.after);
    const preview = await undo(removal.id, {}, '?dryRun=true');
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toMatchObject({ dryRun: true, auditId: removal.id, conflicts: [] });
    expect(preview.body.impact.membershipsAdded).toEqual([
      expect.objectContaining({ userId: eve.userId, groupName: 'HR' }),
    ]);
    expect(await members()).not.toContain(eve.userId);
    const done = await undo(removal.id);
    expect(done.status, done.text).toBe(200);
    expect(await members()).toContain(eve.userId);
    const log = await api(t.url, 'GET', `${W}/audit?limit=1`, { token: admin });
    expect(log.body.entries[0]).toMatchObject({ action: 'history.undo' });
    expect(log.body.entries[0].summary).toContain(`Undid #${removal.id}`);
    const again = await undo(log.body.entries[0].id);
    expect(again.status, again.text).toBe(200);
    expect(await members()).not.toContain(eve.userId);
  });

  it('says when nothing is left to undo, and 404 for an unknown entry; admins only', async () => {
    const add = await entryBetween(at.before, at.during);
    const r = await undo(add.id); // she is out again: the add's effect is gone already
    expect([r.status, r.body.error.code]).toEqual([422, 'nothing-to-change']);
    expect((await undo(9_999_999)).status).toBe(404);
    const asEve = await api(t.url, 'POST', `${H}/undo`, { token: eve.token, body: { auditId: add.id } });
    expect(asEve.status).toBe(403);
    expect((await api(t.url, 'POST', `${H}/undo`, { token: admin, body: { auditId: 'x' } })).status).toBe(
      400,
    );
  });
});
