/**
 * Decision tokens (issue 14) on a real server: created by admins with the secret shown once and stored
 * hashed; usable only on the AuthZEN endpoints of their workspace (everything else 401/403 with a clear
 * message); asking about any subject with no rights of their own; rate-limited per token before any
 * decision work; uses counted in batches, not a write per request; revoked at the next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecisionTokens } from '../../sync-server/auth/decision-tokens.ts';
import { DECISION_TOKEN_PREFIX, hashToken } from '../../sync-server/auth/tokens.ts';
import { createLogger } from '../../sync-server/log.ts';
import { addUser, api, setup, startServer, type TestServer, tempDir } from './helpers.ts';

const RATE = 25;
let t: TestServer;
let admin: string;
let eve: { userId: string; token: string };
const W = '/api/workspaces/acme';
const Z = `${W}/authzen/access/v1`;
const T = `${W}/decision-tokens`;

const create = async (name: string, token = admin) => {
  const r = await api(t.url, 'POST', T, { token, body: { name } });
  expect(r.status, r.text).toBe(201);
  return r.body as { token: { id: string; name: string }; secret: string };
};
/** May the subject edit the Wiki (an end-user may not; an admin may)? */
const evaluate = (secret: string, subject = 'eve@acme.test', ws = 'acme') =>
  api(t.url, 'POST', `/api/workspaces/${ws}/authzen/access/v1/evaluation`, {
    token: secret,
    body: {
      subject: { type: 'user', id: subject },
      resource: { type: 'app', id: 'wiki' },
      action: { name: 'edit' },
    },
  });
const listed = async () =>
  (await api(t.url, 'GET', T, { token: admin })).body.tokens as Record<string, unknown>[];

beforeAll(async () => {
  t = await startServer({ decisionTokenRequestsPerMinute: RATE, allowWorkspaceCreation: 'all' });
  admin = await setup(t, 'acme');
  eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  expect((await api(t.url, 'POST', `${W}/apps`, { token: admin, body: { name: 'Wiki' } })).status).toBe(201);
  const other = await api(t.url, 'POST', '/api/workspaces', {
    token: eve.token,
    body: { name: 'Other', slug: 'other' },
  });
  expect(other.status).toBe(201);
});
afterAll(() => t.close());

