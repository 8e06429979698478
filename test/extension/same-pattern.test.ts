/**
 * Disagreement 4 of issue 9: two apps with the same URL pattern. The server's `/access?url=` and the
 * extension's match over the catalog and summary it decoded must name the same app (the older one),
 * whatever the ids.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expandSummary } from '../../core/index.ts';
import { matchSummaryApp } from '../../extension/match.ts';
import { decodeCatalog, decodeUserSummary } from '../../extension/summary.ts';
import { api, setup, startServer, type TestServer } from '../sync-server/helpers.ts';

const W = '/api/workspaces/acme';
const PATTERN = 'https://twin.corp.test/*';
const URL_ = 'https://twin.corp.test/page';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await startServer();
  admin = await setup(t);
});
afterAll(() => t.close());

async function createApp(name: string): Promise<{ id: string; createdAt: number }> {
  const r = await api(t.url, 'POST', `${W}/apps`, { token: admin, body: { name, urlPatterns: [PATTERN] } });
  expect(r.status).toBe(201);
  return r.body.app;
}

describe('two apps with the same URL pattern', () => {
  test('server and extension pick the same app: the older one, even when its id sorts last', async () => {
    const older = await createApp('Twin old');
    // The newer app must have the smaller id (ids are random): recreate until it does.
    let newer = null as { id: string } | null;
    for (let i = 0; i < 40 && !newer; i++) {
      await new Promise((r) => setTimeout(r, 3)); // a later createdAt
      const candidate = await createApp(`Twin new ${i}`);
      if (candidate.id < older.id) newer = candidate;
      else
        expect((await api(t.url, 'DELETE', `${W}/apps/${candidate.id}`, { token: admin })).status).toBe(200);
    }
    expect(newer).not.toBeNull();

    const res = await api(t.url, 'GET', `${W}/access?url=${encodeURIComponent(URL_)}`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.match.app.id).toBe(older.id);

    // The extension matches over the catalog's apps (which carry createdAt), joined with the summary.
    const summary = decodeUserSummary(res.body);
    const catalog = decodeCatalog((await api(t.url, 'GET', `${W}/access/catalog`, { token: admin })).body);
    expect(summary).not.toBeNull();
    expect(catalog).not.toBeNull();
    expect(matchSummaryApp(expandSummary(catalog!, summary!), URL_)?.id).toBe(older.id);
  });
});
