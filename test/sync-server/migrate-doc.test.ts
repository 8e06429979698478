/**
 * The server migrates a schema-1 workspace doc when it loads it (sync-server/sync/migrate-doc.ts): once,
 * stored with one `schema.migrate` audit row before anyone is served; a client then syncs the schema-2
 * doc with the state it had; a restart does not migrate again.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docSchemaVersion, readState } from '../../core/index.ts';
import { normalizeState } from '../fixtures/replicas.ts';
import { api, connect, setup, startServer, synced, type TestServer } from './helpers.ts';

interface V1Doc {
  readonly name: string;
  readonly update: string;
}
const fixture = readFileSync(new URL('../fixtures/schema-v1-docs.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as V1Doc)
  .find((d) => d.name.startsWith('small bench'))!;

/** The fixture (written by schema 1) with this server's admin added the schema-1 way. */
function schema1Doc(): Uint8Array {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Buffer.from(fixture.update, 'base64'));
  doc.transact(() => {
    const admin = doc.getMap('users').set('adminAcme01', new Y.Map<unknown>());
    for (const [k, v] of Object.entries({
      email: 'admin@acme.test',
      name: 'Admin',
      role: 'admin',
      status: 'active',
      createdAt: 1,
    }))
      admin.set(k, v);
    doc.getMap('meta').set('slug', 'acme');
  });
  return Y.encodeStateAsUpdate(doc);
}

let servers: TestServer[] = [];
afterEach(async () => {
  for (const t of servers) await t.close();
  servers = [];
});

const migrations = async (t: TestServer, token: string) => {
  const r = await api(t.url, 'GET', '/api/workspaces/acme/audit?limit=200', { token });
  expect(r.status).toBe(200);
  return (r.body.entries as { action: string; source: string }[]).filter(
    (e) => e.action === 'schema.migrate',
  );
};

describe('schema migration at load', () => {
  it('migrates a stored schema-1 doc once, audited, and clients sync the same state', async () => {
    const first = await startServer();
    servers.push(first);
    const token = await setup(first);
    await first.close();
    servers = [];
    // A new server on the same data, before any doc is loaded: the stored doc becomes a schema-1 one.
    const t = await startServer({ dataDir: first.dataDir });
    servers.push(t);
    const ws = (await t.server.ctx.storage.workspaceBySlug('acme'))!;
    const stored = await t.server.ctx.storage.loadDoc(ws.id);
    const v1 = schema1Doc();
    await t.server.ctx.storage.compact(ws.id, v1, stored.lastSeq);
    const expected = new Y.Doc();
    Y.applyUpdate(expected, v1);

    const c = connect(t, 'acme', token);
    await synced(c);
    expect(docSchemaVersion(c.doc)).toBe(2);
    expect(normalizeState(readState(c.doc))).toEqual(normalizeState(readState(expected)));
    expect((c.doc.getMap('groups').values().next().value as Y.Map<unknown>).get('members')).toBeInstanceOf(
      Y.Text,
    );
    const rows = await migrations(t, token);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.source).toBe('server');
    c.destroy();
    await t.close();
    servers = [];

    // A restart loads the migrated doc from storage and leaves it alone.
    const again = await startServer({ dataDir: first.dataDir });
    servers.push(again);
    const d = connect(again, 'acme', token);
    await synced(d);
    expect(docSchemaVersion(d.doc)).toBe(2);
    expect(normalizeState(readState(d.doc))).toEqual(normalizeState(readState(expected)));
    expect(await migrations(again, token)).toHaveLength(1);
    d.destroy();
  });
});