describe('decision tokens', () => {
  it('are created by admins: the secret once, its own prefix, stored hashed, listed without it', async () => {
    const { token, secret } = await create('  nginx at the edge  ');
    expect(secret.startsWith(DECISION_TOKEN_PREFIX)).toBe(true);
    expect(secret.length).toBeGreaterThan(40);
    expect(token.name).toBe('nginx at the edge');
    const stored = await t.server.ctx.storage.decisionTokenByHash(hashToken(secret));
    expect(stored?.id).toBe(token.id);
    expect(JSON.stringify(stored)).not.toContain(secret);
    const row = (await listed()).find((x) => x.id === token.id);
    expect(row).toMatchObject({
      name: 'nginx at the edge',
      createdBy: { email: 'admin@acme.test' },
      lastUsedAt: null,
      requests: 0,
    });
    expect(JSON.stringify(await listed())).not.toContain(secret);
    const blank = await api(t.url, 'POST', T, { token: admin, body: { name: '   ' } });
    expect(blank.status).toBe(400);
    expect(blank.body.error.details[0].path).toBe('name');
    // A person who is not an admin may not create, list or revoke them.
    expect((await api(t.url, 'POST', T, { token: eve.token, body: { name: 'x' } })).status).toBe(403);
    expect((await api(t.url, 'GET', T, { token: eve.token })).status).toBe(403);
  });

  it('ask about any subject with no rights of their own; the answer is core’s, reasons included', async () => {
    const { secret } = await create('wiki app');
    const no = await evaluate(secret);
    expect(no.status, no.text).toBe(200);
    expect(no.body.decision).toBe(false);
    expect(no.body.context.reason).toBe('not-granted');
    const yes = await evaluate(secret, 'admin@acme.test');
    expect(yes.body).toMatchObject({ decision: true, context: { reason: 'granted' } });
    // Every AuthZEN endpoint takes it, subject search (an access review) included.
    const search = await api(t.url, 'POST', `${Z}/search/subject`, {
      token: secret,
      body: { subject: { type: 'user' }, action: { name: 'view' }, resource: { type: 'app', id: 'wiki' } },
    });
    expect(search.status, search.text).toBe(200);
    expect(search.body.results.map((r: { id: string }) => r.id)).toContain(eve.userId);
    const boxcar = await api(t.url, 'POST', `${Z}/evaluations`, {
      token: secret,
      body: {
        subject: { type: 'user', id: 'eve@acme.test' },
        evaluations: [{ action: { name: 'edit' }, resource: { type: 'app', id: 'wiki' } }],
      },
    });
    expect(boxcar.body.evaluations[0].decision).toBe(false);
  });

  it('are refused everywhere else with a clear message, and in other workspaces as unknown ones', async () => {
    const { secret } = await create('proxy');
    for (const [method, path] of [
      ['GET', `${W}/groups`],
      ['GET', `${W}/access`],
      ['GET', T],
      ['POST', `${W}/apps`],
      ['GET', '/api/me'],
    ] as const) {
      const r = await api(t.url, method, path, {
        token: secret,
        body: method === 'POST' ? { name: 'x' } : undefined,
      });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error.code).toBe('decision-token-not-allowed');
      expect(r.body.error.message).toContain('AuthZEN');
    }
    const elsewhere = await evaluate(secret, 'eve@acme.test', 'other');
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.message).toBe('Workspace not found');
    expect((await evaluate(secret, 'eve@acme.test', 'nope')).text).toBe(elsewhere.text);
    const forged = `${DECISION_TOKEN_PREFIX}${'A'.repeat(43)}`;
    const r = await evaluate(forged);
    expect(r.status).toBe(401);
    expect(r.body.error.message).toContain('not valid');
    expect((await api(t.url, 'GET', `${W}/groups`, { token: forged })).status).toBe(401);
  });

  it('a person’s own token keeps their rights on AuthZEN: an end-user may not ask about others', async () => {
    const r = await evaluate(eve.token, 'admin@acme.test');
    expect(r.status).toBe(403);
    expect((await evaluate(eve.token, 'eve@acme.test')).status).toBe(200);
  });

  it('are rate-limited per token before any work (a bad body past the limit is still a 429)', async () => {
    const a = await create('busy');
    const b = await create('quiet');
    for (let i = 0; i < RATE; i++) expect((await evaluate(a.secret)).status).toBe(200);
    const limited = await api(t.url, 'POST', `${Z}/evaluation`, { token: a.secret, raw: '{not json' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error.message).toContain(`more than ${RATE} requests this minute`);
    expect((await evaluate(b.secret)).status).toBe(200); // the limit is per token
    const row = (await listed()).find((x) => x.id === a.token.id)!;
    expect(row.requests).toBe(RATE); // refused requests are not counted as uses
  });

  it('count every use (last used, requests) and revoke at the next request', async () => {
    const { token, secret } = await create('counted');
    const before = Date.now();
    for (let i = 0; i < 3; i++) await evaluate(secret);
    const row = (await listed()).find((x) => x.id === token.id)!;
    expect(row.requests).toBe(3);
    expect(row.lastUsedAt as number).toBeGreaterThanOrEqual(before);
    await t.server.ctx.decisionTokens.flush();
    const { storage } = t.server.ctx;
    const stored = await storage.listDecisionTokens((await storage.workspaceBySlug('acme'))!.id);
    expect(stored.find((x) => x.id === token.id)?.requestCount).toBe(3);
    expect((await listed()).find((x) => x.id === token.id)!.requests).toBe(3); // not counted twice
    expect((await api(t.url, 'DELETE', `${T}/${token.id}`, { token: admin })).status).toBe(204);
    expect((await evaluate(secret)).status).toBe(401);
    expect((await api(t.url, 'DELETE', `${T}/${token.id}`, { token: admin })).status).toBe(404);
    expect((await listed()).some((x) => x.id === token.id)).toBe(false);
  });

  it('are in the OpenAPI document', async () => {
    const doc = (await api(t.url, 'GET', '/api/openapi.json')).body;
    expect(Object.keys(doc.paths[`/api/workspaces/{ws}/decision-tokens`])).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths[`/api/workspaces/{ws}/decision-tokens/{id}`])).toEqual(['delete']);
    expect(
      doc.paths['/api/workspaces/{ws}/authzen/access/v1/evaluation'].post.responses['429'],
    ).toBeDefined();
  });
});

