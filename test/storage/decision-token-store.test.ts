/** Decision tokens: the contract, run unchanged against every backend. */
import { describe, expect, it } from 'vitest';
import { StorageConflictError } from '../../sync-server/storage/errors.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { storageBackends } from './backends.ts';

const ws = (s: Storage, slug: string) =>
  s.createWorkspace({ slug, name: slug, initialUpdate: new Uint8Array([0, 0]) });

describe.each(storageBackends())('decision token store on $name', (backend) => {
  it('creates, finds by hash, lists per workspace oldest first, counts, revokes', async () => {
    const { storage } = await backend.open();
    const w1 = await ws(storage, 'one');
    const w2 = await ws(storage, 'two');
    const admin = await storage.createAccount({ email: 'ana@x.test', name: 'Ana', passwordHash: null });
    const input = { workspaceId: w1.id, createdBy: admin.id, createdByEmail: admin.email };
    const a = await storage.createDecisionToken({ ...input, name: 'nginx', tokenHash: 'h-a' });
    expect(a).toMatchObject({
      workspaceId: w1.id,
      name: 'nginx',
      createdBy: admin.id,
      createdByEmail: 'ana@x.test',
      lastUsedAt: null,
      requestCount: 0,
    });
    expect(typeof a.createdAt).toBe('number');
    const b = await storage.createDecisionToken({ ...input, name: 'payroll app', tokenHash: 'h-b' });
    await storage.createDecisionToken({
      workspaceId: w2.id,
      name: 'other',
      tokenHash: 'h-c',
      createdBy: null,
      createdByEmail: null,
    });
    await expect(
      storage.createDecisionToken({ ...input, name: 'same secret', tokenHash: 'h-a' }),
    ).rejects.toBeInstanceOf(StorageConflictError);
    expect(await storage.decisionTokenByHash('h-a')).toEqual(a);
    expect(await storage.decisionTokenByHash('nope')).toBeNull();
    expect((await storage.listDecisionTokens(w1.id)).map((t) => t.name)).toEqual(['nginx', 'payroll app']);
    expect(await storage.countDecisionTokens(w1.id)).toBe(2);
    expect(await storage.countDecisionTokens(w2.id)).toBe(1);
    // Revoking in another workspace does nothing; in its own, the token is gone at once (cached reads too).
    expect(await storage.deleteDecisionToken(w2.id, a.id)).toBe(false);
    expect(await storage.deleteDecisionToken(w1.id, a.id)).toBe(true);
    expect(await storage.deleteDecisionToken(w1.id, a.id)).toBe(false);
    expect(await storage.decisionTokenByHash('h-a')).toBeNull();
    expect((await storage.listDecisionTokens(w1.id)).map((t) => t.id)).toEqual([b.id]);
  });

  it('adds batched uses: counts add up, the last use only moves forward, revoked tokens are skipped', async () => {
    const { storage } = await backend.open();
    const w = await ws(storage, 'one');
    const base = { workspaceId: w.id, createdBy: null, createdByEmail: null };
    const a = await storage.createDecisionToken({ ...base, name: 'a', tokenHash: 'h-a' });
    const b = await storage.createDecisionToken({ ...base, name: 'b', tokenHash: 'h-b' });
    await storage.addDecisionTokenUses([]);
    await storage.addDecisionTokenUses([
      { id: a.id, requests: 3, lastUsedAt: 2_000 },
      { id: b.id, requests: 1, lastUsedAt: 1_000 },
      { id: 'revoked-meanwhile', requests: 9, lastUsedAt: 9_000 },
    ]);
    await storage.addDecisionTokenUses([{ id: a.id, requests: 2, lastUsedAt: 1_500 }]); // a late batch
    const byName = Object.fromEntries((await storage.listDecisionTokens(w.id)).map((t) => [t.name, t]));
    expect(byName.a).toMatchObject({ requestCount: 5, lastUsedAt: 2_000 });
    expect(byName.b).toMatchObject({ requestCount: 1, lastUsedAt: 1_000 });
  });

  it('keeps tokens and counts across a reopen; the creator’s account going leaves the token', async () => {
    const opened = await backend.open();
    const w = await ws(opened.storage, 'one');
    const admin = await opened.storage.createAccount({
      email: 'ana@x.test',
      name: 'Ana',
      passwordHash: null,
    });
    const t = await opened.storage.createDecisionToken({
      workspaceId: w.id,
      name: 'proxy',
      tokenHash: 'h',
      createdBy: admin.id,
      createdByEmail: admin.email,
    });
    await opened.storage.addDecisionTokenUses([{ id: t.id, requests: 7, lastUsedAt: 5_000 }]);
    await opened.storage.deleteAccount(admin.id);
    const again = await opened.reopen();
    expect(await again.decisionTokenByHash('h')).toMatchObject({
      id: t.id,
      createdBy: null,
      createdByEmail: 'ana@x.test',
      requestCount: 7,
      lastUsedAt: 5_000,
    });
  });
});
