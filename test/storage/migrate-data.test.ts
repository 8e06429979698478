/**
 * `npm run migrate-data`: a SQLite data dir written by a real server is copied into PostgreSQL, checks
 * out (counts, state vectors), re-runs without changing anything, keeps edits made on PostgreSQL since,
 * refuses a database that holds other data unless told, and a server on the copy serves the same data.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CopyRefusedError, copySqliteToPostgres } from '../../sync-server/storage/copy-to-postgres.ts';
import { SECRET_KEY_FILE } from '../../sync-server/storage/secret-box.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import {
  addUser,
  api,
  connect,
  groupNames,
  login,
  serversPerTest,
  setup,
  synced,
  type TestServer,
} from '../sync-server/helpers.ts';
import { type ScimClient, scimConnection, userBody } from '../sync-server/scim-helpers.ts';

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => pg.stop());
const start = serversPerTest();
let scim: ScimClient;

/** A SQLite data dir with a workspace, users, groups, a token, an invitation and audit rows. */
async function sqliteData(slug: string, admin: string): Promise<string> {
  const t: TestServer = await start({ compactAfterUpdates: 3 });
  const token = await setup(t, slug, admin);
  await addUser(t, token, slug, `nia@${slug}.test`, 'builder');
  for (const name of ['HR', 'Sales', 'Ops', 'Legal'])
    expect(
      (await api(t.url, 'POST', `/api/workspaces/${slug}/groups`, { token, body: { name } })).status,
    ).toBe(201);
  await api(t.url, 'POST', `/api/workspaces/${slug}/tokens`, { token, body: { name: 'ci' } });
  scim = await scimConnection(t, token, slug, 'Okta');
  const sam = userBody(`sam@${slug}.test`, { externalId: '00u1' });
  expect((await scim.call('POST', '/Users', sam)).status).toBe(201);
  await api(t.url, 'POST', `/api/workspaces/${slug}/users`, {
    token,
    body: { email: `bo@${slug}.test`, name: 'Bo', role: 'end-user' },
  });
  await ssoData(t, slug);
  await t.close();
  return t.dataDir;
}

/** An SSO connection with its secret, a password policy, a user's last IdP groups and a sign-in. */
async function ssoData(t: TestServer, slug: string) {
  const s = t.server.ctx.storage;
  const ws = (await s.workspaceBySlug(slug))!;
  const conn = await s.createSsoConnection({
    workspaceId: ws.id,
    settings: {
      name: 'Okta SSO',
      issuer: 'https://idp.example.test',
      clientId: 'gatehouse',
      scopes: ['email', 'groups'],
      groupsClaim: 'groups',
      allowedDomains: [`${slug}.test`],
      authoritativeDomains: [],
      jit: true,
      jitRole: 'end-user',
      mappings: [],
    },
    clientSecret: 'shh',
  });
  await s.setPasswordSignIn(ws.id, false);
  await s.putWebhook({
    workspaceId: ws.id,
    url: 'https://hooks.example.test/g',
    enabled: true,
    secret: 'whsec_x',
    at: 1,
  });
  await s.addWebhookDelivery({ workspaceId: ws.id, event: 'webhook.test', payload: '{}', at: 1 });
  await s.putSsoUserGroups({ connectionId: conn.id, userId: 'u1', groups: ['Eng', 'Ops'], at: 1 });
  await s.addSsoSignIn({
    connectionId: conn.id,
    at: 2,
    email: `sam@${slug}.test`,
    userId: 'u1',
    outcome: 'signed-in',
    changes: ['joined Eng'],
  });
}

