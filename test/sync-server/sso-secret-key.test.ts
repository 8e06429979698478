/**
 * SSO client secrets at rest over a real server (storage/secret-box.ts): saved sealed under the data dir's
 * key file, used for the provider round trip, and after a restart with another key the request that
 * needs the secret is a clear 500 `secret-key-unusable` while everything else keeps working.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_KEY_FILE } from '../../sync-server/storage/secret-box.ts';
import { api, login, startServer, type TestServer } from './helpers.ts';
import { CLIENT_SECRET, createConnection, type SsoWorld, startSsoWorld } from './sso-helpers.ts';

const C = '/api/workspaces/acme/sso/connections';
let world: SsoWorld | null = null;
let restarted: TestServer | null = null;
afterEach(async () => {
  await restarted?.close().catch(() => {});
  await world?.close().catch(() => {});
  restarted = null;
  world = null;
});

describe('SSO client secret key', () => {
  it('seals the secret, uses it, and a wrong key after restart is a clear error, not a crash', async () => {
    world = await startSsoWorld();
    const w = world;
    const c = await createConnection(w);
    // Neither the database nor its write-ahead log holds the secret's bytes.
    for (const name of ['gatehouse.sqlite', 'gatehouse.sqlite-wal']) {
      const file = path.join(w.t.dataDir, name);
      if (fs.existsSync(file)) expect(fs.readFileSync(file).includes(CLIENT_SECRET), name).toBe(false);
    }
    expect(fs.existsSync(path.join(w.t.dataDir, 'gatehouse.sqlite'))).toBe(true);
    const tested = await api(w.t.url, 'POST', `${C}/${c.id}/test`, { token: w.admin });
    expect([tested.status, tested.body.ok]).toEqual([200, true]);

    await w.t.close();
    fs.writeFileSync(path.join(w.t.dataDir, SECRET_KEY_FILE), `${randomBytes(32).toString('base64')}\n`);
    restarted = await startServer({ dataDir: w.t.dataDir });
    const token = await login(restarted, 'admin@acme.test');
    const wrong = await api(restarted.url, 'POST', `${C}/${c.id}/test`, { token });
    expect(wrong.status).toBe(500);
    expect(wrong.body.error).toMatchObject({
      code: 'secret-key-unusable',
      message: expect.stringContaining('not the key it was saved with'),
    });
    const listed = await api(restarted.url, 'GET', C, { token });
    expect(listed.status).toBe(200);
    expect(listed.body.connections).toEqual([expect.objectContaining({ id: c.id, hasSecret: true })]);
  });
});
