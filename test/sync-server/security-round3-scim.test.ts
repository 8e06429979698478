/**
 * Security round 3, SCIM: a PATCH path or value naming `__proto__`, `constructor` or `prototype` must not
 * reach scim-patch, which walks paths with plain property access: `name.constructor.prototype.x` or
 * `urn:…:User:__proto__.x` set `x` on Object.prototype for the whole server process (every `{}` of every
 * request). They are 400 invalidPath and change nothing. The server runs in this process, so the test
 * sees the pollution itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, setup, startServer, type TestServer } from './helpers.ts';
import { GROUP, PATCH, ROLE_EXT, type ScimClient, scimConnection } from './scim-helpers.ts';

let t: TestServer;
let scim: ScimClient;
let adminId: string;

beforeAll(async () => {
  t = await startServer();
  const admin = await setup(t, 'acme');
  scim = await scimConnection(t, admin);
  const us = await api(t.url, 'GET', '/api/workspaces/acme/users', { token: admin });
  adminId = us.body.users[0].id;
});
afterAll(() => t.close());
const polluted = () => (Object.prototype as Record<string, unknown>).polluted;
afterEach(() => {
  delete (Object.prototype as Record<string, unknown>).polluted;
});

const op = (path: string | undefined, value: unknown, kind = 'add') => ({
  schemas: [PATCH],
  Operations: [{ op: kind, ...(path === undefined ? {} : { path }), value }],
});

const CASES: [string, unknown][] = [
  ['the extension’s __proto__', op(`${ROLE_EXT}:__proto__.polluted`, 'yes')],
  ['name.constructor.prototype', op('name.constructor.prototype.polluted', 'yes')],
  ['Replace of name.constructor.prototype', op('name.constructor.prototype.polluted', 'yes', 'Replace')],
  ['a path-less value keyed by such a path', op(undefined, { 'name.constructor.prototype.polluted': 'yes' })],
  ['a value carrying constructor.prototype', op('name', { constructor: { prototype: { polluted: 'yes' } } })],
  [
    'a path-less value carrying __proto__',
    JSON.parse(
      `{"schemas":["${PATCH}"],"Operations":[{"op":"add","value":{"name":{"__proto__":{"polluted":"yes"}}}}]}`,
    ),
  ],
];

describe('SCIM PATCH cannot reach Object.prototype', () => {
  for (const [label, body] of CASES)
    it(`${label}: 400 invalidPath, nothing polluted, nothing changed`, async () => {
      const before = await scim.call('GET', `/Users/${adminId}`);
      const r = await scim.call('PATCH', `/Users/${adminId}`, body);
      expect(polluted()).toBeUndefined();
      expect(r.status).toBe(400);
      expect(r.body.scimType).toBe('invalidPath');
      expect((await scim.call('GET', `/Users/${adminId}`)).body).toEqual(before.body);
    });

  it('a Group PATCH through members.constructor.prototype: the same 400', async () => {
    const g = await scim.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Payroll' });
    expect(g.status).toBe(201);
    const r = await scim.call(
      'PATCH',
      `/Groups/${g.body.id}`,
      op('members.constructor.prototype.polluted', 'yes'),
    );
    expect(polluted()).toBeUndefined();
    expect(r.status).toBe(400);
    expect(r.body.scimType).toBe('invalidPath');
  });

  it('an ordinary PATCH of name still works', async () => {
    const r = await scim.call('PATCH', `/Users/${adminId}`, op('name.givenName', 'Ada', 'replace'));
    expect(r.status).toBe(200);
    expect(r.body.name.givenName).toBe('Ada');
  });
});
