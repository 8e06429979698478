/**
 * /api/openapi.json describes what the server really answers: every route is called on a real server and
 * each reply is validated against the schema the document gives for its path, method and status (turned
 * back into zod with `z.fromJSONSchema`; the document's objects forbid members they do not name).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { api, PASSWORD, type Res, startServer, type TestServer } from './helpers.ts';
import { callSsoRoutes } from './sso-openapi-calls.ts';
import { callWebhookRoutes } from './webhook-openapi-calls.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Operation {
  readonly responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

let t: TestServer;
let doc: { paths: Record<string, Record<string, Operation>> };
const called = new Set<string>();

beforeAll(async () => {
  t = await startServer();
  doc = (await api(t.url, 'GET', '/api/openapi.json')).body;
});
afterAll(() => t.close());

/** Calls `template` (OpenAPI path, `{name}` parameters) and checks the reply against the document. */
async function call(
  method: Method,
  template: string,
  params: Record<string, string>,
  opts: { token?: string; body?: unknown; query?: string; headers?: Record<string, string> } = {},
): Promise<Res> {
  const op = doc.paths[template]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${template} is not in the document`);
  called.add(`${method} ${template}`);
  const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name]!));
  const res = await api(t.url, method, path + (opts.query ? `?${opts.query}` : ''), opts);
  const response = op.responses[String(res.status)] ?? op.responses.default;
  if (!response) throw new Error(`${method} ${template}: ${res.status} is not in the document`);
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
  if (res.status === 204 || type === '') {
    expect(
      response.content,
      `${method} ${template} ${res.status} has a body in the document`,
    ).toBeUndefined();
    return res;
  }
  const content = response.content?.[type];
  if (!content) throw new Error(`${method} ${template} ${res.status}: ${type} is not in the document`);
  if (type === 'application/json') {
    const parsed = z.fromJSONSchema(content.schema as never).safeParse(res.body);
    if (!parsed.success)
      throw new Error(
        `${method} ${template} ${res.status} does not match its schema: ${JSON.stringify(parsed.error.issues.slice(0, 5))}`,
      );
  }
  return res;
}

describe('replies match /api/openapi.json', () => {
  it('every route, success and error, answers what the document says', async () => {
    // Setup, sign-in, the account.
    expect((await call('GET', '/api/setup', {})).body.open).toBe(true);
    const setup = await call(
      'POST',
      '/api/setup',
      {},
      {
        body: {
          token: t.server.ctx.setupToken,
          workspace: { name: 'Acme', slug: 'acme' },
          admin: { email: 'admin@acme.test', name: 'Admin', password: PASSWORD },
        },
      },
    );
    expect(setup.status).toBe(201);
    const login = await call(
      'POST',
      '/api/login',
      {},
      { body: { email: 'admin@acme.test', password: PASSWORD } },
    );
    expect(login.status).toBe(200);
    const admin: string = login.body.token;
    const ws = 'acme';
    const W = '/api/workspaces/{ws}';
    expect((await call('GET', '/api/me', {}, { token: admin })).status).toBe(200);
    expect((await call('GET', '/api/me', {})).status).toBe(401);
    expect((await call('GET', '/api/session', {}, { token: admin })).body.me.account.email).toBe(
      'admin@acme.test',
    );
    expect((await call('GET', '/api/session', {})).body).toEqual({ me: null });
    expect(
      (await call('POST', '/api/workspaces', {}, { token: admin, body: { name: 'Beta', slug: 'beta' } }))
        .status,
    ).toBe(201);
    expect((await call('GET', W, { ws }, { token: admin })).status).toBe(200);

    // Users and invitations.
    const invite = (email: string, role: string) =>
      call('POST', `${W}/users`, { ws }, { token: admin, body: { email, name: email.split('@')[0], role } });
    expect(
      (
        await call(
          'POST',
          `${W}/users`,
          { ws },
          { token: admin, query: 'dryRun=true', body: { email: 'x@acme.test' } },
        )
      ).status,
    ).toBe(200);
    const invited = await invite('eve@acme.test', 'end-user');
    expect(invited.status).toBe(201);
    const eveId: string = invited.body.user.id;
    const invitation: string = invited.body.invitation.url.split('/invitations/')[1];
    expect((await call('GET', '/api/invitations/{token}', { token: invitation })).status).toBe(200);
    const accepted = await call(
      'POST',
      '/api/invitations/{token}/accept',
      { token: invitation },
      { body: { password: PASSWORD } },
    );
    expect(accepted.status).toBe(200);
    const eve: string = accepted.body.token;
    expect((await call('GET', `${W}/users`, { ws }, { token: admin })).status).toBe(200);
    expect(
      (await call('PATCH', `${W}/users/{id}`, { ws, id: eveId }, { token: admin, body: { name: 'Eve E.' } }))
        .status,
    ).toBe(200);
    const bob = (await invite('bob@acme.test', 'builder')).body.user.id as string;
    expect((await call('POST', `${W}/users/{id}/archive`, { ws, id: bob }, { token: admin })).status).toBe(
      200,
    );
    expect((await call('POST', `${W}/users/{id}/restore`, { ws, id: bob }, { token: admin })).status).toBe(
      200,
    );
    const reset = await call('POST', `${W}/users/{id}/password-reset`, { ws, id: eveId }, { token: admin });
    expect(reset.status).toBe(201);
    const resetToken = new URL(reset.body.reset.url).searchParams.get('token')!;
    expect(
      (
        await call(
          'POST',
          '/api/password-reset',
          {},
          { body: { token: resetToken, password: `${PASSWORD}!` } },
        )
      ).status,
    ).toBe(204);
    expect(
      (
        await call(
          'POST',
          '/api/password-reset',
          {},
          { body: { token: resetToken, password: `${PASSWORD}!` } },
        )
      ).status,
    ).toBe(410);

    // Apps, data sources.
    const app = await call(
      'POST',
      `${W}/apps`,
      { ws },
      { token: admin, body: { name: 'Payroll', urlPatterns: ['https://payroll.test/*'] } },
    );
    expect(app.status).toBe(201);
    const appId: string = app.body.app.id;
    expect(
      (await call('POST', `${W}/apps`, { ws }, { token: admin, query: 'dryRun=true', body: { name: 'Dry' } }))
        .status,
    ).toBe(200);
    expect((await call('GET', `${W}/apps`, { ws }, { token: admin })).status).toBe(200);
    expect(
      (
        await call(
          'PATCH',
          `${W}/apps/{id}`,
          { ws, id: appId },
          { token: admin, body: { name: 'Payroll 2' } },
        )
      ).status,
    ).toBe(200);
    const ds = await call('POST', `${W}/data-sources`, { ws }, { token: admin, body: { name: 'Warehouse' } });
    expect(ds.status).toBe(201);
    const dsId: string = ds.body.dataSource.id;
    expect((await call('GET', `${W}/data-sources`, { ws }, { token: admin })).status).toBe(200);
    expect(
      (
        await call(
          'PATCH',
          `${W}/data-sources/{id}`,
          { ws, id: dsId },
          { token: admin, body: { kind: 'mysql' } },
        )
      ).status,
    ).toBe(200);

    // Groups, members, permissions, grants.
    const G = `${W}/groups`;
    expect((await call('GET', G, { ws }, { token: admin })).status).toBe(200);
    expect((await call('POST', G, { ws }, { token: admin, body: { name: 42 } })).status).toBe(400);
    const group = await call('POST', G, { ws }, { token: admin, body: { name: 'Finance' } });
    expect(group.status).toBe(201);
    const id: string = group.body.group.id;
    expect((await call('POST', G, { ws }, { token: admin, body: { name: 'finance' } })).status).toBe(409);
    expect((await call('GET', `${G}/{id}`, { ws, id }, { token: admin })).status).toBe(200);
    expect((await call('GET', `${G}/{id}`, { ws, id: 'nope' }, { token: admin })).status).toBe(404);
    expect(
      (await call('PATCH', `${G}/{id}`, { ws, id }, { token: admin, body: { name: 'Finance team' } })).status,
    ).toBe(200);
    expect(
      (await call('POST', `${G}/{id}/members`, { ws, id }, { token: admin, body: { userIds: [eveId] } }))
        .status,
    ).toBe(200);
    const until = Date.now() + 86_400_000;
    expect(
      (
        await call(
          'PATCH',
          `${G}/{id}/members/{userId}`,
          { ws, id, userId: eveId },
          { token: admin, body: { expiresAt: until } },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await call(
          'PATCH',
          `${G}/{id}/members/{userId}`,
          { ws, id, userId: eveId },
          { token: admin, body: { expiresAt: until } },
        )
      ).status,
    ).toBe(422);
    expect(
      (await call('PUT', `${G}/{id}/permissions`, { ws, id }, { token: admin, body: { folderCRUD: true } }))
        .status,
    ).toBe(409);
    expect(
      (
        await call(
          'PUT',
          `${G}/{id}/permissions`,
          { ws, id },
          { token: admin, query: 'dryRun=true', body: { folderCRUD: true } },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await call(
          'PUT',
          `${G}/{id}/permissions`,
          { ws, id },
          { token: admin, body: { folderCRUD: true, allowRoleChange: true } },
        )
      ).status,
    ).toBe(200);
    const grant = await call(
      'POST',
      `${G}/{id}/grants`,
      { ws, id },
      {
        token: admin,
        body: { name: 'Payroll', resourceType: 'app', scope: 'custom', resourceIds: [appId], level: 'view' },
      },
    );
    expect(grant.status).toBe(201);
    const grantId: string = grant.body.grant.id;
    expect(
      (
        await call(
          'PATCH',
          `${G}/{id}/grants/{grantId}`,
          { ws, id, grantId },
          { token: admin, body: { hideFromDashboard: true } },
        )
      ).status,
    ).toBe(200);
    expect((await call('POST', `${G}/{id}/duplicate`, { ws, id }, { token: admin, body: {} })).status).toBe(
      201,
    );

    // Access, as the member.
    expect((await call('GET', `${W}/access`, { ws }, { token: eve })).status).toBe(401); // reset ended her sessions
    const eveAgain = (
      await call('POST', '/api/login', {}, { body: { email: 'eve@acme.test', password: `${PASSWORD}!` } })
    ).body.token as string;
    expect((await call('GET', `${W}/access`, { ws }, { token: eveAgain })).status).toBe(200);

    // Access requests, by an End-user: Edit on Payroll through a group that grants it (denied: roles stay).
    const ivan = await invite('ivan@acme.test', 'end-user');
    const ivanInvitation: string = ivan.body.invitation.url.split('/invitations/')[1];
    const ivanToken: string = (
      await call(
        'POST',
        '/api/invitations/{token}/accept',
        { token: ivanInvitation },
        { body: { password: PASSWORD } },
      )
    ).body.token;
    const editors = await call('POST', G, { ws }, { token: admin, body: { name: 'Payroll editors' } });
    const edit = { name: 'Edit', resourceType: 'app', scope: 'custom', resourceIds: [appId], level: 'edit' };
    expect(
      (
        await call(
          'POST',
          `${G}/{id}/grants`,
          { ws, id: editors.body.group.id },
          { token: admin, body: edit },
        )
      ).status,
    ).toBe(201);
    const Q = `${W}/requests`;
    const asked = { resourceType: 'app', resourceId: appId, level: 'edit', reason: 'Close', duration: '1d' };
    const optionsQuery = `resourceType=app&resourceId=${appId}&level=edit`;
    expect(
      (await call('GET', `${Q}/options`, { ws }, { token: ivanToken, query: optionsQuery })).status,
    ).toBe(200);
    expect((await call('GET', `${Q}/options`, { ws }, { token: ivanToken })).status).toBe(400);
    const request = await call('POST', Q, { ws }, { token: ivanToken, body: asked });
    expect(request.status).toBe(201);
    const requestId: string = request.body.request.id;
    expect((await call('POST', Q, { ws }, { token: ivanToken, body: asked })).status).toBe(409);
    expect((await call('GET', `${Q}/mine`, { ws }, { token: ivanToken })).status).toBe(200);
    expect((await call('GET', Q, { ws }, { token: admin })).status).toBe(200);
    expect((await call('GET', `${Q}/{id}`, { ws, id: requestId }, { token: admin })).status).toBe(200);
    expect((await call('GET', `${Q}/{id}`, { ws, id: 'nope' }, { token: admin })).status).toBe(404);
    const approve = `${Q}/{id}/approve`;
    expect((await call('POST', approve, { ws, id: requestId }, { token: admin, body: {} })).status).toBe(409);
    expect(
      (await call('POST', approve, { ws, id: requestId }, { token: admin, body: {}, query: 'dryRun=true' }))
        .status,
    ).toBe(200);
    const deny = `${Q}/{id}/deny`;
    expect(
      (await call('POST', deny, { ws, id: requestId }, { token: admin, body: { reason: 'No' } })).status,
    ).toBe(200);
    expect(
      (await call('POST', deny, { ws, id: requestId }, { token: admin, body: { reason: 'No' } })).status,
    ).toBe(409);
    // Cancel: the requester's own (decided now: 409), someone else's reads as unknown.
    const cancel = `${Q}/{id}/cancel`;
    expect((await call('POST', cancel, { ws, id: requestId }, { token: ivanToken })).status).toBe(409);
    expect((await call('POST', cancel, { ws, id: requestId }, { token: admin })).status).toBe(404);
    const matched = await call(
      'GET',
      `${W}/access`,
      { ws },
      { token: eveAgain, query: `url=${encodeURIComponent('https://payroll.test/run')}` },
    );
    expect(matched.body.match.app.id).toBe(appId);
    // The summary names the catalog it indexes (its ETag), and the catalog lists the app.
    const catalog = await call('GET', `${W}/access/catalog`, { ws }, { token: eveAgain });
    expect(catalog.headers.get('etag')).toBe(`"${matched.body.catalog}"`);
    expect(catalog.body.apps.map((a: { id: string }) => a.id)).toContain(appId);
    const notModified = await call(
      'GET',
      `${W}/access/catalog`,
      { ws },
      { token: eveAgain, headers: { 'if-none-match': catalog.headers.get('etag')! } },
    );
    expect(notModified.status).toBe(304);
    expect((await call('GET', `${W}/groups`, { ws }, { token: eveAgain })).status).toBe(403);
    const events = new AbortController();
    const stream = await fetch(`${t.url}/api/workspaces/${ws}/access/events`, {
      headers: { authorization: `Bearer ${eveAgain}` },
      signal: events.signal,
    });
    called.add(`GET ${W}/access/events`);
    expect(stream.status).toBe(200);
    const sse = doc.paths[`${W}/access/events`]!.get!.responses['200']!.content!;
    expect(Object.keys(sse)).toContain(stream.headers.get('content-type')!.split(';')[0]);
    events.abort();

    // Audit, conflicts, tokens.
    expect((await call('GET', `${W}/audit`, { ws }, { token: admin, query: 'limit=5' })).status).toBe(200);
    expect((await call('GET', `${W}/audit`, { ws }, { token: admin, query: 'format=csv' })).status).toBe(200);
    expect((await call('GET', `${W}/audit`, { ws }, { token: admin, query: 'limit=0' })).status).toBe(400);
    // Permission history (issue 15): each route at a moment just past, and one before the history.
    const past = Date.now() - 1;
    for (const [route, query] of [
      ['access', `at=${past}`],
      ['diff', `from=${past}`],
      ['diff', `from=${past}&format=csv`],
      ['timeline/user', ''],
      ['timeline/app', `app=${appId}`],
      ['doc', `at=${past}`],
      ['bounds', ''],
      ['review', ''],
      ['review', 'format=csv'],
    ] as const)
      expect((await call('GET', `${W}/history/${route}`, { ws }, { token: admin, query })).status).toBe(200);
    expect(
      (await call('GET', `${W}/history/access`, { ws }, { token: admin, query: 'at=1000' })).status,
    ).toBe(404);
    const [lastEntry] = (await call('GET', `${W}/audit`, { ws }, { token: admin, query: 'limit=1' })).body
      .entries;
    const undoPreview = await call(
      'POST',
      `${W}/history/undo`,
      { ws },
      { token: admin, body: { auditId: lastEntry.id }, query: 'dryRun=true' },
    );
    expect([200, 409, 422]).toContain(undoPreview.status);
    expect(
      (await call('POST', `${W}/history/undo`, { ws }, { token: admin, body: { auditId: 999_999 } })).status,
    ).toBe(404);
    expect((await call('GET', `${W}/conflicts`, { ws }, { token: admin })).status).toBe(200);
    expect(
      (await call('POST', `${W}/conflicts/{id}/resolve`, { ws, id: 'nope' }, { token: admin })).status,
    ).toBe(404);
    const token = await call('POST', `${W}/tokens`, { ws }, { token: admin, body: { name: 'CI' } });
    expect(token.status).toBe(201);
    expect((await call('GET', `${W}/tokens`, { ws }, { token: admin })).status).toBe(200);
    expect(
      (await call('DELETE', `${W}/tokens/{id}`, { ws, id: token.body.token.id }, { token: admin })).status,
    ).toBe(204);

    // AuthZEN (issue 14): each endpoint once, a yes, a no and a 400 (their cases: authzen.test.ts).
    const Z = `${W}/authzen/access/v1`;
    const az = (path: string, body: unknown) => call('POST', `${Z}${path}`, { ws }, { token: admin, body });
    const subject = { type: 'user', id: 'admin@acme.test' };
    const resource = { type: 'app', id: appId };
    expect((await az('/evaluation', { subject, resource, action: { name: 'view' } })).body.decision).toBe(
      true,
    );
    expect((await az('/evaluation', { subject, resource, action: { name: 'fly' } })).body.decision).toBe(
      false,
    );
    expect((await az('/evaluation', { subject })).status).toBe(400);
    const items = [{ resource }, { resource: { type: 'app', id: 'nope' } }, { subject: undefined }];
    expect((await az('/evaluations', { subject, action: { name: 'edit' }, evaluations: items })).status).toBe(
      200,
    );
    expect((await az('/evaluations', { subject, resource, action: { name: 'view' } })).body.decision).toBe(
      true,
    );
    const page = { limit: 1 };
    expect(
      (await az('/search/subject', { subject: { type: 'user' }, action: { name: 'view' }, resource, page }))
        .status,
    ).toBe(200);
    expect(
      (await az('/search/resource', { subject, action: { name: 'view' }, resource: { type: 'app' } })).status,
    ).toBe(200);
    expect((await az('/search/action', { subject, resource: { type: 'x', id: 'y' } })).body.results).toEqual(
      [],
    );
    expect((await call('GET', `${W}/authzen/.well-known/authzen-configuration`, { ws })).status).toBe(200);
    expect((await call('GET', `/.well-known/authzen-configuration${W}/authzen`, { ws })).status).toBe(200);

    // Decision tokens and check access (issue 14; their cases: decision-tokens*.test.ts).
    const dt = await call('POST', `${W}/decision-tokens`, { ws }, { token: admin, body: { name: 'nginx' } });
    expect(dt.status).toBe(201);
    expect((await call('GET', `${W}/decision-tokens`, { ws }, { token: admin })).status).toBe(200);
    const revoke = { ws, id: dt.body.token.id };
    expect((await call('DELETE', `${W}/decision-tokens/{id}`, revoke, { token: admin })).status).toBe(204);
    // SCIM connections (issue 13; their cases: scim-*.test.ts).
    const sc = await call('POST', `${W}/scim-connections`, { ws }, { token: admin, body: { name: 'Okta' } });
    expect(sc.status).toBe(201);
    const ofSc = { ws, id: sc.body.connection.id };
    const stk = await call('POST', `${W}/scim-connections/{id}/tokens`, ofSc, { token: admin });
    expect(stk.status).toBe(201);
    expect((await call('GET', `${W}/scim-connections`, { ws }, { token: admin })).status).toBe(200);
    const upgrade = { token: admin, body: { mayUpgradeRoles: true } };
    expect((await call('PATCH', `${W}/scim-connections/{id}`, ofSc, upgrade)).status).toBe(409);
    const renamed = { token: admin, body: { name: 'Okta 2' } };
    expect((await call('PATCH', `${W}/scim-connections/{id}`, ofSc, renamed)).status).toBe(200);
    expect((await call('GET', `${W}/scim-connections/{id}/requests`, ofSc, { token: admin })).status).toBe(
      200,
    );
    const ofStk = { ...ofSc, tokenId: stk.body.token.id };
    expect(
      (await call('DELETE', `${W}/scim-connections/{id}/tokens/{tokenId}`, ofStk, { token: admin })).status,
    ).toBe(204);
    expect((await call('DELETE', `${W}/scim-connections/{id}`, ofSc, { token: admin })).status).toBe(204);
    const ofEve = { ws, id: eveId };
    expect((await call('GET', `${W}/users/{id}/access`, ofEve, { token: admin })).status).toBe(200);
    const explained = { token: admin, query: `resource=app:${appId}` };
    expect((await call('GET', `${W}/users/{id}/explain`, ofEve, explained)).status).toBe(200);
    const bad = { token: admin, query: 'resource=nothing' };
    expect((await call('GET', `${W}/users/{id}/explain`, ofEve, bad)).status).toBe(400);

    await callSsoRoutes(call, admin, ws);
    await callWebhookRoutes(call, t.server.ctx.storage, admin, ws);

    // Deletes last: they answer the impact.
    expect(
      (await call('DELETE', `${G}/{id}/grants/{grantId}`, { ws, id, grantId }, { token: admin })).status,
    ).toBe(200);
    expect(
      (
        await call(
          'DELETE',
          `${G}/{id}/members/{userId}`,
          { ws, id, userId: eveId },
          { token: admin, query: 'dryRun=true' },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await call(
          'DELETE',
          `${G}/{id}/members/{userId}`,
          { ws, id, userId: eveId },
          { token: admin, body: undefined },
        )
      ).status,
    ).toBe(200);
    expect((await call('DELETE', `${G}/{id}`, { ws, id }, { token: admin })).status).toBe(200);
    expect((await call('DELETE', `${W}/apps/{id}`, { ws, id: appId }, { token: admin })).status).toBe(200);
    expect((await call('DELETE', `${W}/data-sources/{id}`, { ws, id: dsId }, { token: admin })).status).toBe(
      200,
    );
    // Forward auth: X-Forwarded-* from no trusted proxy are refused; a return URL of no app is refused.
    const forwarded = { 'x-forwarded-method': 'GET', 'x-forwarded-host': 'hr.test' };
    expect(
      (await call('GET', '/api/forward-auth', {}, { query: `ws=${ws}`, headers: forwarded })).status,
    ).toBe(403);
    expect(
      (await call('GET', '/api/forward-auth/return', {}, { query: `ws=${ws}&rd=https%3A%2F%2Fevil.test%2F` }))
        .status,
    ).toBe(400);
    expect((await call('GET', '/api/openapi.json', {})).status).toBe(200);
    expect((await call('POST', '/api/logout', {}, { token: admin })).status).toBe(204);

    // Every operation of the document was called.
    const all = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(all.filter((op) => !called.has(op))).toEqual([]);
  });

  it('the schemas are strict: a missing member, a wrong type or an unnamed member fails', () => {
    const schema = doc.paths['/api/workspaces/{ws}/groups']!.get!.responses['200']!.content![
      'application/json'
    ]!.schema as never;
    const groups = z.fromJSONSchema(schema);
    expect(groups.safeParse({ groups: [] }).success).toBe(true);
    expect(groups.safeParse({ groups: [{ id: 'x' }] }).success).toBe(false);
    expect(groups.safeParse({ groups: 'none' }).success).toBe(false);
    expect(groups.safeParse({ groups: [], more: 1 }).success).toBe(false);
  });

  it('every operation documents its success reply and the error shape', () => {
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const statuses = Object.keys(op.responses);
        expect(
          statuses.some((s) => /^2/.test(s)),
          `${method} ${path}`,
        ).toBe(true);
        expect(
          op.responses.default?.content?.['application/json']?.schema,
          `${method} ${path}`,
        ).toBeDefined();
      }
  });
});