describe('decision token use counts', () => {
  it('are written in one batch, not per request, and survive a restart (flushed at shutdown)', async () => {
    const dataDir = tempDir();
    let s = await startServer({ dataDir });
    const adminToken = await setup(s, 'acme');
    const made = await api(s.url, 'POST', T, { token: adminToken, body: { name: 'p' } });
    const { storage } = s.server.ctx;
    // The server's own counter writes every few seconds; one made here writes only when flushed.
    const counter = createDecisionTokens(storage, 1_000, createLogger('silent'));
    try {
      for (let i = 0; i < 50; i++) expect((await counter.verify(made.body.secret, null)).ok).toBe(true);
      const wsId = (await storage.workspaceBySlug('acme'))!.id;
      const stored = async () => (await storage.listDecisionTokens(wsId))[0];
      expect((await stored())?.requestCount).toBe(0);
      expect(counter.pending(made.body.token.id)?.requests).toBe(50);
      await counter.flush();
      expect((await stored())?.requestCount).toBe(50);
      expect(counter.pending(made.body.token.id)).toBeUndefined();
    } finally {
      await counter.close();
    }
    for (let i = 0; i < 4; i++)
      expect(
        (
          await api(s.url, 'POST', `${W}/authzen/access/v1/evaluation`, {
            token: made.body.secret,
            body: {
              subject: { type: 'user', id: 'admin@acme.test' },
              resource: { type: 'workspace', id: 'acme' },
              action: { name: 'app.create' },
            },
          })
        ).status,
      ).toBe(200);
    await s.close();
    s = await startServer({ dataDir });
    try {
      const again = await api(s.url, 'GET', T, { token: await loginAgain(s) });
      expect(again.body.tokens[0].requests).toBe(54);
    } finally {
      await s.close();
    }
  });
});

describe('decision token rate limit', () => {
  it('is taken before the lookup (a limited request costs no query) and forged secrets never fill it', async () => {
    const s = await startServer();
    try {
      const adminToken = await setup(s, 'acme');
      const made = await api(s.url, 'POST', T, { token: adminToken, body: { name: 'p' } });
      const { storage } = s.server.ctx;
      let lookups = 0;
      const counting = {
        decisionTokenByHash: (h: string) => {
          lookups++;
          return storage.decisionTokenByHash(h);
        },
        addDecisionTokenUses: storage.addDecisionTokenUses.bind(storage),
      };
      const tokens = createDecisionTokens(counting, 2, createLogger('silent'));
      try {
        const forged = `${DECISION_TOKEN_PREFIX}${'B'.repeat(43)}`;
        for (let i = 0; i < 5; i++) expect((await tokens.verify(forged, null)).ok).toBe(false);
        expect((await tokens.verify(forged, null)) as { code: string }).toMatchObject({
          code: 'unauthorized',
        });
        lookups = 0;
        expect((await tokens.verify(made.body.secret, 'another-workspace')).ok).toBe(false); // not counted
        expect((await tokens.verify(made.body.secret, null)).ok).toBe(true);
        expect((await tokens.verify(made.body.secret, null)).ok).toBe(true);
        expect(lookups).toBe(3);
        const limited = await tokens.verify(made.body.secret, null);
        expect(limited).toMatchObject({ ok: false, code: 'rate-limited' });
        expect(lookups).toBe(3);
      } finally {
        await tokens.close();
      }
    } finally {
      await s.close();
    }
  });
});

async function loginAgain(s: TestServer): Promise<string> {
  const { login } = await import('./helpers.ts');
  return login(s, 'admin@acme.test');
}
