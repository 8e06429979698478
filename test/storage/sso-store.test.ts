/** SSO connections, sign-in policy, flows, users' IdP groups and sign-in log: the same contract on every backend. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStorage } from '../../sync-server/storage/postgres-storage.ts';
import { SECRET_KEY_FILE, SecretKeyError } from '../../sync-server/storage/secret-box.ts';
import { openSqliteStorage } from '../../sync-server/storage/sqlite-storage.ts';
import { SSO_SIGN_INS_KEPT, type SsoConnectionSettings } from '../../sync-server/storage/sso-store.ts';
import { type Backend, storageBackends } from './backends.ts';

const settings = (more: Partial<SsoConnectionSettings> = {}): SsoConnectionSettings => ({
  name: 'Okta',
  issuer: 'https://idp.example.test',
  clientId: 'gatehouse',
  scopes: ['email', 'groups'],
  groupsClaim: 'groups',
  allowedDomains: ['acme.test'],
  authoritativeDomains: [],
  jit: true,
  jitRole: 'end-user',
  mappings: [{ idpGroup: 'Eng', groupId: 'g1', role: null, confirmedBy: null, confirmedAt: null }],
  ...more,
});

type Store = Awaited<ReturnType<ReturnType<typeof storageBackends>[number]['open']>>['storage'];
const workspace = (storage: Store, slug = 'acme') =>
  storage.createWorkspace({ slug, name: slug, initialUpdate: new Uint8Array([0, 0]) });
/** A workspace with one connection. */
async function seeded(storage: Store, clientSecret: string | null = 'x') {
  const w = await workspace(storage);
  const c = await storage.createSsoConnection({ workspaceId: w.id, settings: settings(), clientSecret });
  return { w, c };
}

