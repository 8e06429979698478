/** Accounts, sessions and API tokens: the contract, run unchanged against every backend. */
import { describe, expect, it } from 'vitest';
import { StorageConflictError } from '../../sync-server/storage/errors.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { storageBackends } from './backends.ts';

const ws = (s: Storage, slug = 'acme') =>
  s.createWorkspace({ slug, name: slug, initialUpdate: new Uint8Array([0, 0]) });

describe.each(storageBackends())('account store on $name', (backend) => {
  it('creates accounts with lower-cased unique emails; finds them by email and id', async () => {
    const { storage } = await backend.open();
    expect(await storage.countAccounts()).toBe(0);
    const a = await storage.createAccount({ email: 'Ana@X.test', name: 'Ana', passwordHash: 'scrypt$1' });
    expect(a.email).toBe('ana@x.test');
    expect(typeof a.createdAt).toBe('number');
    expect(await storage.accountByEmail('ANA@x.test')).toEqual({ ...a, passwordHash: 'scrypt$1' });
    expect(await storage.accountById(a.id)).toEqual(a);
    expect(await storage.accountById('nobody')).toBeNull();
    expect(await storage.accountByEmail('nobody@x.test')).toBeNull();
    await expect(
      storage.createAccount({ email: 'ana@x.TEST', name: 'Other', passwordHash: null }),
    ).rejects.toBeInstanceOf(StorageConflictError);
    expect(await storage.countAccounts()).toBe(1);
    await storage.createAccount({ email: 'bo@x.test', name: 'Bo', passwordHash: null });
    expect((await storage.accountByEmail('bo@x.test'))!.passwordHash).toBeNull();
    expect(await storage.countAccounts()).toBe(2);
  });

  it('first-run claim: of concurrent first accounts exactly one is created; none once any exists', async () => {
    const { storage } = await backend.open();
    const claims = await Promise.all(
      ['a', 'b', 'c', 'd'].map((n) =>
        storage.createFirstAccount({ email: `${n}@X.test`, name: n, passwordHash: null }),
      ),
    );
    const won = claims.filter((a) => a !== null);
    expect(won).toHaveLength(1);
    expect(won[0]!.email).toMatch(/^[a-d]@x\.test$/);
    expect(await storage.countAccounts()).toBe(1);
    expect(await storage.accountById(won[0]!.id)).toEqual(won[0]);
    expect(await storage.createFirstAccount({ email: 'e@x.test', name: 'e', passwordHash: null })).toBeNull();
    expect(await storage.countAccounts()).toBe(1);
  });

  it('sets a password; deleting an account takes its sessions and tokens with it', async () => {
    const { storage } = await backend.open();
    const w = await ws(storage);
    const a = await storage.createAccount({ email: 'ana@x.test', name: 'Ana', passwordHash: null });
    await storage.setAccountPassword(a.id, 'scrypt$2');
    expect((await storage.accountByEmail(a.email))!.passwordHash).toBe('scrypt$2');
    await storage.createSession({ accountId: a.id, tokenHash: 's1', expiresAt: Date.now() + 60_000 });
    await storage.createApiToken({ workspaceId: w.id, accountId: a.id, name: 'ci', tokenHash: 't1' });
    expect(await storage.accountById(a.id)).not.toBeNull(); // cached reads must see the delete too
    expect(await storage.sessionByTokenHash('s1', Date.now())).not.toBeNull();
    expect(await storage.apiTokenByHash('t1')).not.toBeNull();
    await storage.deleteAccount(a.id);
    expect(await storage.accountById(a.id)).toBeNull();
    expect(await storage.sessionByTokenHash('s1', Date.now())).toBeNull();
    expect(await storage.apiTokenByHash('t1')).toBeNull();
    expect(await storage.countAccounts()).toBe(0);
  });

  it('finds live sessions by token hash only; deletes one, all of an account, or the expired', async () => {
    const { storage } = await backend.open();
    const a = await storage.createAccount({ email: 'ana@x.test', name: 'Ana', passwordHash: null });
    const b = await storage.createAccount({ email: 'bo@x.test', name: 'Bo', passwordHash: null });
    const now = Date.now();
    const s1 = await storage.createSession({ accountId: a.id, tokenHash: 'h1', expiresAt: now + 60_000 });
    await storage.createSession({ accountId: a.id, tokenHash: 'h2', expiresAt: now + 60_000 });
    await storage.createSession({ accountId: b.id, tokenHash: 'h3', expiresAt: now + 60_000 });
    await storage.createSession({ accountId: b.id, tokenHash: 'old', expiresAt: now - 1 });
    expect(await storage.sessionByTokenHash('h1', now)).toEqual(s1);
    expect(await storage.sessionByTokenHash('h1', now + 60_000)).toBeNull(); // expired by then
    expect(await storage.sessionByTokenHash('old', now)).toBeNull();
    await expect(
      storage.createSession({ accountId: b.id, tokenHash: 'h1', expiresAt: now + 60_000 }),
    ).rejects.toBeInstanceOf(StorageConflictError);
    await storage.deleteSessionByTokenHash('h1');
    expect(await storage.sessionByTokenHash('h1', now)).toBeNull();
    expect(await storage.sessionByTokenHash('h2', now)).not.toBeNull();
    await storage.deleteSessionsOfAccount(a.id);
    expect(await storage.sessionByTokenHash('h2', now)).toBeNull();
    expect(await storage.sessionByTokenHash('h3', now)).not.toBeNull();
    expect(await storage.deleteExpiredSessions(now)).toBe(1);
    expect(await storage.deleteExpiredSessions(now)).toBe(0);
    expect(await storage.sessionByTokenHash('h3', now)).not.toBeNull();
  });

  it('keeps API tokens per workspace: list, touch, delete one, delete an account’s', async () => {
    const { storage } = await backend.open();
    const w1 = await ws(storage, 'one');
    const w2 = await ws(storage, 'two');
    const a = await storage.createAccount({ email: 'ana@x.test', name: 'Ana', passwordHash: null });
    const b = await storage.createAccount({ email: 'bo@x.test', name: 'Bo', passwordHash: null });
    const t1 = await storage.createApiToken({
      workspaceId: w1.id,
      accountId: a.id,
      name: 'ci',
      tokenHash: 'a1',
    });
    const t2 = await storage.createApiToken({
      workspaceId: w1.id,
      accountId: a.id,
      name: 'cd',
      tokenHash: 'a2',
    });
    const t3 = await storage.createApiToken({
      workspaceId: w1.id,
      accountId: b.id,
      name: 'bo',
      tokenHash: 'b1',
    });
    const t4 = await storage.createApiToken({
      workspaceId: w2.id,
      accountId: a.id,
      name: 'x',
      tokenHash: 'a3',
    });
    expect(t1.lastUsedAt).toBeNull();
    expect(await storage.apiTokenByHash('a1')).toEqual(t1);
    expect(await storage.apiTokenByHash('nope')).toBeNull();
    expect((await storage.listApiTokens(w1.id)).map((t) => t.id).sort()).toEqual(
      [t1.id, t2.id, t3.id].sort(),
    );
    await storage.touchApiToken(t1.id, 12345);
    expect((await storage.apiTokenByHash('a1'))!.lastUsedAt).toBe(12345);
    expect(await storage.deleteApiToken(w2.id, t1.id)).toBe(false); // not that workspace's
    expect(await storage.deleteApiToken(w1.id, t1.id)).toBe(true);
    expect(await storage.deleteApiToken(w1.id, t1.id)).toBe(false);
    expect(await storage.apiTokenByHash('a1')).toBeNull();
    expect(await storage.deleteApiTokensOf(w1.id, a.id)).toEqual([t2.id]);
    expect(await storage.apiTokenByHash('a2')).toBeNull();
    expect(await storage.apiTokenByHash('b1')).toEqual(t3);
    expect(await storage.apiTokenByHash('a3')).toEqual(t4);
    expect(await storage.deleteApiTokensOf(w1.id, a.id)).toEqual([]);
  });

  it('keeps accounts, sessions and tokens across a close and a reopen', async () => {
    const opened = await backend.open();
    const w = await ws(opened.storage);
    const a = await opened.storage.createAccount({ email: 'ana@x.test', name: 'Ana', passwordHash: 'h' });
    const s = await opened.storage.createSession({
      accountId: a.id,
      tokenHash: 's',
      expiresAt: Date.now() + 1e6,
    });
    const t = await opened.storage.createApiToken({
      workspaceId: w.id,
      accountId: a.id,
      name: 'n',
      tokenHash: 't',
    });
    await opened.storage.close();
    const again = await opened.reopen();
    expect(await again.accountById(a.id)).toEqual(a);
    expect(await again.sessionByTokenHash('s', Date.now())).toEqual(s);
    expect(await again.apiTokenByHash('t')).toEqual(t);
  });
});
