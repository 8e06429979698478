/**
 * A Gatehouse server on PostgreSQL while PostgreSQL goes away and comes back: sync sockets are closed
 * with 1013, REST writes answer 503 with Retry-After, nothing uncommitted reaches another client, and
 * everything recovers on its own (clients keep their edits and resync).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '../../core/index.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import {
  api,
  connect,
  groupNames,
  run,
  serversPerTest,
  setup,
  synced,
  until,
} from '../sync-server/helpers.ts';

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => pg.stop());
const start = serversPerTest();

describe('a server on PostgreSQL during an outage', () => {
  it('closes sockets with 1013, answers 503 Retry-After, relays nothing, and recovers', async () => {
    if (!pg.owned) return; // DATABASE_URL's server is not ours to kill
    const t = await start({ databaseUrl: await pg.createDatabase(), credentialRecheckMs: 60_000 });
    const token = await setup(t);
    const a = connect(t, 'acme', token);
    const b = connect(t, 'acme', token);
    await Promise.all([synced(a), synced(b)]);
    run(a.doc, { type: 'group.create', name: 'Before' });
    await until(() => groupNames(b.doc).includes('Before'), 5000, 'relay before the outage');

    await pg.kill();
    await until(() => a.closes.some((c) => c.code === CLOSE.tryAgainLater), 10_000, 'close 1013');
    await until(() => b.closes.some((c) => c.code === CLOSE.tryAgainLater), 10_000, 'close 1013 (b)');
    const write = await api(t.url, 'POST', '/api/workspaces/acme/groups', { token, body: { name: 'Rest' } });
    expect(write.status).toBe(503);
    expect(write.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(write.body.error.code).toBe('storage-failed');
    // An edit made offline stays with its client and reaches nobody while nothing can be stored.
    run(a.doc, { type: 'group.create', name: 'During' });
    await new Promise((r) => setTimeout(r, 500));
    expect(groupNames(b.doc)).not.toContain('During');

    await pg.restart();
    await until(() => groupNames(b.doc).includes('During'), 20_000, 'resync after the outage');
    const again = await api(t.url, 'POST', '/api/workspaces/acme/groups', { token, body: { name: 'After' } });
    expect(again.status).toBe(201);
    await until(() => groupNames(a.doc).includes('After'), 5000, 'relay after the outage');

    // All of it is in PostgreSQL: a fresh server on the same database sees it.
    const url = t.server.ctx.config.databaseUrl;
    await t.close();
    const t2 = await start({ databaseUrl: url });
    const c = connect(t2, 'acme', token);
    await synced(c);
    expect(groupNames(c.doc)).toEqual(['After', 'Before', 'During']);
    for (const x of [a, b, c]) x.destroy();
  });
});
