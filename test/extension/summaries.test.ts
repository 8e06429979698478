/** The worker's session and summary cache against a scripted API: ETag, stale marking, sign-in errors. */
import { describe, expect, test } from 'vitest';
import type { AccessAnswer, Api, createApi, HeldAccess, Me } from '../../extension/background/api.ts';
import { createItems } from '../../extension/background/items.ts';
import { createSummaries } from '../../extension/background/summaries.ts';
import { type ExtErrorCode, type ExtResult, extFail, extOk } from '../../extension/errors.ts';
import { memoryArea, summaryFixture } from './fixtures.ts';

interface FakeServer {
  up: boolean;
  password: string;
  workspaces: Me['workspaces'];
  access: HeldAccess;
  calls: string[];
  revoked: boolean;
}

function fakeApi(server: FakeServer): typeof createApi {
  const down = <T>(): ExtResult<T> | null => (server.up ? null : extFail('unreachable'));
  return ((_url: string, token: string | null = null) => {
    const authed = <T>(fn: () => ExtResult<T>): ExtResult<T> =>
      down<T>() ?? (server.revoked || token !== 'tok' ? extFail('signed-out' as ExtErrorCode) : fn());
    const api: Api = {
      async login(email, password) {
        server.calls.push('login');
        return (
          down() ??
          (password === server.password
            ? extOk({ token: 'tok', account: { email, name: 'Vic' } })
            : extFail('wrong-password'))
        );
      },
      async logout() {
        server.calls.push('logout');
      },
      async requestAccess() {
        return extFail('request-refused');
      },
      async myRequests() {
        return extOk([]);
      },
      async me() {
        server.calls.push('me');
        return authed(() =>
          extOk({ account: { email: 'vic@corp.test', name: 'Vic' }, workspaces: server.workspaces }),
        );
      },
      async access(ws, held) {
        server.calls.push(`access ${ws} ${held?.etag ?? '-'}`);
        return authed<AccessAnswer>(() =>
          held?.etag === server.access.etag
            ? extOk({ changed: false })
            : extOk({ changed: true, access: server.access }),
        );
      },
      async events() {},
    };
    return api;
  }) as typeof createApi;
}

function setup() {
  const f = summaryFixture();
  const server: FakeServer = {
    up: true,
    password: 'right',
    workspaces: [{ slug: 'nexus', name: 'Nexus', role: 'end-user', status: 'active' }],
    access: f.held('viewer', '"v1"'),
    calls: [],
    revoked: false,
  };
  let clock = 1000;
  const area = memoryArea();
  const make = () =>
    createSummaries({ items: createItems(area), createApi: fakeApi(server), now: () => (clock += 1000) });
  return { f, server, area, make, summaries: make() };
}

describe('sign-in', () => {
  test('wrong password, unreachable server, bad URL, bad token: clear errors and no session', async () => {
    const { server, summaries } = setup();
    const signIn = (password: string) =>
      summaries.signIn({ serverUrl: 'http://localhost:1', email: 'vic@corp.test', password });
    expect(await signIn('wrong')).toMatchObject({ ok: false, error: { code: 'wrong-password' } });
    server.up = false;
    expect(await signIn('right')).toMatchObject({ ok: false, error: { code: 'unreachable' } });
    expect(await summaries.signIn({ serverUrl: 'ftp://x', email: 'a', password: 'b' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-server-url' },
    });
    server.up = true;
    expect(await summaries.signIn({ serverUrl: 'http://localhost:1', token: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-token' },
    });
    expect(await summaries.getSession()).toBeNull();
  });

  test('signs in with a password or a token and caches every workspace', async () => {
    const { summaries, server, f } = setup();
    const r = await summaries.signIn({
      serverUrl: 'localhost:1/',
      email: 'vic@corp.test',
      password: 'right',
    });
    expect(r).toMatchObject({ ok: true, value: { serverUrl: 'http://localhost:1', token: 'tok' } });
    expect((await summaries.cached('nexus'))?.summary).toEqual(f.viewer);
    await summaries.signOut();
    expect(server.calls).toContain('logout');
    expect(await summaries.cached('nexus')).toBeNull();
    expect(await summaries.signIn({ serverUrl: 'http://localhost:1', token: 'tok' })).toMatchObject({
      ok: true,
    });
  });

  test('an account in no workspace is signed in with an empty list', async () => {
    const { summaries, server } = setup();
    server.workspaces = [];
    const r = await summaries.signIn({
      serverUrl: 'http://localhost:1',
      email: 'vic@corp.test',
      password: 'right',
    });
    expect(r).toMatchObject({ ok: true, value: { workspaces: [] } });
  });
});

describe('refresh', () => {
  test('sends the ETag, keeps the summary on 304, marks it stale when the server is gone', async () => {
    const { summaries, server, f, make } = setup();
    await summaries.signIn({ serverUrl: 'http://localhost:1', token: 'tok' });
    const changes: (string | null)[] = [];
    summaries.onChange((ws) => changes.push(ws));

    const first = (await summaries.cached('nexus'))!;
    const again = (await summaries.refresh('nexus'))!;
    expect(server.calls.at(-1)).toBe('access nexus "v1"');
    expect(again.summary).toEqual(first.summary);
    expect(again.fetchedAt).toBeGreaterThan(first.fetchedAt);
    expect(changes).toEqual([]);

    server.up = false;
    const stale = (await summaries.refresh('nexus'))!;
    expect(stale).toMatchObject({ stale: true, staleReason: 'unreachable', fetchedAt: again.fetchedAt });
    expect(changes).toEqual(['nexus']);
    // The stale summary survives a worker restart (storage), still marked stale.
    expect(await make().cached('nexus')).toMatchObject({ stale: true, summary: f.viewer });

    server.up = true;
    server.access = f.held('outsider', '"v2"');
    const fresh = (await summaries.refresh('nexus'))!;
    expect(fresh).toMatchObject({ stale: false, staleReason: null, etag: '"v2"', summary: f.outsider });
    expect(changes).toEqual(['nexus', 'nexus']);
  });

  test('a revoked session keeps the summary, stale with reason signed-out', async () => {
    const { summaries, server } = setup();
    await summaries.signIn({ serverUrl: 'http://localhost:1', token: 'tok' });
    server.revoked = true;
    expect(await summaries.refresh('nexus')).toMatchObject({ stale: true, staleReason: 'signed-out' });
  });

  test('refreshes asked for while one runs coalesce into one more run', async () => {
    const { summaries, server } = setup();
    await summaries.signIn({ serverUrl: 'http://localhost:1', token: 'tok' });
    server.calls.length = 0;
    await Promise.all([summaries.refresh('nexus'), summaries.refresh('nexus'), summaries.refresh('nexus')]);
    expect(server.calls.filter((c) => c.startsWith('access')).length).toBe(2);
  });

  test('a workspace the account left is dropped from the cache', async () => {
    const { summaries, server } = setup();
    await summaries.signIn({ serverUrl: 'http://localhost:1', token: 'tok' });
    server.workspaces = [];
    await summaries.refreshAll();
    expect(await summaries.cached('nexus')).toBeNull();
  });
});