describe.each(storageBackends())('SSO store on $name', (backend) => {
  it('keeps client secrets encrypted (AES-256-GCM): not in the column, read back, a wrong key is a clear error', async () => {
    const { storage, location, reopen } = await backend.open();
    const { w, c } = await seeded(storage, 'the-client-secret');
    const stored = await column(backend, location, c.id);
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain('the-client-secret');
    expect(Buffer.from(stored!.slice(3), 'base64').toString('latin1')).not.toContain('the-client-secret');
    // Fresh IV per write: the same secret saved again is another ciphertext.
    await storage.updateSsoConnection(w.id, c.id, settings(), 'the-client-secret');
    const again = await column(backend, location, c.id);
    expect(again).not.toBe(stored);
    expect(await (await reopen()).ssoClientSecret(w.id, c.id)).toBe('the-client-secret');

    // A legacy plaintext row reads as is and is encrypted on the next write.
    await setColumn(backend, location, c.id, 'legacy-plain');
    expect(await storage.ssoClientSecret(w.id, c.id)).toBe('legacy-plain');
    await storage.updateSsoConnection(w.id, c.id, settings(), 'rotated');
    expect(await column(backend, location, c.id)).toMatch(/^v1:/);

    const wrong = await openWithKey(backend, location, Buffer.alloc(32, 9));
    try {
      const read = wrong.ssoClientSecret(w.id, c.id);
      await expect(read).rejects.toBeInstanceOf(SecretKeyError);
      await expect(wrong.ssoClientSecret(w.id, c.id)).rejects.toThrow(/not the key it was saved with/);
      // The rest of the store still works.
      expect((await wrong.listSsoConnections(w.id)).map((x) => x.hasSecret)).toEqual([true]);
    } finally {
      await wrong.close();
    }
    if (backend.name === 'sqlite') {
      // No SECRET_KEY: the key file generated once in the data dir, readable by the server only.
      expect(fs.statSync(path.join(location, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600);
    } else {
      // Cluster mode without SECRET_KEY does not start once a secret is saved, and says why in one line.
      expect(process.env.SECRET_KEY).toBeUndefined();
      await expect(openPostgresStorage(location)).rejects.toThrow(
        /^SECRET_KEY is not set: with DATABASE_URL/,
      );
      // Before any secret is saved it starts, and saving one is refused with the same reason.
      const fresh = await openPostgresStorage((await backend.open()).location);
      try {
        const w2 = await workspace(fresh);
        const save = fresh.createSsoConnection({
          workspaceId: w2.id,
          settings: settings(),
          clientSecret: 'x',
        });
        await expect(save).rejects.toThrow(/^SECRET_KEY is not set/);
        const none = await fresh.createSsoConnection({
          workspaceId: w2.id,
          settings: settings(),
          clientSecret: null,
        });
        expect(none.hasSecret).toBe(false);
      } finally {
        await fresh.close();
      }
    }
  });

  it('keeps connections per workspace and never returns the secret with them', async () => {
    const { storage, reopen } = await backend.open();
    const { w, c } = await seeded(storage, 's3cret');
    const o = await workspace(storage, 'other');
    expect(c).toMatchObject({ ...settings(), hasSecret: true, workspaceId: w.id });
    expect(JSON.stringify(c)).not.toContain('s3cret');
    expect(await storage.listSsoConnections(w.id)).toEqual([c]);
    expect(await storage.listSsoConnections(o.id)).toEqual([]);
    expect(await storage.ssoConnectionById(o.id, c.id)).toBeNull();
    expect(await storage.ssoClientSecret(w.id, c.id)).toBe('s3cret');
    expect(await storage.ssoClientSecret(o.id, c.id)).toBeNull();

    const kept = await storage.updateSsoConnection(w.id, c.id, settings({ name: 'Okta EU', jit: false }));
    expect(kept).toMatchObject({ name: 'Okta EU', jit: false, hasSecret: true });
    expect(await storage.ssoClientSecret(w.id, c.id)).toBe('s3cret');
    await storage.updateSsoConnection(w.id, c.id, settings(), 'new');
    expect(await (await reopen()).ssoClientSecret(w.id, c.id)).toBe('new');
    expect(await storage.updateSsoConnection(o.id, c.id, settings())).toBeNull();
    expect(await storage.deleteSsoConnection(o.id, c.id)).toBe(false);
    expect(await storage.deleteSsoConnection(w.id, c.id)).toBe(true);
    expect(await storage.listSsoConnections(w.id)).toEqual([]);
  });

  it('password sign-in is on until turned off, per workspace', async () => {
    const { storage } = await backend.open();
    const w = await workspace(storage);
    expect(await storage.passwordSignInAllowed(w.id)).toBe(true);
    await storage.setPasswordSignIn(w.id, false);
    expect(await storage.passwordSignInAllowed(w.id)).toBe(false);
    await storage.setPasswordSignIn(w.id, true);
    expect(await storage.passwordSignInAllowed(w.id)).toBe(true);
  });

  it('a flow is taken once, and not after it expired', async () => {
    const { storage } = await backend.open();
    const { w, c } = await seeded(storage, null);
    expect(c.hasSecret).toBe(false);
    const flow = {
      workspaceId: w.id,
      connectionId: c.id,
      nonce: 'n',
      codeVerifier: 'v',
      returnTo: '/acme',
      createdAt: 100,
      expiresAt: 200,
    };
    await storage.createSsoFlow({ ...flow, stateHash: 'a' });
    await storage.createSsoFlow({ ...flow, stateHash: 'b' });
    expect(await storage.takeSsoFlow('a', 150)).toEqual({ ...flow, stateHash: 'a' });
    expect(await storage.takeSsoFlow('a', 150)).toBeNull();
    expect(await storage.takeSsoFlow('b', 200)).toBeNull();
    await storage.createSsoFlow({ ...flow, stateHash: 'c' });
    expect(await storage.deleteExpiredSsoFlows(300)).toBe(1);
  });

  it("keeps each user's last IdP groups and a bounded sign-in log, newest first", async () => {
    const { storage } = await backend.open();
    const { w, c } = await seeded(storage);
    await storage.putSsoUserGroups({ connectionId: c.id, userId: 'u1', groups: ['Eng'], at: 1 });
    await storage.putSsoUserGroups({ connectionId: c.id, userId: 'u1', groups: ['Eng', 'Ops'], at: 2 });
    expect(await storage.ssoUserGroups(c.id)).toEqual([
      { connectionId: c.id, userId: 'u1', groups: ['Eng', 'Ops'], at: 2 },
    ]);
    for (let i = 0; i < SSO_SIGN_INS_KEPT + 3; i++)
      await storage.addSsoSignIn({
        connectionId: c.id,
        at: i,
        email: 'nia@acme.test',
        userId: i % 2 ? 'u1' : null,
        outcome: 'signed-in',
        changes: [`joined ${i}`],
      });
    const log = await storage.recentSsoSignIns(c.id, 1000);
    expect(log).toHaveLength(SSO_SIGN_INS_KEPT);
    expect(log[0]).toMatchObject({ at: SSO_SIGN_INS_KEPT + 2, changes: [`joined ${SSO_SIGN_INS_KEPT + 2}`] });
    await storage.deleteSsoConnection(w.id, c.id);
    expect(await storage.recentSsoSignIns(c.id, 10)).toEqual([]);
    expect(await storage.ssoUserGroups(c.id)).toEqual([]);
  });

  it('remembers which sessions SSO started, until they expire', async () => {
    const { storage } = await backend.open();
    const now = Date.now();
    await storage.markSsoSession('h1', now + 60_000);
    expect(await storage.isSsoSession('h1', now)).toBe(true);
    expect(await storage.isSsoSession('h2', now)).toBe(false);
    expect(await storage.isSsoSession('h1', now + 60_000)).toBe(false);
  });
});

/** The stored client_secret column, read past the store. */
async function column(backend: Backend, location: string, id: string): Promise<string | null> {
  if (backend.name === 'sqlite') {
    const db = new Database(path.join(location, 'gatehouse.sqlite'), { readonly: true });
    try {
      const r = db.prepare('SELECT client_secret FROM sso_connections WHERE id = ?').get(id) as
        | { client_secret: string | null }
        | undefined;
      return r?.client_secret ?? null;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT client_secret FROM sso_connections WHERE id = $1', [id]);
    return rows[0]?.client_secret ?? null;
  } finally {
    await client.end();
  }
}

async function setColumn(backend: Backend, location: string, id: string, value: string): Promise<void> {
  if (backend.name === 'sqlite') {
    const db = new Database(path.join(location, 'gatehouse.sqlite'));
    try {
      db.prepare('UPDATE sso_connections SET client_secret = ? WHERE id = ?').run(value, id);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    await client.query('UPDATE sso_connections SET client_secret = $1 WHERE id = $2', [value, id]);
  } finally {
    await client.end();
  }
}

const openWithKey = (backend: Backend, location: string, secretKey: Buffer) =>
  backend.name === 'sqlite'
    ? Promise.resolve(openSqliteStorage(location, { secretKey }))
    : openPostgresStorage(location, { secretKey });