describe('migrate-data', () => {
  it('copies everything, checks it, re-runs as a no-op, and a server on PostgreSQL serves it', async () => {
    const dataDir = await sqliteData('acme', 'admin@acme.test');
    const databaseUrl = await pg.createDatabase();
    const first = await copySqliteToPostgres({ dataDir, databaseUrl });
    expect(first.ok).toBe(true);
    for (const c of first.counts) expect(c.target, c.table).toBe(c.source);
    expect(first.counts.find((c) => c.table === 'audit')!.source).toBeGreaterThan(5);
    expect(first.workspaces).toEqual([{ slug: 'acme', docUpdate: 'new', stateVector: 'equal' }]);

    const again = await copySqliteToPostgres({ dataDir, databaseUrl });
    expect(again.counts).toEqual(first.counts);
    expect(again.workspaces).toEqual([{ slug: 'acme', docUpdate: 'unchanged', stateVector: 'equal' }]);

    // The secrets came sealed: the cluster reads them with the SQLite server's key, given as SECRET_KEY.
    process.env.SECRET_KEY = fs.readFileSync(path.join(dataDir, SECRET_KEY_FILE), 'utf8').trim();
    onTestFinished(() => {
      delete process.env.SECRET_KEY;
    });
    const t = await start({ databaseUrl });
    expect(t.server.ctx.setupToken).toBeNull();
    const token = await login(t, 'admin@acme.test');
    await login(t, 'nia@acme.test');
    const c = connect(t, 'acme', token);
    await synced(c);
    expect(groupNames(c.doc)).toEqual(['HR', 'Legal', 'Ops', 'Sales']);
    const audit = await api(t.url, 'GET', '/api/workspaces/acme/audit', { token });
    expect(audit.status).toBe(200);
    // The SCIM connection's token and links came along.
    const byExternalId = `/api/workspaces/acme/scim/v2/Users?filter=${encodeURIComponent('externalId eq "00u1"')}`;
    const found = await api(t.url, 'GET', byExternalId, { token: scim.token });
    expect(found.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['sam@acme.test']);
    // The SSO connection (secret included), the policy, the last IdP groups and the sign-in log came along.
    const s = t.server.ctx.storage;
    const ws = (await s.workspaceBySlug('acme'))!;
    const [sso] = await s.listSsoConnections(ws.id);
    expect(sso).toMatchObject({ name: 'Okta SSO', allowedDomains: ['acme.test'], jit: true });
    expect(await s.ssoClientSecret(ws.id, sso!.id)).toBe('shh');
    expect(await s.passwordSignInAllowed(ws.id)).toBe(false);
    // The webhook (its sealed secret too) and its pending delivery came along.
    expect(await s.webhookOf(ws.id)).toMatchObject({ url: 'https://hooks.example.test/g', enabled: true });
    expect(await s.webhookSecret(ws.id)).toBe('whsec_x');
    expect((await s.listWebhookDeliveries(ws.id, 10)).map((d) => d.status)).toEqual(['pending']);
    expect(await s.ssoUserGroups(sso!.id)).toEqual([
      expect.objectContaining({ userId: 'u1', groups: ['Eng', 'Ops'] }),
    ]);
    await s.addSsoSignIn({
      connectionId: sso!.id,
      at: 3,
      email: 'x@acme.test',
      userId: null,
      outcome: 'jit-off',
      changes: [],
    });
    expect((await s.recentSsoSignIns(sso!.id, 5)).map((e) => [e.outcome, e.changes])).toEqual([
      ['jit-off', []],
      ['signed-in', ['joined Eng']],
    ]);
    // An edit on PostgreSQL, then a re-run: kept, nothing copied over it.
    expect(
      (await api(t.url, 'POST', '/api/workspaces/acme/groups', { token, body: { name: 'New' } })).status,
    ).toBe(201);
    const third = await copySqliteToPostgres({ dataDir, databaseUrl });
    expect(third.ok).toBe(true);
    expect(third.workspaces).toEqual([{ slug: 'acme', docUpdate: 'unchanged', stateVector: 'ahead' }]);
    c.destroy();
    await t.close();
    const t2 = await start({ databaseUrl });
    const c2 = connect(t2, 'acme', await login(t2, 'admin@acme.test'));
    await synced(c2);
    expect(groupNames(c2.doc)).toEqual(['HR', 'Legal', 'New', 'Ops', 'Sales']);
    c2.destroy();
  });

  it('refuses a database holding other data, unless told to', async () => {
    const one = await sqliteData('acme', 'admin@acme.test');
    const two = await sqliteData('beta', 'admin@beta.test');
    const databaseUrl = await pg.createDatabase();
    await copySqliteToPostgres({ dataDir: one, databaseUrl });
    await expect(copySqliteToPostgres({ dataDir: two, databaseUrl })).rejects.toBeInstanceOf(
      CopyRefusedError,
    );
    const merged = await copySqliteToPostgres({ dataDir: two, databaseUrl, allowOtherData: true });
    expect(merged.ok).toBe(true);
    expect(merged.workspaces).toEqual([{ slug: 'beta', docUpdate: 'new', stateVector: 'equal' }]);
    expect(merged.counts.find((c) => c.table === 'workspaces')).toEqual({
      table: 'workspaces',
      source: 1,
      target: 2,
    });
  });

  it('runs as `npm run migrate-data -- --to URL` with a one-line error for a bad target', async () => {
    const dataDir = await sqliteData('acme', 'admin@acme.test');
    const databaseUrl = await pg.createDatabase();
    const run = promisify(execFile);
    const ok = await run('npx', ['tsx', 'scripts/migrate-data.ts', '--to', databaseUrl, '--from', dataDir]);
    expect(ok.stdout).toMatch(/Everything checks out/);
    expect(ok.stdout).toContain(
      `run every instance with SECRET_KEY set to the contents of ${dataDir}/secret.key`,
    );
    const bad = await run('npx', [
      'tsx',
      'scripts/migrate-data.ts',
      '--to',
      'mysql://x/y',
      '--from',
      dataDir,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });
});
