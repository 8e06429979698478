/**
 * The AuthZEN 1.0 endpoints on a real server: the spec's request/response examples adapted to
 * Gatehouse's vocabulary (users by email, apps by slug), all three boxcar semantics, paged searches with
 * tamper-evident tokens, who may ask about whom, discovery, and bad input answered as the spec says (400
 * for the whole payload, `decision: false` with a reason for anything unknown).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, setup, startServer, type TestServer } from './helpers.ts';

let t: TestServer;
let admin: string;
let eve: { userId: string; token: string };
let ivy: { userId: string; token: string };
const W = '/api/workspaces/acme';
const Z = `${W}/authzen/access/v1`;
const ids: Record<string, string> = {};

const post = (path: string, body: unknown, token = admin) =>
  api(t.url, 'POST', `${Z}${path}`, { token, body });
const must = async (
  p: Promise<{ status: number; text: string; body: { [k: string]: { id: string } } }>,
  key?: string,
) => {
  const r = await p;
  if (r.status >= 300) throw new Error(`${r.status} ${r.text}`);
  return key ? r.body[key]!.id : '';
};

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t, 'acme');
  eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  ivy = await addUser(t, admin, 'acme', 'ivy@acme.test', 'end-user');
  const groups = (await api(t.url, 'GET', `${W}/groups`, { token: admin })).body.groups as {
    id: string;
    role: string | null;
    grants: { id: string }[];
  }[];
  // End-users get nothing by default here: every grant below is the test's.
  const endUser = groups.find((g) => g.role === 'end-user')!;
  for (const g of endUser.grants)
    await must(api(t.url, 'DELETE', `${W}/groups/${endUser.id}/grants/${g.id}`, { token: admin }));
  for (const name of ['Payroll', 'CRM', 'Wiki'])
    ids[name] = await must(api(t.url, 'POST', `${W}/apps`, { token: admin, body: { name } }), 'app');
  ids.db = await must(
    api(t.url, 'POST', `${W}/data-sources`, { token: admin, body: { name: 'Payroll DB' } }),
    'dataSource',
  );
  ids.hr = await must(api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'HR' } }), 'group');
  await must(
    api(t.url, 'POST', `${W}/groups/${ids.hr}/grants`, {
      token: admin,
      body: {
        name: 'HR apps',
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [ids.Payroll, ids.Wiki],
        level: 'view',
      },
    }),
  );
  await must(
    api(t.url, 'POST', `${W}/groups/${ids.hr}/members`, { token: admin, body: { userIds: [eve.userId] } }),
  );
});
afterAll(() => t.close());

const alice = { type: 'user', id: 'eve@acme.test' };

describe('AuthZEN evaluation', () => {
  it('the spec’s evaluation example: subject, resource, action with properties, context → decision', async () => {
    const r = await post('/evaluation', {
      subject: alice,
      resource: { type: 'app', id: 'payroll' },
      action: { name: 'view', properties: { method: 'GET' } },
      // The spec's example sends a 1985 time; a past time is now decided as of then (issue 15), so: now.
      context: { time: new Date().toISOString() },
    });
    expect(r.status).toBe(200);
    expect(r.body.decision).toBe(true);
    expect(r.body.context).toMatchObject({
      reason: 'granted',
      via: [{ group: { name: 'HR' }, permission: { name: 'HR apps' }, level: 'view' }],
    });
  });

  it('a no carries core’s explanation and the smallest change that would grant it', async () => {
    const r = await post('/evaluation', {
      subject: alice,
      resource: { type: 'app', id: 'CRM' },
      action: { name: 'view' },
    });
    expect(r.body.decision).toBe(false);
    expect(r.body.context.reason).toBe('not-granted');
    expect(r.body.context.reason_user.en).toContain('No group of eve grants access to “CRM”.');
    expect(r.body.context.suggestions.length).toBeGreaterThan(0);
  });

  it('follows every committed change on the next request', async () => {
    const req = { subject: alice, resource: { type: 'app', id: ids.CRM }, action: { name: 'view' } };
    expect((await post('/evaluation', req)).body.decision).toBe(false);
    await must(
      api(t.url, 'POST', `${W}/groups/${ids.hr}/grants`, {
        token: admin,
        body: { name: 'CRM', resourceType: 'app', scope: 'custom', resourceIds: [ids.CRM], level: 'view' },
      }),
    );
    expect((await post('/evaluation', req)).body.decision).toBe(true);
  });

  it.each([
    [
      'an unknown action',
      { subject: alice, resource: { type: 'app', id: 'payroll' }, action: { name: 'can_read' } },
      'unknown-action',
    ],
    [
      'an unknown resource type',
      { subject: alice, resource: { type: 'account', id: '123' }, action: { name: 'view' } },
      'unknown-resource-type',
    ],
    [
      'an unknown app',
      { subject: alice, resource: { type: 'app', id: 'nope' }, action: { name: 'view' } },
      'unknown-resource',
    ],
    [
      'an unknown user',
      {
        subject: { type: 'user', id: 'nobody@acme.test' },
        resource: { type: 'app', id: 'payroll' },
        action: { name: 'view' },
      },
      'unknown-subject',
    ],
  ])('%s is decision false with a reason (200)', async (_n, body, reason) => {
    const r = await post('/evaluation', body);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ decision: false, context: { reason } });
  });

  it('an archived user is false', async () => {
    await must(api(t.url, 'POST', `${W}/users/${ivy.userId}/archive`, { token: admin }));
    const r = await post('/evaluation', {
      subject: { type: 'user', id: ivy.userId },
      resource: { type: 'workspace', id: 'acme' },
      action: { name: 'app.create' },
    });
    expect(r.body).toMatchObject({ decision: false, context: { reason: 'archived' } });
  });

  it.each([
    [
      'wrong types',
      {
        subject: { type: 'user', id: 42 },
        resource: { type: 'app', id: 'payroll' },
        action: { name: 'view' },
      },
    ],
    ['a missing action', { subject: alice, resource: { type: 'app', id: 'payroll' } }],
    [
      'a missing subject id',
      { subject: { type: 'user' }, resource: { type: 'app', id: 'payroll' }, action: { name: 'view' } },
    ],
    ['an empty body', undefined],
  ])('%s is a 400 of the whole payload', async (_n, body) => {
    const r = await post('/evaluation', body);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid-input');
  });
});

describe('AuthZEN evaluations (boxcar)', () => {
  const boxcar = {
    subject: alice,
    context: { time: new Date(Date.now() + 60_000).toISOString() }, // now or later: decided now
    action: { name: 'view' },
    evaluations: [
      { resource: { type: 'app', id: 'payroll' } },
      { resource: { type: 'app', id: 'no-such-app' } },
      { action: { name: 'edit' }, resource: { type: 'app', id: 'wiki' } },
      { resource: { type: 'app', id: 'wiki' } },
    ],
  };
  it('the spec’s example: defaults, items in order, a reason on each no', async () => {
    const r = await post('/evaluations', boxcar);
    expect(r.status).toBe(200);
    expect(r.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect(r.body.evaluations[1].context.reason).toBe('unknown-resource');
    expect(r.body.evaluations[2].context).toMatchObject({
      reason: 'not-granted',
      level: 'view',
      needs: 'edit',
    });
  });
  it('deny_on_first_deny and permit_on_first_permit stop at the deciding item', async () => {
    const deny = await post('/evaluations', {
      ...boxcar,
      options: { evaluations_semantic: 'deny_on_first_deny' },
    });
    expect(deny.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, false]);
    const permit = await post('/evaluations', {
      ...boxcar,
      evaluations: boxcar.evaluations.slice(1),
      options: { evaluations_semantic: 'permit_on_first_permit' },
    });
    expect(permit.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([
      false,
      false,
      true,
    ]);
    const all = await post('/evaluations', { ...boxcar, options: { evaluations_semantic: 'execute_all' } });
    expect(all.body.evaluations).toHaveLength(4);
  });
  it('an item missing a part is decision false with context.error; no items is one evaluation', async () => {
    const r = await post('/evaluations', {
      action: { name: 'view' },
      evaluations: [{ resource: { type: 'app', id: 'payroll' } }],
    });
    expect(r.status).toBe(200);
    expect(r.body.evaluations[0]).toMatchObject({ decision: false, context: { error: { status: 400 } } });
    const single = await post('/evaluations', {
      subject: alice,
      action: { name: 'view' },
      resource: { type: 'app', id: 'payroll' },
    });
    expect(single.body).toMatchObject({ decision: true });
  });
  it('a huge boxcar, a bad semantic or a wrong item type is a 400 of the whole payload', async () => {
    const huge = {
      ...boxcar,
      evaluations: Array.from({ length: 1001 }, () => ({ resource: { type: 'app', id: 'payroll' } })),
    };
    const tooMany = await post('/evaluations', huge);
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body.error.details)).toContain('At most 1000 evaluations');
    const max = await post('/evaluations', { ...huge, evaluations: huge.evaluations.slice(0, 1000) });
    expect(max.body.evaluations).toHaveLength(1000);
    expect(
      (await post('/evaluations', { ...boxcar, options: { evaluations_semantic: 'first' } })).status,
    ).toBe(400);
    expect((await post('/evaluations', { ...boxcar, evaluations: [{ resource: 'payroll' }] })).status).toBe(
      400,
    );
  });
});

describe('AuthZEN search', () => {
  it('subject search: who may view an app, paged with an opaque, tamper-evident next_token', async () => {
    const body = {
      subject: { type: 'user' },
      action: { name: 'view' },
      resource: { type: 'app', id: 'payroll' },
    };
    const all = await post('/search/subject', body);
    expect(all.status).toBe(200);
    expect(all.body.results.map((r: { properties: { email: string } }) => r.properties.email).sort()).toEqual(
      ['admin@acme.test', 'eve@acme.test'],
    );
    expect(all.body.page.next_token).toBe('');
    const first = await post('/search/subject', { ...body, page: { limit: 1 } });
    expect(first.body.results).toHaveLength(1);
    const token = first.body.page.next_token as string;
    expect(token).not.toBe('');
    const second = await post('/search/subject', { ...body, page: { limit: 1, token } });
    expect(second.body.page.next_token).toBe('');
    expect([...first.body.results, ...second.body.results]).toEqual(all.body.results);
    const [payload, sig] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), a: '' })).toString('base64url')}.${sig}`;
    for (const bad of [forged, `${token}x`, 'garbage'])
      expect((await post('/search/subject', { ...body, page: { token: bad } })).status).toBe(400);
    // A token belongs to its query.
    const other = { ...body, resource: { type: 'app', id: 'wiki' }, page: { token } };
    expect((await post('/search/subject', other)).status).toBe(400);
    expect((await post('/search/subject', { ...body, page: { limit: 0 } })).status).toBe(400);
  });
  it('resource search: the apps a user may view; action search: what they may do on one', async () => {
    const apps = await post('/search/resource', {
      subject: alice,
      action: { name: 'view' },
      resource: { type: 'app' },
    });
    expect(apps.body.results.map((r: { id: string }) => r.id).sort()).toEqual(
      [ids.Payroll, ids.CRM, ids.Wiki].sort(),
    );
    const actions = await post('/search/action', {
      subject: { type: 'user', id: 'admin@acme.test' },
      resource: { type: 'app', id: 'payroll' },
    });
    expect(actions.body.results).toEqual([{ name: 'view' }, { name: 'edit' }]);
    const unknown = await post('/search/action', { subject: alice, resource: { type: 'account', id: 'x' } });
    expect(unknown.body).toMatchObject({
      results: [],
      page: { next_token: '' },
      context: { reason: 'unknown-resource-type' },
    });
  });
});

describe('who may ask', () => {
  it('a member asks about themselves only; subject search is for admins', async () => {
    const self = await post(
      '/evaluation',
      { subject: alice, resource: { type: 'app', id: 'payroll' }, action: { name: 'view' } },
      eve.token,
    );
    expect(self.body.decision).toBe(true);
    const other = await post(
      '/evaluation',
      {
        subject: { type: 'user', id: 'admin@acme.test' },
        resource: { type: 'app', id: 'payroll' },
        action: { name: 'view' },
      },
      eve.token,
    );
    expect(other.status).toBe(403);
    const box = await post(
      '/evaluations',
      {
        action: { name: 'view' },
        resource: { type: 'app', id: 'payroll' },
        evaluations: [{ subject: alice }, { subject: { type: 'user', id: 'admin@acme.test' } }],
      },
      eve.token,
    );
    expect(box.body.evaluations[0].decision).toBe(true);
    expect(box.body.evaluations[1]).toMatchObject({ decision: false, context: { error: { status: 403 } } });
    const search = await post(
      '/search/subject',
      { subject: { type: 'user' }, action: { name: 'view' }, resource: { type: 'app', id: 'payroll' } },
      eve.token,
    );
    expect(search.status).toBe(403);
    const theirs = await post(
      '/search/resource',
      {
        subject: { type: 'user', id: 'admin@acme.test' },
        action: { name: 'view' },
        resource: { type: 'app' },
      },
      eve.token,
    );
    expect(theirs.body).toMatchObject({ results: [], context: { reason: 'forbidden' } });
    expect((await api(t.url, 'POST', `${Z}/evaluation`, { body: {} })).status).toBe(401);
  });
});

describe('the examples of /api/openapi.json', () => {
  it('each AuthZEN operation’s example (the spec’s, in our vocabulary) answers as the spec shows', async () => {
    const doc = (await api(t.url, 'GET', '/api/openapi.json')).body;
    const example = (path: string) =>
      doc.paths[`/api/workspaces/{ws}/authzen/access/v1${path}`].post.requestBody.content['application/json']
        .example;
    const one = await post('/evaluation', example('/evaluation'));
    expect(one.body.decision).toBe(true);
    const box = await post('/evaluations', example('/evaluations'));
    expect(box.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, false, false]);
    const who = await post('/search/subject', example('/search/subject'));
    expect(who.body.results.map((r: { properties: { email: string } }) => r.properties.email)).toContain(
      'eve@acme.test',
    );
    const what = await post('/search/resource', example('/search/resource'));
    expect(what.body.results.map((r: { id: string }) => r.id)).toContain(ids.Payroll);
    const flags = await post('/search/action', example('/search/action'));
    expect(flags.status).toBe(200);
    expect(flags.body.results).toEqual([]);
  });
});

describe('AuthZEN discovery', () => {
  it('publishes the endpoints of the workspace’s decision point', async () => {
    const r = await api(t.url, 'GET', `${W}/authzen/.well-known/authzen-configuration`);
    expect(r.status).toBe(200);
    // Also at the well-known URI inserted before the path (a multi-tenant PDP under a path).
    const inserted = await api(t.url, 'GET', `/.well-known/authzen-configuration${W}/authzen`);
    expect(inserted.body).toEqual(r.body);
    const pdp = `${t.url}/api/workspaces/acme/authzen`;
    // Without PUBLIC_URL its URLs come from the Host header: no shared cache may keep a forged one.
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toEqual({
      policy_decision_point: pdp,
      access_evaluation_endpoint: `${pdp}/access/v1/evaluation`,
      access_evaluations_endpoint: `${pdp}/access/v1/evaluations`,
      search_subject_endpoint: `${pdp}/access/v1/search/subject`,
      search_resource_endpoint: `${pdp}/access/v1/search/resource`,
      search_action_endpoint: `${pdp}/access/v1/search/action`,
    });
  });
});
